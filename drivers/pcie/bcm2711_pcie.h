// Bcm2711Pcie: the BCM2711 PCIe root complex at 0xFD50_0000 (Pi 4). Brings the x1 link up
// (pi4-hardware.md §6.2) and serves configuration space: bus 0 is the root complex's own
// header at base + 0 (never through EXT_CFG), buses >= 1 go through the EXT_CFG
// index/data window, and only device 0 exists below a PCIe port.
//
// Addresses:
//   outbound: CPU 0x6_0000_0000 -> PCI 0xF800_0000, 64 MiB (the DTB ranges)
//   inbound:  RAM as PCI sees it (the DTB dma-ranges of /scb/pcie@7d500000; the VL805
//             firmware load DMAs through this window)
// Every address handed to a device on this bus is CPU physical + dma_offset(); the board's
// DMA helpers must apply it (platform::dma_bus_address / dma_alloc_coherent).
#pragma once
#include <cstdint>

#include "drivers/mmio.h"
#include "drivers/pcie/pci_config.h"
#include "runtime/core/bus_window.h"
#include "runtime/core/status.h"

namespace inferpi::pci {

struct Bcm2711PcieConfig {
  uintptr_t base = 0;  // 0xFD50_0000; 0 = no BCM2711 root complex on this board
  BusWindow inbound;   // PCI bus addresses of RAM (DTB dma-ranges; the VL805's DMA)
  BusWindow outbound{0x6'0000'0000ull, 0xF800'0000ull, 64ull << 20};  // CPU -> PCI (BARs)
};

class Bcm2711Pcie final : public ConfigSpace {
 public:
  // Full bring-up: reset, PERST#, SerDes, windows, link training (≤ 1 s), RC class code.
  // Every call performs a new fundamental reset (the VL805 then needs its firmware again).
  Status init(const Bcm2711PcieConfig& config);
  bool link_up() const { return link_up_; }
  // PCI bus address = CPU physical address + dma_offset().
  uint64_t dma_offset() const { return config_.inbound.offset(); }
  uint32_t link_speed() const { return link_speed_; }  // 1 = 2.5 GT/s, 2 = 5 GT/s
  uint32_t link_width() const { return link_width_; }  // lanes (x1 on a Pi 4)
  // MISC_PCIE_STATUS now (link bits 4, 5), for `diag`.
  uint32_t status() const { return regs_.base() ? regs_.read32(0x4068) : 0; }

  uint32_t read32(Address a, uint16_t offset) override;
  void write32(Address a, uint16_t offset, uint32_t value) override;

 private:
  uintptr_t config_address(Address a, uint16_t offset);
  Status set_inbound_window();
  void set_outbound_window();
  Bcm2711PcieConfig config_;
  mmio::RegisterBlock regs_;
  bool link_up_ = false;
  uint32_t link_speed_ = 0;
  uint32_t link_width_ = 0;
};

// Inbound window SIZE code (Linux encode_ibar_size): log2(size) 16..37 -> log2 - 15,
// 12..15 -> log2 - 12 + 0x1C, anything else 0 (disabled). Pure, host-tested.
uint32_t bcm2711_inbound_size_code(uint64_t size);

// RC_BAR2_CONFIG_LO/HI for the inbound window: the PCI - CPU offset with the size code, and
// log2 of the (power-of-two rounded) window size. Fails for a window not at CPU 0, a size
// that cannot be encoded or an offset not aligned to the size. Pure, host-tested.
Status bcm2711_rc_bar2(const Bcm2711PcieConfig& config, uint32_t* lo, uint32_t* hi,
                       uint32_t* log2_size);

}  // namespace inferpi::pci
