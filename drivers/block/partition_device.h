// PartitionDevice: a window onto another BlockDevice (sectors [first, first + count)).
// The FAT32 code mounts one of these and never sees the rest of the disk; every read is
// checked against the window so a corrupt filesystem cannot read outside its partition.
#pragma once
#include <cstdint>

#include "drivers/block/block_device.h"

namespace inferpi {

class PartitionDevice : public BlockDevice {
 public:
  PartitionDevice() = default;
  // `name` is copied ("usb0p1"); first + count must lie inside `disk` (checked by init).
  Status init(BlockDevice* disk, uint64_t first_lba, uint64_t count, const char* name);

  const char* name() const override { return name_; }
  uint32_t sector_size() const override { return disk_ ? disk_->sector_size() : 512; }
  uint64_t sector_count() const override { return count_; }
  Status read(uint64_t lba, uint64_t count, void* dst) override;

  uint64_t first_lba() const { return first_; }
  BlockDevice* disk() const { return disk_; }

 private:
  BlockDevice* disk_ = nullptr;
  uint64_t first_ = 0;
  uint64_t count_ = 0;
  char name_[24] = "partition";
};

}  // namespace inferpi
