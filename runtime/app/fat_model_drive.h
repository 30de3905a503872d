// FatModelDrive: a mounted FAT32 volume (drivers/block/volumes.h) as a ModelDrive. The same
// class serves a USB stick and the SD card in the kernel, and a disk image on the host.
#pragma once
#include "drivers/block/volumes.h"
#include "runtime/app/model_drive.h"

namespace inferpi {

class FatModelDrive : public ModelDrive {
 public:
  // `volume` must outlive the drive (it lives in the board's Volumes object). The menu
  // shows "usb0p1 INFERPI": partition name and volume label.
  void init(Volume* volume);

  const char* name() const override { return name_; }
  Status list(const char* path, Visitor visit, void* ctx) override;
  Status file_size(const char* path, uint64_t* size) override;
  Status read(const char* path, uint64_t offset, size_t len, void* dst) override;

 private:
  Status open(const char* path, FatFile* out);

  Volume* volume_ = nullptr;
  char name_[48] = {};
  // The file the last read() opened: the loader reads one file in many chunks, and FatFile
  // keeps the cluster cursor that makes the next chunk a straight continuation.
  FatFile file_;
  char file_path_[2 * DriveEntry::kMaxName + 2] = {};
};

}  // namespace inferpi
