// Volumes: everything the appliance needs to get from a disk to files.
//
//   Volumes vols;                             // holds up to 4 mounted FAT32 volumes
//   INFERPI_TRY(vols.scan(&usb0));            // partition table + mount every FAT32 partition
//   for (int i = 0; i < vols.partition_count(); i++)
//     print(vols.partition(i).info.type_name, vols.partition(i).status.message());
//   Volume& v = vols.volume(0);
//   FatFile f; INFERPI_TRY(v.open("demo-llama/model.bin", &f));
//   INFERPI_TRY(v.read(f, 0, v.file_size(f), dst));
//
// Partitions that are not FAT32 keep a Status saying why ("exFAT: not supported: reformat
// the drive as FAT32", "NTFS: not supported", "FAT16 volume: not supported") so the menu can
// show it. No heap: a Volumes object is ~172 KiB (four volumes, each with a 32 KiB FAT
// window); keep it static or place it in an Arena.
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/block/block_device.h"
#include "drivers/block/partition_device.h"
#include "drivers/block/partition_table.h"
#include "drivers/fat32/fat32_volume.h"

namespace inferpi {

class Volume {
 public:
  const char* name() const { return part_.name(); }
  const char* label() const { return fs_.label(); }
  uint64_t size_bytes() const { return fs_.total_bytes(); }

  // Calls visit(ctx, entry) for every entry of the folder at `path`; visit returns false to
  // stop early.
  using Visitor = bool (*)(void* ctx, const FatDirEntry& entry);
  Status list(const char* path, Visitor visit, void* ctx);
  Status open(const char* path, FatFile* out) { return fs_.open(path, out); }
  Status read(FatFile& file, uint64_t offset, size_t len, void* dst) {
    return fs_.read(file, offset, len, dst);
  }
  uint32_t file_size(const FatFile& file) const { return file.size; }
  Fat32Volume& fs() { return fs_; }

 private:
  friend class Volumes;
  PartitionDevice part_;
  Fat32Volume fs_;
};

class Volumes {
 public:
  static constexpr int kMaxVolumes = 4;
  Volumes() = default;
  Volumes(const Volumes&) = delete;  // volumes point at their own partition devices
  Volumes& operator=(const Volumes&) = delete;

  struct Partition {
    PartitionInfo info;
    Status status;    // ok when mounted as a volume, else why not
    int volume = -1;  // index into volume(), or -1
  };

  // Reads the partition table of `disk` and mounts every FAT32 partition (at most 4).
  // Fails only when the disk has no usable table at all; per-partition problems end up
  // in partition(i).status.
  Status scan(BlockDevice* disk);

  const PartitionTable& table() const { return table_; }
  int partition_count() const { return table_.count; }
  const Partition& partition(int i) const { return parts_[i]; }
  int volume_count() const { return volume_count_; }
  Volume& volume(int i) { return volumes_[i]; }

 private:
  PartitionTable table_;
  Partition parts_[PartitionTable::kMaxPartitions];
  Volume volumes_[kMaxVolumes];
  int volume_count_ = 0;
  alignas(64) uint8_t sector_[4096];
};

}  // namespace inferpi
