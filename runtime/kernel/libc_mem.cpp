// memcpy/memmove/memset/memcmp for the kernel. Ours, not the C library's: the optimised
// library versions use unaligned loads/stores and DC ZVA, which fault while the MMU is off
// (every data access is Device memory then; pi4-hardware.md §3.2), and the DTB is parsed
// before the MMU is on. These use 8-byte words only when both pointers are 8-byte aligned.
// (-fno-tree-loop-distribute-patterns keeps gcc from turning these loops into calls to
// themselves.)
#include <cstddef>
#include <cstdint>

extern "C" {

void* memcpy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<uint8_t*>(dst);
  auto* s = static_cast<const uint8_t*>(src);
  if (((reinterpret_cast<uintptr_t>(d) | reinterpret_cast<uintptr_t>(s)) & 7) == 0) {
    for (; n >= 32; n -= 32, d += 32, s += 32) {
      auto* dw = reinterpret_cast<uint64_t*>(d);
      auto* sw = reinterpret_cast<const uint64_t*>(s);
      uint64_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
      dw[0] = a, dw[1] = b, dw[2] = c, dw[3] = e;
    }
    for (; n >= 8; n -= 8, d += 8, s += 8) {
      *reinterpret_cast<uint64_t*>(d) = *reinterpret_cast<const uint64_t*>(s);
    }
  }
  while (n--) *d++ = *s++;
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<uint8_t*>(dst);
  auto* s = static_cast<const uint8_t*>(src);
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) return memcpy(dst, src, n);
  // Overlapping with dst above src: copy backwards.
  while (n--) d[n] = s[n];
  return dst;
}

void* memset(void* dst, int value, size_t n) {
  auto* d = static_cast<uint8_t*>(dst);
  uint8_t v = uint8_t(value);
  for (; n && (reinterpret_cast<uintptr_t>(d) & 7); --n) *d++ = v;
  uint64_t w = 0x0101010101010101ull * v;
  for (; n >= 8; n -= 8, d += 8) *reinterpret_cast<uint64_t*>(d) = w;
  while (n--) *d++ = v;
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  auto* x = static_cast<const uint8_t*>(a);
  auto* y = static_cast<const uint8_t*>(b);
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

}  // extern "C"
