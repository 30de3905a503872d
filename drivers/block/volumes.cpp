#include "drivers/block/volumes.h"

#include "runtime/core/format.h"

namespace inferpi {

Status Volume::list(const char* path, Visitor visit, void* ctx) {
  FatFile dir;
  INFERPI_TRY(fs_.open(path, &dir));
  if (!dir.is_dir) return Status::error("%s: '%s' is a file, not a folder", name(), path);
  FatDirIterator it;
  INFERPI_TRY(fs_.open_dir(dir, &it));
  FatDirEntry entry;
  for (;;) {
    bool found = false;
    INFERPI_TRY(fs_.next(it, &entry, &found));
    if (!found || !visit(ctx, entry)) return Status::ok();
  }
}

Status Volumes::scan(BlockDevice* disk) {
  volume_count_ = 0;
  table_ = PartitionTable{};
  if (!disk) return Status::error("volumes: no disk");
  INFERPI_TRY(read_partition_table(*disk, sector_, &table_));
  for (int i = 0; i < table_.count; i++) {
    Partition& p = parts_[i];
    p = Partition{};
    p.info = table_.parts[i];
    if (p.info.kind == PartitionKind::kExtended) {
      p.status = Status::error("extended partition: logical partitions are not read");
      continue;
    }
    if (p.info.kind == PartitionKind::kOther) {
      p.status = Status::error("not a FAT partition (%s)", p.info.type_name);
      continue;
    }
    if (volume_count_ == kMaxVolumes) {
      p.status = Status::error("more than %d FAT partitions: not mounted", kMaxVolumes);
      continue;
    }
    Volume& v = volumes_[volume_count_];
    char name[24];
    if (table_.scheme == PartitionScheme::kSuperfloppy) {
      format(name, sizeof(name), "%s", disk->name());
    } else {
      format(name, sizeof(name), "%sp%u", disk->name(), p.info.index);
    }
    p.status = v.part_.init(disk, p.info.first_lba, p.info.sector_count, name);
    if (p.status) p.status = v.fs_.mount(&v.part_);
    if (p.status) p.volume = volume_count_++;
  }
  return Status::ok();
}

}  // namespace inferpi
