// SdhciHost: one SD card on a standard SDHCI host controller, as a BlockDevice ("sd0").
// Used for the Pi 4's EMMC2 (0xFE34_0000, pi4-hardware.md §10; the board powers it and
// tells us the base clock through the firmware), for QEMU raspi4b's card on the legacy
// EMMC (0xFE30_0000) and for QEMU's sdhci-pci.
//
// Init (SD spec §4.2): CMD0 → CMD8 (0x1AA) → CMD55+ACMD41 until ready → CMD2 → CMD3 (RCA)
// → CMD9 (CSD, capacity) → CMD7 → CMD16(512) → ACMD6 (4-bit) → 25 MHz; then High Speed
// when host and card both support it: ACMD51 (SCR: spec >= 1.10) → CMD6 check → CMD6
// switch → host High Speed bit → 50 MHz. Reads use CMD18 with auto-CMD12 (CMD17 for one
// block), up to 65535 blocks per command (the 16-bit block count register, SDHCI 3.00
// §2.2.3); SDSC cards are byte-addressed, SDHC/SDXC by block.
//
// Data moves by one of three paths (transfer()):
//   ADMA2       the host's own DMA (capabilities bit 19), 32-bit descriptors: real EMMC2,
//               QEMU sdhci-pci;
//   system DMA  the SoC's DMA controller reading the data port, paced by the host's DREQ:
//               hosts without their own DMA that have a DREQ line (the legacy EMMC, DREQ 11;
//               this is QEMU raspi4b's card, whose SDHCI model has no DMA capability);
//   PIO         the CPU reads the data port 32 bits at a time (always possible).
// DMA goes straight into the destination when it is 64-byte aligned, one physical run
// and inside the bus's dma-ranges (Pi 4 B0: the first GB, pi4-hardware.md §3.4); otherwise
// it goes through a 64 KiB bounce buffer. Cache: clean+invalidate before, invalidate
// again after (pi4-hardware.md §3.3, Circle commit 712843e8).
// Every wait names its step and has a deadline; a failed command resets the CMD/DAT lines.
#pragma once
#include <cstdint>

#include "drivers/block/block_device.h"
#include "drivers/mmio.h"
#include "drivers/sdhci/sd_protocol.h"
#include "drivers/sdhci/system_dma.h"
#include "runtime/core/platform.h"

namespace inferpi::sd {

// How the board lets the host do DMA.
struct SdhciDmaConfig {
  // A PCI host reaches memory through the platform's PCIe window (platform::dma_bus_address);
  // a fixed one through its bus's dma-ranges (`range`; size 0 = no DMA).
  bool pci = false;
  BusWindow range;
  // For the system DMA path: the data port's bus address and the host's DREQ (0 = none).
  uint32_t data_port_bus = 0;
  uint32_t dreq = 0;
  SystemDmaConfig system;
};

enum class SdTransfer : uint8_t { kAuto, kPio, kDma };     // what the user asks for
enum class SdPath : uint8_t { kPio, kAdma2, kSystemDma };  // what runs

class SdhciHost final : public BlockDevice {
 public:
  static constexpr uint32_t kMaxBlocksPerCommand = 65535;
  static constexpr uint32_t kBounceBytes = 64 * 1024;

  // base_clock_hz = 0: take it from the capabilities register.
  Status init(uintptr_t base, uint32_t base_clock_hz, const char* name = "sd0",
              const SdhciDmaConfig& dma = SdhciDmaConfig{});
  bool ready() const { return ready_; }

  const char* name() const override { return name_; }
  uint32_t sector_size() const override { return 512; }
  uint64_t sector_count() const override { return blocks_; }
  Status read(uint64_t lba, uint64_t count, void* dst) override;

  // Chooses the data path for the next init (kAuto: the fastest available).
  void set_transfer(SdTransfer t) { requested_ = t; }
  SdTransfer requested_transfer() const { return requested_; }
  SdPath path() const { return path_; }
  const char* path_name() const;
  bool high_speed() const { return high_speed_; }
  const char* speed_note() const { return speed_note_; }  // why not High Speed, if not
  uint64_t bounced_reads() const { return bounced_; }

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
    uint32_t block_size = 512;
    bool dma = false;  // ADMA2: the host moves the data
  };
  Status init_once(uintptr_t base, uint32_t base_clock_hz, const char* name);
  Status reset_host();
  Status set_clock(uint32_t hz);
  Status send(const Command& c, uint32_t* response, const char* step);
  Status app_command(const Command& c, uint32_t* response, const char* step);
  Status wait_interrupt(uint32_t mask, uint32_t timeout_us, const char* step, uint32_t* status);
  void reset_lines();
  Status read_pio(uint8_t* dst, uint32_t block_size, uint32_t blocks);
  Status read_small(const Command& c, uint8_t* dst, const char* step);
  Status read_command(uint64_t lba, uint32_t blocks, const char* step, bool dma);
  Status read_blocks_pio(uint64_t lba, uint32_t blocks, uint8_t* dst);
  Status read_blocks_dma(uint64_t lba, uint32_t blocks, uint64_t bus);
  bool dma_address(const void* cpu, uint64_t bytes, uint64_t* bus) const;
  Status identify();
  void try_high_speed();
  void choose_path();
  uint32_t transfer_timeout_us(uint32_t blocks) const;

  mmio::RegisterBlock regs_;
  SdhciDmaConfig dma_;
  SystemDma system_dma_;
  platform::DmaRegion adma_table_;
  platform::DmaRegion bounce_;
  SdTransfer requested_ = SdTransfer::kAuto;
  SdPath path_ = SdPath::kPio;
  bool ready_ = false;
  bool no_card_ = false;
  bool high_capacity_ = false;
  bool high_speed_ = false;
  uint32_t version_ = 0;
  uint32_t caps_ = 0;
  uint32_t base_clock_ = 0;
  uint32_t clock_hz_ = 0;
  uint32_t rca_ = 0;
  uint64_t blocks_ = 0;
  uint32_t cid_[4] = {};
  uint32_t csd_[4] = {};
  uint64_t bounced_ = 0;
  char name_[8] = {};
  char speed_note_[64] = {};
};

}  // namespace inferpi::sd
