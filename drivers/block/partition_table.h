// Partition discovery: which sector ranges of a disk may hold a filesystem.
//   superfloppy: a boot sector (FAT/exFAT/NTFS) at LBA 0, no table: one "partition", the disk
//   MBR:         the four primary entries at byte 446 (extended partitions are not followed)
//   GPT:         protective MBR (type 0xEE), header at LBA 1 with its CRC32 checked, entries
//                array CRC32 checked; when the primary header is bad, the backup header at
//                the disk's last LBA is used instead.
// Everything read from the disk is bounds-checked; a bad table is an error Status naming
// what is wrong, never an out-of-range read.
#pragma once
#include <cstdint>

#include "drivers/block/block_device.h"

namespace inferpi {

enum class PartitionScheme : uint8_t { kSuperfloppy, kMbr, kGpt };
const char* partition_scheme_name(PartitionScheme s);

enum class PartitionKind : uint8_t {
  kFat,          // MBR 0x0B/0x0C/0x0E/0x06/0x04/0x01/0xEF, GPT basic data / ESP, superfloppy
  kExfatOrNtfs,  // MBR 0x07 (the boot sector says which)
  kExtended,     // MBR 0x05/0x0F/0x85: logical partitions are not read
  kOther,        // anything else (Linux, swap, ...): listed, not mounted
};

struct PartitionInfo {
  uint32_t index = 0;      // 1-based: MBR slot or GPT entry number; 0 for superfloppy
  uint64_t first_lba = 0;  // in disk sectors
  uint64_t sector_count = 0;
  uint8_t mbr_type = 0;       // MBR type byte (0 for GPT / superfloppy)
  uint8_t gpt_type[16] = {};  // GPT type GUID as stored on disk
  PartitionKind kind = PartitionKind::kOther;
  char type_name[24] = {};  // "FAT32 LBA (0x0C)", "Microsoft basic data", "EFI system", ...
};

struct PartitionTable {
  static constexpr int kMaxPartitions = 16;
  PartitionScheme scheme = PartitionScheme::kSuperfloppy;
  bool gpt_used_backup = false;  // primary GPT header was bad; the backup was used
  int count = 0;
  PartitionInfo parts[kMaxPartitions];
};

// Reads the table of `disk`. `sector_buf` must hold disk.sector_size() bytes (≤ 4096).
// Returns an error when sector 0 is neither a table nor a boot sector, or when a GPT is
// damaged beyond use (both headers bad, entry CRC mismatch).
Status read_partition_table(BlockDevice& disk, uint8_t* sector_buf, PartitionTable* out);

// True when a sector looks like a filesystem boot sector (FAT jump + sane BPB, or the
// exFAT / NTFS OEM names). Used for superfloppy detection and by the volume prober.
bool looks_like_boot_sector(const uint8_t* sector);

}  // namespace inferpi
