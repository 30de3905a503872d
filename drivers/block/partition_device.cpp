#include "drivers/block/partition_device.h"

#include "runtime/core/kstring.h"

namespace inferpi {

Status PartitionDevice::init(BlockDevice* disk, uint64_t first_lba, uint64_t count,
                             const char* name) {
  copy_string(name_, sizeof(name_), name);
  disk_ = nullptr;
  if (!disk) return Status::error("%s: no disk", name_);
  uint64_t disk_sectors = disk->sector_count();
  if (first_lba > disk_sectors || count > disk_sectors - first_lba) {
    return Status::error(
        "%s: partition (LBA %llu + %llu sectors) extends past the end of the disk "
        "(%llu sectors): truncated image?",
        name_, (unsigned long long)first_lba, (unsigned long long)count,
        (unsigned long long)disk_sectors);
  }
  disk_ = disk;
  first_ = first_lba;
  count_ = count;
  return Status::ok();
}

Status PartitionDevice::read(uint64_t lba, uint64_t count, void* dst) {
  if (!disk_) return Status::error("%s: not initialised", name_);
  if (lba > count_ || count > count_ - lba) {
    return Status::error("%s: read of sectors %llu..%llu outside the partition (%llu sectors)",
                         name_, (unsigned long long)lba, (unsigned long long)(lba + count),
                         (unsigned long long)count_);
  }
  return disk_->read(first_ + lba, count, dst);
}

}  // namespace inferpi
