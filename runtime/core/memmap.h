// MemoryMap: which physical RAM the kernel may use. RAM ranges come from the device tree's
// /memory nodes (pi4-hardware.md §2.2: the firmware rewrites them for the real board);
// reserved ranges from the /memreserve/ block, /reserved-memory children, the DTB itself,
// the kernel image and anything the board adds (Pi 4: page 0 with the spin table).
// Free space = RAM minus reserved, computed on demand. take() carves blocks out for the
// kernel heap, DMA memory and the model arena. Portable; host-tested with real DTBs.
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/fdt.h"
#include "runtime/core/status.h"

namespace inferpi {

struct MemRegion {
  uint64_t base = 0;
  uint64_t size = 0;
  const char* what = "";  // reserved regions: why
  uint64_t end() const { return base + size; }
};

class MemoryMap {
 public:
  static constexpr size_t kMaxRam = 16;
  static constexpr size_t kMaxReserved = 48;

  // RAM from every node with device_type = "memory" (or named memory@...) under the root.
  Status add_ram_from_fdt(const Fdt& fdt);
  // /memreserve/ entries, /reserved-memory/* reg ranges and the blob itself (at dtb_address).
  Status reserve_from_fdt(const Fdt& fdt, uint64_t dtb_address);

  Status add_ram(uint64_t base, uint64_t size);
  // Forgets every range (a device tree that failed half-way is not used at all).
  void clear() { ram_count_ = reserved_count_ = 0; }
  Status reserve(uint64_t base, uint64_t size, const char* why);

  size_t ram_count() const { return ram_count_; }
  const MemRegion& ram(size_t i) const { return ram_[i]; }
  size_t reserved_count() const { return reserved_count_; }
  const MemRegion& reserved(size_t i) const { return reserved_[i]; }

  uint64_t total_ram() const;
  // Free ranges in address order; returns how many exist (writes at most cap).
  size_t free_ranges(MemRegion* out, size_t cap) const;
  uint64_t total_free() const;
  MemRegion largest_free() const;

  // Takes `size` bytes aligned to `align` from the lowest free range that ends at or below
  // `limit`, marks it reserved (`why`), and returns its address.
  bool take_low(uint64_t size, uint64_t align, uint64_t limit, const char* why, uint64_t* out);
  // Takes the whole largest free range (after aligning its start); for the model arena.
  bool take_largest(uint64_t align, const char* why, MemRegion* out);

 private:
  MemRegion ram_[kMaxRam];
  MemRegion reserved_[kMaxReserved];  // sorted by base
  size_t ram_count_ = 0;
  size_t reserved_count_ = 0;
};

}  // namespace inferpi
