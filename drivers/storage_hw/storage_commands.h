// Shell commands for the storage hardware, board-independent. The board's shell registers
// each of them (the table below) and passes the line's words:
//   pci                      list PCI functions
//   usb                      (re)initialise USB and list devices
//   sd [auto|pio|dma]        (re)initialise the SD card (data path: fastest, PIO or DMA)
//   blk                      list block devices
//   readtest DEV LBA COUNT [unaligned]
//                            read COUNT sectors at LBA (optionally into a buffer that is not
//                            cache-line aligned: the driver must bounce): CRC-32 and MB/s
//   sum DEV [MIB]            read the first MIB MiB (default: all) of DEV: CRC-32 and MB/s
//   readloop DEV             read DEV over and over until a read fails (unplug test)
//   scsiread DEV LBA COUNT   one USB READ without the range check (error-recovery test)
//   ls DEV [PATH]            partitions of DEV and the folder PATH (default /) of its first
//                            FAT32 volume
//   fsum DEV PATH            read a whole file: size, CRC-32 and load throughput (MB/s)
//   readspeed DEV [PATH]     raw sequential read rate of DEV (drivers/block/read_speed.h);
//                            with PATH the file's rate through FAT32 (open included), the raw
//                            rate over the same sectors, and the ratio file / raw
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/block/volumes.h"
#include "drivers/storage_hw/storage_hw.h"

namespace inferpi {

class StorageCommands {
 public:
  // `scratch` (64-byte aligned, a few MiB) receives the data that read commands read.
  StorageCommands(StorageHardware& hw, void* scratch, size_t scratch_bytes)
      : hw_(hw), scratch_(static_cast<uint8_t*>(scratch)), scratch_bytes_(scratch_bytes) {}

  // Runs one command; returns false if `argv[0]` is not a storage command.
  bool run(int argc, const char* const* argv);
  StorageHardware& hardware() { return hw_; }
  uint8_t* scratch() { return scratch_; }
  size_t scratch_bytes() const { return scratch_bytes_; }

 private:
  struct Command;
  static const Command kCommands[];
  // The commands (table in the .cpp). Each gets the line's words, as many as its row allows;
  // false means an argument does not parse, and run() prints the usage.
  bool cmd_pci(int argc, const char* const* argv);
  bool cmd_usb(int argc, const char* const* argv);
  bool cmd_sd(int argc, const char* const* argv);
  bool cmd_blk(int argc, const char* const* argv);
  bool cmd_readtest(int argc, const char* const* argv);
  bool cmd_sum(int argc, const char* const* argv);
  bool cmd_readloop(int argc, const char* const* argv);
  bool cmd_scsiread(int argc, const char* const* argv);
  bool cmd_ls(int argc, const char* const* argv);
  bool cmd_fsum(int argc, const char* const* argv);
  bool cmd_readspeed(int argc, const char* const* argv);
  Volume* mount_first(BlockDevice& d);
  // Reads [lba, lba + count) in scratch-sized pieces; CRC and read time out.
  Status read_range(BlockDevice& d, uint64_t lba, uint64_t count, uint32_t* crc, uint64_t* read_us,
                    size_t offset = 0);
  BlockDevice* device_arg(const char* name);

  StorageHardware& hw_;
  uint8_t* scratch_;
  size_t scratch_bytes_;
  Volumes volumes_;  // ~172 KiB: keep StorageCommands static
};

}  // namespace inferpi
