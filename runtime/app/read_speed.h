// Sequential read speed of a block device, and a comparison of two read paths (the DMA
// coherency check). Portable: the kernel's `diag` runs them on USB sticks and the SD card,
// the host on disk images. Meant to be shared with any other "how fast does this drive
// read" command (one measurement, one definition of MB/s = 10^6 bytes per second).
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/block/block_device.h"

namespace inferpi {

struct ReadSpeed {
  uint64_t bytes = 0;   // read in the timed loop
  uint64_t micros = 0;  // its duration
  uint32_t chunk_bytes = 0;
  double mb_per_s() const { return micros ? double(bytes) / double(micros) : 0.0; }
};

// Reads up to `bytes` from sector `first_lba` on, `chunk_bytes` per read (a multiple of the
// sector size, at least one sector), into `buffer` (chunk_bytes long), and times it with
// platform::now_us. Stops at the end of the device, or after the read that passes `max_us`
// (0 = no time limit: slow devices then take long); fails on the first read error.
Status measure_sequential_read(BlockDevice& dev, uint64_t first_lba, uint64_t bytes, void* buffer,
                               size_t chunk_bytes, ReadSpeed* out, uint64_t max_us = 0);

struct ReadPathCheck {
  uint64_t bytes = 0;
  uint64_t first_mismatch = 0;  // byte offset, valid when !equal
  bool equal = false;
};

// Reads `sectors` sectors at `lba` twice: into `direct` (64-byte aligned; first filled with a
// pattern so stale cache lines would show) and into `offset_by_one` + 1 (misaligned, so a
// driver that DMAs only into whole cache lines takes its other path: a bounce buffer, or
// PIO), and compares. `direct` and `offset_by_one` hold sectors * sector_size (+ 1) bytes.
Status compare_read_paths(BlockDevice& dev, uint64_t lba, uint32_t sectors, uint8_t* direct,
                          uint8_t* offset_by_one, ReadPathCheck* out);

}  // namespace inferpi
