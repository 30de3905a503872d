// MMU: an identity map (VA = PA) of RAM and devices plus the model window (map_to, VA != PA),
// shared by all four cores, 4 KiB granule, at EL2 (TTBR0_EL2; we stay at EL2, see
// boot/start.S). Three memory types (MAIR_EL2):
//   Normal       write-back cacheable, inner shareable: all RAM
//   Device       Device-nGnRE, execute-never: peripherals, PCIe windows
//   NonCacheable Normal non-cacheable: the DMA region (rings, mailbox buffers)
// (pi4-hardware.md §3.1). 40-bit addresses (TCR_EL2.PS = 1 TB) cover the Pi 4 PCIe window
// at 0x6_0000_0000 and QEMU virt's ECAM at 0x40_1000_0000 and 64-bit MMIO at 0x80_0000_0000.
// Core 0 builds the tables with map()/map_to() before enable(); every core then calls enable().
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi::mmu {

enum class Memory : uint8_t { kNormal = 0, kDevice = 1, kNonCacheable = 2 };

// Identity-maps [base, base + size) (4 KiB aligned) with `type`, replacing what was there.
// Uses 1 GiB and 2 MiB blocks where alignment allows. False when out of table memory or
// the range is beyond 40 bits.
bool map(uint64_t base, uint64_t size, Memory type);
// Maps VA [va, va + size) to PA [pa, pa + size) (all 4 KiB aligned): the model window
// (runtime/core/ram_window.h) puts every free RAM range one after another at a VA above all
// RAM. Blocks only where VA and PA are both aligned to the block. Call before enable().
bool map_to(uint64_t va, uint64_t pa, uint64_t size, Memory type);
// Loads MAIR/TCR/TTBR0 and turns on the MMU and both caches on this core.
void enable();
bool enabled();
// Tables used so far (of the static pool), for the `mem` command.
size_t tables_used();
size_t tables_capacity();

// Data cache maintenance by virtual address, to the point of coherency (DMA):
// clean = write dirty lines back (before a device reads memory);
// invalidate = drop lines (after a device wrote memory; partial lines at the edges are
//   cleaned too, so neighbouring data is never lost);
// clean_invalidate = both.
void clean_range(const void* p, size_t size);
void invalidate_range(void* p, size_t size);
void clean_invalidate_range(void* p, size_t size);
size_t dcache_line_size();

}  // namespace inferpi::mmu
