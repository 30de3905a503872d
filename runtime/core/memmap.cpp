#include "runtime/core/memmap.h"

#include <cstring>

namespace inferpi {

namespace {
// Clamp base+size to the 64-bit space (a DTB may claim absurd sizes).
uint64_t clamp_size(uint64_t base, uint64_t size) {
  return size > UINT64_MAX - base ? UINT64_MAX - base : size;
}
uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
}  // namespace

Status MemoryMap::add_ram(uint64_t base, uint64_t size) {
  size = clamp_size(base, size);
  if (size == 0) return Status::ok();  // the upstream Pi DTB has reg = <0 0 0>
  if (ram_count_ == kMaxRam) return Status::error("memory map: more than %zu RAM ranges", kMaxRam);
  // Keep sorted by base; reject overlaps (a corrupt DTB).
  size_t i = ram_count_;
  while (i > 0 && ram_[i - 1].base > base) {
    ram_[i] = ram_[i - 1];
    --i;
  }
  ram_[i] = MemRegion{base, size, "RAM"};
  ++ram_count_;
  for (size_t k = 1; k < ram_count_; ++k) {
    if (ram_[k - 1].end() > ram_[k].base)
      return Status::error("memory map: RAM ranges 0x%llx and 0x%llx overlap",
                           (unsigned long long)ram_[k - 1].base, (unsigned long long)ram_[k].base);
  }
  return Status::ok();
}

Status MemoryMap::reserve(uint64_t base, uint64_t size, const char* why) {
  size = clamp_size(base, size);
  if (size == 0) return Status::ok();
  if (reserved_count_ == kMaxReserved)
    return Status::error("memory map: more than %zu reserved ranges", kMaxReserved);
  size_t i = reserved_count_;
  while (i > 0 && reserved_[i - 1].base > base) {
    reserved_[i] = reserved_[i - 1];
    --i;
  }
  reserved_[i] = MemRegion{base, size, why};
  ++reserved_count_;
  return Status::ok();
}

Status MemoryMap::add_ram_from_fdt(const Fdt& fdt) {
  if (!fdt.valid()) return Status::error("memory map: no device tree");
  uint32_t ac = fdt.address_cells(fdt.root()), sc = fdt.size_cells(fdt.root());
  if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
    return Status::error("memory map: unsupported #address-cells %u / #size-cells %u", ac, sc);
  for (int n = fdt.first_child(fdt.root()); n >= 0; n = fdt.next_sibling(n)) {
    bool is_memory = fdt.prop_has_string(n, "device_type", "memory") ||
                     strncmp(fdt.name(n), "memory@", 7) == 0 || strcmp(fdt.name(n), "memory") == 0;
    if (!is_memory) continue;
    const char* status = fdt.prop_string(n, "status");
    if (status && strcmp(status, "okay") != 0 && strcmp(status, "ok") != 0) continue;
    const uint8_t* reg;
    uint32_t len;
    if (!fdt.prop(n, "reg", &reg, &len)) continue;
    if (len % ((ac + sc) * 4) != 0)
      return Status::error("memory map: %s reg has %u bytes, not a multiple of %u", fdt.name(n),
                           len, (ac + sc) * 4);
    for (uint32_t pos = 0; pos < len;) {
      uint64_t base, size;
      Fdt::read_cells(reg, len, &pos, ac, &base);
      Fdt::read_cells(reg, len, &pos, sc, &size);
      INFERPI_TRY(add_ram(base, size));
    }
  }
  if (ram_count_ == 0) return Status::error("memory map: the device tree lists no RAM");
  return Status::ok();
}

Status MemoryMap::reserve_from_fdt(const Fdt& fdt, uint64_t dtb_address) {
  if (!fdt.valid()) return Status::error("memory map: no device tree");
  for (size_t i = 0; i < fdt.reserve_count(); ++i) {
    uint64_t a, s;
    fdt.reserve_entry(i, &a, &s);
    INFERPI_TRY(reserve(a, s, "/memreserve/"));
  }
  int rm = fdt.find("/reserved-memory");
  if (rm >= 0) {
    uint32_t ac = fdt.address_cells(rm), sc = fdt.size_cells(rm);
    if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
      return Status::error("memory map: /reserved-memory has unsupported cell sizes");
    for (int n = fdt.first_child(rm); n >= 0; n = fdt.next_sibling(n)) {
      const uint8_t* reg;
      uint32_t len;
      if (!fdt.prop(n, "reg", &reg, &len)) continue;  // dynamic pools: nothing placed yet
      for (uint32_t pos = 0; pos + (ac + sc) * 4 <= len;) {
        uint64_t base, size;
        Fdt::read_cells(reg, len, &pos, ac, &base);
        Fdt::read_cells(reg, len, &pos, sc, &size);
        INFERPI_TRY(reserve(base, size, "/reserved-memory"));
      }
    }
  }
  return reserve(dtb_address, fdt.total_size(), "device tree blob");
}

uint64_t MemoryMap::total_ram() const {
  uint64_t t = 0;
  for (size_t i = 0; i < ram_count_; ++i) t += ram_[i].size;
  return t;
}

size_t MemoryMap::free_ranges(MemRegion* out, size_t cap) const {
  size_t n = 0;
  auto emit = [&](uint64_t b, uint64_t e) {
    if (e <= b) return;
    if (n < cap) out[n] = MemRegion{b, e - b, "free"};
    ++n;
  };
  for (size_t i = 0; i < ram_count_; ++i) {
    uint64_t cur = ram_[i].base, end = ram_[i].end();
    for (size_t r = 0; r < reserved_count_; ++r) {  // sorted by base
      const MemRegion& res = reserved_[r];
      if (res.end() <= cur || res.base >= end) continue;
      if (res.base > cur) emit(cur, res.base);
      if (res.end() > cur) cur = res.end();
      if (cur >= end) break;
    }
    emit(cur, end);
  }
  return n;
}

uint64_t MemoryMap::total_free() const {
  MemRegion f[kMaxRam + kMaxReserved];
  size_t n = free_ranges(f, kMaxRam + kMaxReserved);
  uint64_t t = 0;
  for (size_t i = 0; i < n && i < kMaxRam + kMaxReserved; ++i) t += f[i].size;
  return t;
}

MemRegion MemoryMap::largest_free() const {
  MemRegion f[kMaxRam + kMaxReserved];
  size_t n = free_ranges(f, kMaxRam + kMaxReserved);
  MemRegion best{};
  for (size_t i = 0; i < n && i < kMaxRam + kMaxReserved; ++i)
    if (f[i].size > best.size) best = f[i];
  return best;
}

bool MemoryMap::take_low(uint64_t size, uint64_t align, uint64_t limit, const char* why,
                         uint64_t* out) {
  if (size == 0 || align == 0 || (align & (align - 1))) return false;
  MemRegion f[kMaxRam + kMaxReserved];
  size_t n = free_ranges(f, kMaxRam + kMaxReserved);
  for (size_t i = 0; i < n && i < kMaxRam + kMaxReserved; ++i) {
    uint64_t b = align_up(f[i].base, align);
    if (b < f[i].base || b >= f[i].end() || f[i].end() - b < size) continue;
    if (b + size > limit) continue;
    if (!reserve(b, size, why).is_ok()) return false;
    *out = b;
    return true;
  }
  return false;
}

bool MemoryMap::take_largest(uint64_t align, const char* why, MemRegion* out) {
  if (align == 0 || (align & (align - 1))) return false;
  MemRegion best = largest_free();
  uint64_t b = align_up(best.base, align);
  if (best.size == 0 || b >= best.end()) return false;
  MemRegion r{b, best.end() - b, why};
  if (!reserve(r.base, r.size, why).is_ok()) return false;
  *out = r;
  return true;
}

}  // namespace inferpi
