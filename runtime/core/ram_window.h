// RamWindow: every free RAM range, seen by the CPU as ONE contiguous block of virtual memory
// (the "model window"), so a model can use all of a Pi 4's RAM and not just its largest free
// range. An 8 GB Pi 4 has RAM at 0–0x3B40_0000, 0x4000_0000–0xFC00_0000 and
// 0x1_0000_0000–0x2_0000_0000 (pi4-hardware.md §2.1); the kernel image, the DTB and the
// kernel heap cut more holes. The MMU maps the window's segments one after another at a
// virtual base above every physical address (mmu::map_to), and the model Arena covers it.
//
// Each free range is rounded inward to kGranule (2 MiB) so the window maps with 2 MiB blocks;
// ranges that touch physically after rounding (the 8 GB board's two /memory entries at
// 0x1_0000_0000 and 0x1_8000_0000) merge into one segment. DMA needs physical addresses:
// physical_run() translates a window buffer and refuses one that straddles two segments
// (two physically unrelated places: the caller bounces). Portable; host-tested with the real
// Pi 4 DTBs.
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/memmap.h"
#include "runtime/core/status.h"

namespace inferpi {

struct RamSegment {
  uint64_t va = 0;
  uint64_t pa = 0;
  uint64_t size = 0;
  uint64_t va_end() const { return va + size; }
  uint64_t pa_end() const { return pa + size; }
};

class RamWindow {
 public:
  static constexpr size_t kMaxSegments = 16;
  static constexpr uint64_t kGranule = 2ull << 20;

  // Plans the window at va_base (kGranule aligned) over `ranges` (in address order, not
  // overlapping). Errors: misaligned base, more than kMaxSegments segments, a window that
  // would wrap the 64-bit space.
  Status plan(const MemRegion* ranges, size_t count, uint64_t va_base);
  // The same over the map's free ranges.
  Status plan(const MemoryMap& map, uint64_t va_base);

  size_t segment_count() const { return count_; }
  const RamSegment& segment(size_t i) const { return segments_[i]; }
  uint64_t base() const { return base_; }
  uint64_t size() const { return size_; }
  // Free bytes the 2 MiB rounding left out (crumbs below/between the kernel's pieces).
  uint64_t dropped() const { return dropped_; }

  // [va, va + size) lies inside the window (size 0: va inside it).
  bool contains(uint64_t va, uint64_t size) const;
  // Physical address of one window address; false outside the window.
  bool to_physical(uint64_t va, uint64_t* pa) const;
  // Physical address of [va, va + size) when the whole range is inside ONE segment (so it is
  // physically contiguous); false outside the window or when it straddles segments.
  bool physical_run(uint64_t va, uint64_t size, uint64_t* pa) const;
  // Splits [va, va + size) at segment boundaries into physically contiguous pieces. Writes
  // at most `cap` and returns how many pieces there are; 0 when any part is outside the
  // window (or size is 0).
  size_t split(uint64_t va, uint64_t size, RamSegment* out, size_t cap) const;

 private:
  // Index of the segment holding va, or -1.
  int find(uint64_t va) const;

  RamSegment segments_[kMaxSegments];
  size_t count_ = 0;
  uint64_t base_ = 0;
  uint64_t size_ = 0;
  uint64_t dropped_ = 0;
};

// A hole in the middle of RAM for testing the window on a board with one RAM range (QEMU
// virt): kernel command line "memhole=SIZE[@OFFSET]", sizes in bytes with an optional K, M
// or G suffix (decimal or 0x hex). The hole starts OFFSET bytes (default: half way) into the
// largest free range, both rounded up to RamWindow::kGranule.
struct MemHole {
  uint64_t size = 0;
  uint64_t offset = 0;
  bool has_offset = false;
};
// *found = false (and ok) when the command line has no memhole= word.
Status parse_memhole(const char* bootargs, bool* found, MemHole* out);
// Reserves the hole in `map` ("memhole (test)"); *where gets its physical base.
Status reserve_memhole(MemoryMap& map, const MemHole& hole, uint64_t* where);

}  // namespace inferpi
