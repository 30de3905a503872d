// Sequential read throughput of a drive, measured rather than assumed: the raw rate of the
// device and the rate of a file read through FAT32 on the same device, timed the same way
// (same buffer, same chunk size), so their ratio says what the filesystem layer costs; and
// a check that a driver's two read paths deliver the same bytes (the DMA coherency check).
// One measurement, one definition of MB/s (10^6 bytes per second), for every caller: the
// `readspeed` shell command (drivers/storage_hw/storage_commands.h), `diag`
// (runtime/app/diag_report.h) and tests/qemu_storage/load_bench.py, which compares the two
// for 512 B, 4 KiB and 32 KiB clusters (docs/performance.md §5).
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/block/block_device.h"
#include "drivers/block/volumes.h"

namespace inferpi {

struct ReadRate {
  uint64_t bytes = 0;
  uint64_t us = 0;           // time spent in the reads only
  uint32_t crc32 = 0;        // of the bytes read (computed outside the timed part)
  uint32_t chunk_bytes = 0;  // the largest single read
  double mb_per_s() const { return us ? double(bytes) / double(us) : 0.0; }  // 10^6 B/s
  // Counts one read: `n` bytes, now in `data`, that took `read_us`.
  void add(const uint8_t* data, size_t n, uint64_t read_us);
};

// Reads `bytes` (whole sectors; a partial last sector is not read) from `first_lba` on, in
// reads of up to `buffer_bytes` (whole sectors) into `buffer` (64-byte aligned for direct
// DMA). Stops at the end of the device, or after the read that brings the read time past
// `max_us` (0 = no limit: a slow device then takes long); fails on the first read error.
Status measure_raw_read(BlockDevice& dev, uint64_t first_lba, uint64_t bytes, void* buffer,
                        size_t buffer_bytes, ReadRate* out, uint64_t max_us = 0);

// Both at once, chunk by chunk: each buffer-sized chunk of the file is read through FAT32
// and then raw from the same place on the partition (for a file in one run, the same
// sectors; the order alternates between chunks). Interleaving makes the two see the same
// machine: on a shared host (QEMU) load changes over seconds, so two separate whole-file
// passes differ by more than the filesystem costs. The file's time includes the open.
Status measure_file_and_raw(Volume& volume, const char* path, void* buffer, size_t buffer_bytes,
                            ReadRate* file, ReadRate* raw);

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
