// EcamHost: the generic PCIe host of QEMU virt ("pci-host-ecam-generic"). Configuration
// space of bus b, device d, function f is memory-mapped at
// base + (b << 20 | d << 15 | f << 12). The board passes the ECAM base (DTB `reg`, e.g.
// 0x40_1000_0000) and the 32-bit memory window (DTB `ranges`, CPU = PCI 0x1000_0000).
#pragma once
#include <cstdint>

#include "drivers/pcie/pci_config.h"

namespace inferpi::pci {

class EcamHost final : public ConfigSpace {
 public:
  EcamHost(uintptr_t ecam_base, uint8_t bus_count) : base_(ecam_base), bus_count_(bus_count) {}
  uint32_t read32(Address a, uint16_t offset) override;
  void write32(Address a, uint16_t offset, uint32_t value) override;

 private:
  uintptr_t address(Address a, uint16_t offset) const;
  uintptr_t base_;
  uint8_t bus_count_;
};

}  // namespace inferpi::pci
