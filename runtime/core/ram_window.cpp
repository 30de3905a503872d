#include "runtime/core/ram_window.h"

#include "runtime/core/bootargs.h"

#include <cstring>

namespace inferpi {

namespace {
constexpr uint64_t kG = RamWindow::kGranule;
uint64_t round_up(uint64_t v) { return v > UINT64_MAX - (kG - 1) ? 0 : (v + kG - 1) & ~(kG - 1); }
uint64_t round_down(uint64_t v) { return v & ~(kG - 1); }
unsigned long long ull(uint64_t v) { return (unsigned long long)v; }
}  // namespace

Status RamWindow::plan(const MemRegion* ranges, size_t count, uint64_t va_base) {
  count_ = 0;
  size_ = 0;
  dropped_ = 0;
  base_ = va_base;
  if (va_base & (kG - 1))
    return Status::error("model window: base 0x%llx is not 2 MiB aligned", ull(va_base));
  uint64_t va = va_base;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t b = round_up(ranges[i].base), e = round_down(ranges[i].end());
    if (b == 0 && ranges[i].base != 0) {  // rounding wrapped: nothing usable at the very top
      dropped_ += ranges[i].size;
      continue;
    }
    if (e <= b) {  // smaller than one 2 MiB block after rounding
      dropped_ += ranges[i].size;
      continue;
    }
    dropped_ += ranges[i].size - (e - b);
    if (e - b > UINT64_MAX - va) return Status::error("model window: wraps the address space");
    if (count_ > 0 && segments_[count_ - 1].pa_end() == b) {
      segments_[count_ - 1].size += e - b;  // physically adjacent: one segment
    } else {
      if (count_ == kMaxSegments)
        return Status::error("model window: more than %zu RAM segments", kMaxSegments);
      segments_[count_++] = RamSegment{va, b, e - b};
    }
    va += e - b;
    size_ += e - b;
  }
  return Status::ok();
}

Status RamWindow::plan(const MemoryMap& map, uint64_t va_base) {
  constexpr size_t kCap = MemoryMap::kMaxRam + MemoryMap::kMaxReserved;
  MemRegion free[kCap];
  size_t n = map.free_ranges(free, kCap);
  if (n > kCap) return Status::error("model window: more than %zu free ranges", kCap);
  return plan(free, n, va_base);
}

int RamWindow::find(uint64_t va) const {
  for (size_t i = 0; i < count_; ++i)
    if (va >= segments_[i].va && va < segments_[i].va_end()) return int(i);
  return -1;
}

bool RamWindow::contains(uint64_t va, uint64_t size) const {
  if (va < base_ || va - base_ > size_) return false;
  return size <= size_ - (va - base_) && (size > 0 || va < base_ + size_);
}

bool RamWindow::to_physical(uint64_t va, uint64_t* pa) const {
  int i = find(va);
  if (i < 0) return false;
  *pa = segments_[i].pa + (va - segments_[i].va);
  return true;
}

bool RamWindow::physical_run(uint64_t va, uint64_t size, uint64_t* pa) const {
  int i = find(va);
  if (i < 0) return false;
  const RamSegment& s = segments_[i];
  if (size > s.va_end() - va) return false;  // runs into the next segment
  *pa = s.pa + (va - s.va);
  return true;
}

size_t RamWindow::split(uint64_t va, uint64_t size, RamSegment* out, size_t cap) const {
  if (size == 0 || !contains(va, size)) return 0;
  size_t n = 0;
  while (size > 0) {
    int i = find(va);
    if (i < 0) return 0;  // cannot happen: segments tile the window
    const RamSegment& s = segments_[i];
    uint64_t take = s.va_end() - va < size ? s.va_end() - va : size;
    if (n < cap) out[n] = RamSegment{va, s.pa + (va - s.va), take};
    ++n;
    va += take;
    size -= take;
  }
  return n;
}

namespace {

// "64M", "0x400000", "1G", "8192K" -> bytes. False on anything else or overflow.
bool parse_size(const char* s, size_t len, uint64_t* out) {
  char digits[64];
  if (len == 0 || len >= sizeof(digits)) return false;
  uint64_t mult = 1;
  char last = s[len - 1];
  if (last == 'K' || last == 'k') mult = 1ull << 10;
  if (last == 'M' || last == 'm') mult = 1ull << 20;
  if (last == 'G' || last == 'g') mult = 1ull << 30;
  if (mult != 1) --len;
  memcpy(digits, s, len);
  digits[len] = 0;
  uint64_t v;
  if (!bootargs::parse_u64(digits, &v) || v > UINT64_MAX / mult) return false;
  *out = v * mult;
  return true;
}

}  // namespace

Status parse_memhole(const char* args, bool* found, MemHole* out) {
  *found = false;
  char text[64];
  if (!bootargs::value(args, "memhole", text, sizeof(text))) {
    if (!bootargs::has_key(args, "memhole")) return Status::ok();
    return Status::error(
        "memhole: the value is too long to be a size (e.g. memhole=64M or 64M@8M)");
  }
  const char* at = strchr(text, '@');
  const size_t size_len = at ? size_t(at - text) : strlen(text);
  MemHole h;
  if (!parse_size(text, size_len, &h.size) || h.size == 0)
    return Status::error("memhole: 'memhole=%s' is not a size (e.g. memhole=64M or 64M@8M)", text);
  if (at) {
    if (!parse_size(at + 1, strlen(at + 1), &h.offset))
      return Status::error("memhole: 'memhole=%s' has no valid offset after @", text);
    h.has_offset = true;
  }
  *out = h;
  *found = true;
  return Status::ok();
}

Status reserve_memhole(MemoryMap& map, const MemHole& hole, uint64_t* where) {
  MemRegion r = map.largest_free();
  const uint64_t start = round_up(r.base), end = round_down(r.end());
  const uint64_t size = round_up(hole.size);
  if (end <= start || size == 0)
    return Status::error("memhole: no free range of 2 MiB or more to put it in");
  const uint64_t room = end - start;
  const uint64_t offset = hole.has_offset ? round_up(hole.offset) : round_down(room / 2);
  // Keep at least one 2 MiB block on each side: otherwise there is no hole to test.
  if (offset == 0 || offset >= room || size >= room - offset)
    return Status::error(
        "memhole: %llu MiB at +%llu MiB does not leave RAM on both sides of it in the largest "
        "free range (%llu MiB)",
        ull(size >> 20), ull(offset >> 20), ull(room >> 20));
  INFERPI_TRY(map.reserve(start + offset, size, "memhole (test)"));
  *where = start + offset;
  return Status::ok();
}

}  // namespace inferpi
