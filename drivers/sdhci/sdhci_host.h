// SdhciHost: one SD card on a standard SDHCI host controller, as a BlockDevice ("sd0").
// Used for the Pi 4's EMMC2 (0xFE34_0000, pi4-hardware.md §10; the board powers it and
// tells us the base clock through the firmware) and for QEMU's sdhci-pci. PIO only: the
// data port is read 32 bits at a time, which the Pi 4 supports at 25 MHz x 4 bits
// (~12 MB/s at most) and which needs no DMA addressing rules (EMMC2 DMA reaches only the
// first GB on B0 boards).
//
// Init (SD spec §4.2): CMD0 → CMD8 (0x1AA) → CMD55+ACMD41 until ready → CMD2 → CMD3 (RCA)
// → CMD9 (CSD, capacity) → CMD7 → CMD16(512) → ACMD6 (4-bit) → 25 MHz. Reads use CMD18 with
// auto-CMD12 (CMD17 for one block); SDSC cards are byte-addressed, SDHC/SDXC by block.
// Every wait names its step and has a deadline; a failed command resets the CMD/DAT lines.
#pragma once
#include <cstdint>

#include "drivers/block/block_device.h"
#include "drivers/mmio.h"

namespace inferpi::sd {

class SdhciHost final : public BlockDevice {
 public:
  static constexpr uint32_t kMaxBlocksPerCommand = 2048;  // 1 MiB per CMD18

  // base_clock_hz = 0: take it from the capabilities register.
  Status init(uintptr_t base, uint32_t base_clock_hz, const char* name = "sd0");
  bool ready() const { return ready_; }

  const char* name() const override { return name_; }
  uint32_t sector_size() const override { return 512; }
  uint64_t sector_count() const override { return blocks_; }
  Status read(uint64_t lba, uint64_t count, void* dst) override;

  bool high_capacity() const { return high_capacity_; }
  uint32_t clock_hz() const { return clock_hz_; }
  uint32_t spec_version() const { return version_; }
  uint32_t base_clock_hz() const { return base_clock_; }
  // The card's CID and CSD as the R2 response registers hold them (CRC byte dropped: card
  // bit n is stored at bit n - 8), for `diag`.
  const uint32_t* cid() const { return cid_; }
  const uint32_t* csd() const { return csd_; }

 private:
  struct Command {
    uint32_t index = 0;
    uint32_t arg = 0;
    uint32_t flags = 0;  // response type and checks (cmd register bits 5:0 << 16)
    bool data = false;
    uint32_t blocks = 0;
  };
  Status init_once(uintptr_t base, uint32_t base_clock_hz, const char* name);
  Status reset_host();
  Status set_clock(uint32_t hz);
  Status send(const Command& c, uint32_t* response, const char* step);
  Status app_command(const Command& c, uint32_t* response, const char* step);
  Status wait_interrupt(uint32_t mask, uint32_t timeout_us, const char* step, uint32_t* status);
  void reset_lines();
  Status read_blocks(uint64_t lba, uint32_t blocks, uint8_t* dst);
  Status identify();

  mmio::RegisterBlock regs_;
  bool ready_ = false;
  bool no_card_ = false;
  bool high_capacity_ = false;
  uint32_t version_ = 0;
  uint32_t base_clock_ = 0;
  uint32_t clock_hz_ = 0;
  uint32_t rca_ = 0;
  uint64_t blocks_ = 0;
  uint32_t cid_[4] = {};
  uint32_t csd_[4] = {};
  char name_[8] = {};
};

}  // namespace inferpi::sd
