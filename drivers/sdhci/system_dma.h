// SystemDma: one channel of the BCM2835/BCM2711 "system" DMA controller (Pi 4:
// 0xFE00_7000, 15 channels, DTB compatible brcm,bcm2835-dma), used for one job: moving an
// SD host's data port into memory when the host has no DMA engine of its own (the legacy
// EMMC at 0x7E30_0000, whose DMA request line is DREQ 11). The SD host runs its usual PIO
// transfer; the channel reads the 32-bit data port (no source increment) paced by the DREQ
// and writes the destination with increment.
//
// References: BCM2835 ARM Peripherals §4 (channel registers, control block, DREQ table:
// 11 = EMMC); Circle lib/dmachannel.cpp (SetupIORead: PERMAP | SRC_DREQ | DEST_INC |
// WAIT_RESP; Start, Wait); Linux drivers/dma/bcm2835-dma.c (channel reset, DEBUG errors).
// Only the "full" channels 0-6 are used: the lite channels 7-10 move at most 64 KiB, and
// 11-14 are the BCM2711's DMA4 engines with another register layout.
#pragma once
#include <cstdint>

#include "drivers/mmio.h"
#include "drivers/sdhci/sd_protocol.h"
#include "runtime/core/platform.h"
#include "runtime/core/bus_window.h"
#include "runtime/core/status.h"

namespace inferpi::sd {

struct SystemDmaConfig {
  uintptr_t base = 0;         // CPU address of the controller; 0 = none
  uint32_t channel_mask = 0;  // brcm,dma-channel-mask: channels the firmware leaves to us
  BusWindow range;            // its bus's dma-ranges (Pi 4 B0: bus 0xC000_0000 = RAM 0, 1 GB)
};

class SystemDma {
 public:
  static constexpr uint32_t kMaxBytes = 1u << 30;  // TXFR_LEN of a full channel

  // Picks the highest full channel (<= 6) in the mask and resets it.
  Status init(const SystemDmaConfig& config);
  bool ready() const { return ready_; }
  uint32_t channel() const { return channel_; }
  const BusWindow& range() const { return config_.range; }

  // Starts reading `bytes` from the device register at bus address `port` (DREQ `dreq`)
  // into bus address `dest`. The caller owns cache maintenance of the destination.
  Status start_io_read(uint32_t port, uint32_t dreq, uint64_t dest, uint32_t bytes);
  // Waits for the end of the transfer (or an error, or `timeout_us`).
  Status wait(uint32_t timeout_us, const char* step);
  void reset_channel();

 private:
  SystemDmaConfig config_;
  mmio::RegisterBlock regs_;   // the channel's registers
  platform::DmaRegion block_;  // the control block (32-byte aligned, non-cacheable)
  uint32_t channel_ = 0;
  bool ready_ = false;
};

}  // namespace inferpi::sd
