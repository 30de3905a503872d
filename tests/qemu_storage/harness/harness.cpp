// Storage test harness for QEMU virt: a minimal stand-in for the kernel (no MMU, one core)
// that runs the storage shell commands read from the PL011. It exists so the drivers can be
// system-tested before/independently of the full kernel; the same commands are registered
// in the kernel's shell. Board facts (qemu.md §3–§5): PL011 0x0900_0000, ECAM
// 0x40_1000_0000, 32-bit PCI window 0x1000_0000 (identity), coherent DMA, DMA = physical.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "drivers/mmio.h"
#include "drivers/storage_hw/storage_commands.h"
#include "runtime/core/console.h"
#include "runtime/core/platform.h"

extern "C" {
extern char __heap_start[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
}

namespace inferpi {
namespace {

constexpr uintptr_t kUart = 0x09000000;
constexpr uint64_t kRamEnd = 0x40000000ull + (1ull << 30);  // run with -m 1G or more

class Pl011 final : public Console {
 public:
  void write(const char* data, size_t len) override {
    for (size_t i = 0; i < len; i++) {
      if (data[i] == '\n') put('\r');
      put(data[i]);
    }
  }
  int read_byte(uint32_t timeout_ms) override {
    uint64_t start = platform::now_ms();
    for (;;) {
      if (!(mmio::read32(kUart + 0x18) & (1u << 4))) return int(mmio::read32(kUart) & 0xFF);
      if (platform::now_ms() - start >= timeout_ms) return -1;
    }
  }

 private:
  void put(char c) {
    for (int i = 0; i < 100000 && (mmio::read32(kUart + 0x18) & (1u << 5)); i++) {
    }
    mmio::write32(kUart, uint8_t(c));
  }
};

uintptr_t g_heap = 0;

void* heap_alloc(size_t size, size_t align) {
  if (!g_heap) g_heap = reinterpret_cast<uintptr_t>(__heap_start);
  uintptr_t p = (g_heap + align - 1) & ~(uintptr_t(align) - 1);
  if (p + size > kRamEnd) return nullptr;
  g_heap = p + size;
  return reinterpret_cast<void*>(p);
}

}  // namespace

namespace platform {
uint64_t now_us() {
  uint64_t cnt, frq;
  asm volatile("isb; mrs %0, cntpct_el0" : "=r"(cnt));
  asm volatile("mrs %0, cntfrq_el0" : "=r"(frq));
  return cnt / (frq / 1000000);
}
void delay_us(uint64_t us) {
  uint64_t start = now_us();
  while (now_us() - start < us) {
  }
}
bool dma_alloc_coherent(size_t size, size_t align, DmaRegion* out) {
  void* p = heap_alloc(size, align);
  if (!p) return false;
  *out = DmaRegion{p, reinterpret_cast<uint64_t>(p), size};
  return true;
}
bool dma_bus_address(const void* cpu, size_t size, uint64_t* bus) {
  uint64_t a = reinterpret_cast<uint64_t>(cpu);
  if (a < 0x40000000ull || a + size > kRamEnd) return false;
  *bus = a;
  return true;
}
bool dma_physical_address(const void* cpu, size_t size, uint64_t* phys) {
  return dma_bus_address(cpu, size, phys);
}
void dma_clean(const void*, size_t) {}
void dma_invalidate(void*, size_t) {}
void dma_clean_invalidate(void*, size_t) {}
}  // namespace platform

}  // namespace inferpi

using namespace inferpi;

extern "C" int harness_main() {
  for (auto* f = __init_array_start; f != __init_array_end; f++) (*f)();
  static Pl011 uart;
  set_console(&uart);
  StorageBoardConfig config;
  config.ecam_base = 0x40'1000'0000ull;
  config.ecam_buses = 255;
  config.window = pci::MemoryWindow{0x1000'0000, 0x1000'0000, 0x2EFF'0000};
  static StorageHardware hw(config);
  constexpr size_t kScratch = 4u << 20;
  void* scratch = heap_alloc(kScratch, 4096);
  static StorageCommands commands(hw, scratch, kScratch);
  kprint("storage harness ready\n");
  char line[256];
  for (;;) {
    kprint("> ");
    size_t n = 0;
    for (;;) {
      int c = uart.read_byte(1000);
      if (c < 0) continue;
      if (c == '\r' || c == '\n') break;
      if (n + 1 < sizeof line) line[n++] = char(c);
    }
    line[n] = 0;
    kprint("\n");
    const char* argv[8];
    int argc = 0;
    for (char* p = line; *p && argc < 8;) {
      while (*p == ' ') *p++ = 0;
      if (!*p) break;
      argv[argc++] = p;
      while (*p && *p != ' ') p++;
    }
    if (argc == 0) continue;
    if (!strcmp(argv[0], "exit")) {
      kprint("bye\n");
      return argc > 1 ? argv[1][0] - '0' : 0;
    }
    if (!commands.run(argc, argv)) kprint("unknown command '%s'\n", argv[0]);
  }
}

// Freestanding C/C++ runtime pieces the drivers need.
extern "C" {
void* memcpy(void* d, const void* s, size_t n) {
  uint8_t* dp = static_cast<uint8_t*>(d);
  const uint8_t* sp = static_cast<const uint8_t*>(s);
  if (((uintptr_t(dp) | uintptr_t(sp)) & 7) == 0) {
    for (; n >= 8; n -= 8, dp += 8, sp += 8)
      *reinterpret_cast<uint64_t*>(dp) = *reinterpret_cast<const uint64_t*>(sp);
  }
  while (n--) *dp++ = *sp++;
  return d;
}
void* memmove(void* d, const void* s, size_t n) {
  uint8_t* dp = static_cast<uint8_t*>(d);
  const uint8_t* sp = static_cast<const uint8_t*>(s);
  if (dp < sp) return memcpy(d, s, n);
  while (n--) dp[n] = sp[n];
  return d;
}
void* memset(void* d, int c, size_t n) {
  uint8_t* dp = static_cast<uint8_t*>(d);
  while (n--) *dp++ = uint8_t(c);
  return d;
}
int memcmp(const void* a, const void* b, size_t n) {
  const uint8_t* x = static_cast<const uint8_t*>(a);
  const uint8_t* y = static_cast<const uint8_t*>(b);
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] - y[i];
  return 0;
}
size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}
int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) a++, b++;
  return uint8_t(*a) - uint8_t(*b);
}
int strncmp(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (a[i] != b[i] || !a[i]) return uint8_t(a[i]) - uint8_t(b[i]);
  }
  return 0;
}
void __cxa_pure_virtual() {
  for (;;) {
  }
}

int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void* __dso_handle_storage = nullptr;
}
void operator delete(void*) noexcept {}
void operator delete(void*, size_t) noexcept {}
