// FileBlockDevice: a disk image file as a BlockDevice (host board only). The `disk` CLI
// commands and the storage tests read images through it with the same partition and FAT32
// code the kernel runs on a USB stick. Sector size is chosen by the caller (512 or 4096:
// a 4Kn disk image has no way to say which it is) or asked from the kernel for /dev/sdX.
#pragma once
#include <cstdint>

#include "drivers/block/block_device.h"

namespace inferpi {

class FileBlockDevice : public BlockDevice {
 public:
  FileBlockDevice() = default;
  ~FileBlockDevice() override;
  FileBlockDevice(const FileBlockDevice&) = delete;
  FileBlockDevice& operator=(const FileBlockDevice&) = delete;

  // Opens `path` read-only (or read-write). A trailing partial sector is ignored.
  // sector_size 0 = automatic: the kernel's logical sector size for a block device
  // (/dev/sdX), 512 for an image file.
  Status open(const char* path, uint32_t sector_size = 512, bool writable = false);
  void close();
  bool is_open() const { return fd_ >= 0; }

  const char* name() const override { return "image"; }
  uint32_t sector_size() const override { return sector_size_; }
  uint64_t sector_count() const override { return sector_count_; }
  Status read(uint64_t lba, uint64_t count, void* dst) override;
  Status write(uint64_t lba, uint64_t count, const void* src) override;

  // Statistics for tests: how many read() calls reached the file, and how many sectors.
  uint64_t read_calls() const { return read_calls_; }
  uint64_t sectors_read() const { return sectors_read_; }

 private:
  int fd_ = -1;
  bool writable_ = false;
  uint32_t sector_size_ = 512;
  uint64_t sector_count_ = 0;
  uint64_t read_calls_ = 0;
  uint64_t sectors_read_ = 0;
};

}  // namespace inferpi
