// DirModelDrive: a plain folder of model folders as a ModelDrive (host board only), so
// `inferpi` runs the appliance's menu over ~/models exactly as the kernel does over a stick.
#pragma once
#include <cstdint>

#include "runtime/app/model_drive.h"

namespace inferpi {

class DirModelDrive : public ModelDrive {
 public:
  DirModelDrive() = default;
  ~DirModelDrive() override;
  DirModelDrive(const DirModelDrive&) = delete;
  DirModelDrive& operator=(const DirModelDrive&) = delete;

  // Fails when `root` is not a readable folder.
  Status open(const char* root);

  const char* name() const override { return root_; }
  Status list(const char* path, Visitor visit, void* ctx) override;
  Status file_size(const char* path, uint64_t* size) override;
  Status read(const char* path, uint64_t offset, size_t len, void* dst) override;

 private:
  Status full_path(const char* path, char* out, size_t cap) const;
  void close_file();

  char root_[4096] = {};
  // The last file read stays open: the loader reads one file in many chunks.
  int fd_ = -1;
  char fd_path_[4096] = {};
};

}  // namespace inferpi
