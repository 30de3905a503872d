#include "runtime/app/fat_model_drive.h"

#include <cstring>

#include "runtime/core/format.h"
#include "runtime/core/kstring.h"

namespace inferpi {

void FatModelDrive::init(Volume* volume) {
  volume_ = volume;
  file_path_[0] = 0;
  const char* label = volume->label();
  // FAT pads labels with spaces; "NO NAME" is what mkfs writes when there is none.
  char trimmed[12];
  size_t n = copy_string(trimmed, sizeof(trimmed), label);
  while (n > 0 && trimmed[n - 1] == ' ') trimmed[--n] = 0;
  if (n == 0 || strcmp(trimmed, "NO NAME") == 0) {
    format(name_, sizeof(name_), "%s", volume->name());
  } else {
    format(name_, sizeof(name_), "%s %s", volume->name(), trimmed);
  }
}

namespace {
struct ListAdapter {
  ModelDrive::Visitor visit;
  void* ctx;
};

bool adapt(void* ctx, const FatDirEntry& fe) {
  ListAdapter* a = static_cast<ListAdapter*>(ctx);
  DriveEntry e;
  e.name_cut = copy_string(e.name, sizeof(e.name), fe.name) < strlen(fe.name);
  e.is_dir = fe.is_dir;
  e.size = fe.is_dir ? 0 : fe.size;
  return a->visit(a->ctx, e);
}
}  // namespace

Status FatModelDrive::list(const char* path, Visitor visit, void* ctx) {
  if (!volume_) return Status::error("drive not initialised");
  ListAdapter a{visit, ctx};
  return volume_->list(path, adapt, &a);
}

Status FatModelDrive::open(const char* path, FatFile* out) {
  if (!volume_) return Status::error("drive not initialised");
  Status st = volume_->open(path, out);
  if (!st) return st;
  if (out->is_dir) return Status::error("%s: is a folder", path);
  return Status::ok();
}

Status FatModelDrive::file_size(const char* path, uint64_t* size) {
  FatFile f;
  INFERPI_TRY(open(path, &f));
  *size = f.size;
  return Status::ok();
}

Status FatModelDrive::read(const char* path, uint64_t offset, size_t len, void* dst) {
  if (!file_path_[0] || strcmp(file_path_, path) != 0) {
    file_path_[0] = 0;
    INFERPI_TRY(open(path, &file_));
    copy_string(file_path_, sizeof(file_path_), path);
  }
  if (offset > file_.size || len > file_.size - offset) {
    return Status::error("%s: read of %zu bytes at %llu is past the end (%u bytes)", path, len,
                         static_cast<unsigned long long>(offset), unsigned(file_.size));
  }
  Status st = volume_->read(file_, offset, len, dst);
  if (!st) file_path_[0] = 0;  // reopen next time (the stick may be back after a re-init)
  return st;
}

}  // namespace inferpi
