// BlockDevice: a disk as the storage stack sees it. Implemented by USB mass storage
// (drivers/usb), the SD card (drivers/sdhci), a partition (a window onto another device)
// and, on the host, a disk image file. Reads are whole sectors; errors are Status values
// ("usb: READ(10) lba 2048: transaction error"), never hangs.
#pragma once
#include <cstdint>

#include "runtime/core/status.h"

namespace inferpi {

class BlockDevice {
 public:
  virtual ~BlockDevice() = default;
  virtual const char* name() const = 0;  // "usb0", "sd0", "usb0p1", "image"
  virtual uint32_t sector_size() const = 0;
  virtual uint64_t sector_count() const = 0;
  // Reads `count` sectors starting at `lba` into `dst` (count * sector_size() bytes).
  // Large reads go to the device as few large transfers as the device allows.
  virtual Status read(uint64_t lba, uint64_t count, void* dst) = 0;
  // Optional (tests, tools); read-only devices return an error.
  virtual Status write(uint64_t lba, uint64_t count, const void* src) {
    (void)lba, (void)count, (void)src;
    return Status::error("%s: read-only device", name());
  }
};

}  // namespace inferpi
