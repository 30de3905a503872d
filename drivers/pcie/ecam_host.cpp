// Generic ECAM configuration access. See ecam_host.h.
#include "drivers/pcie/ecam_host.h"

#include "drivers/mmio.h"

namespace inferpi::pci {

uintptr_t EcamHost::address(Address a, uint16_t offset) const {
  return base_ + (uintptr_t(a.bus) << 20) + (uintptr_t(a.dev & 31) << 15) +
         (uintptr_t(a.fn & 7) << 12) + (offset & 0xFFC);
}

uint32_t EcamHost::read32(Address a, uint16_t offset) {
  if (a.bus >= bus_count_) return 0xFFFFFFFF;
  return mmio::read32(address(a, offset));
}

void EcamHost::write32(Address a, uint16_t offset, uint32_t value) {
  if (a.bus >= bus_count_) return;
  mmio::write32(address(a, offset), value);
}

}  // namespace inferpi::pci
