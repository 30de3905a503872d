// PCI configuration space: the accessor a host bridge provides, the standard header
// registers we program, and small helpers. Both the generic ECAM host (QEMU virt) and the
// BCM2711 root complex (Pi 4, index/data window) implement ConfigSpace; the bus walker in
// pci_bus.h only ever talks to this interface.
#pragma once
#include <cstdint>

namespace inferpi::pci {

struct Address {
  uint8_t bus = 0;
  uint8_t dev = 0;
  uint8_t fn = 0;
};

// Offsets in the standard configuration header (PCI Local Bus 3.0 §6.1, bridge: PCI-PCI
// Bridge 1.2 §3.2).
namespace reg {
constexpr uint16_t kVendorDevice = 0x00;
constexpr uint16_t kCommandStatus = 0x04;
constexpr uint16_t kClassRevision = 0x08;  // class code in bits 31:8
constexpr uint16_t kHeaderDword = 0x0C;    // cache line 7:0, header type 23:16
constexpr uint16_t kBar0 = 0x10;
constexpr uint16_t kBusNumbers = 0x18;  // bridge: primary 7:0, secondary 15:8, subordinate 23:16
constexpr uint16_t kMemoryBaseLimit = 0x20;  // bridge: base 15:0, limit 31:16 (addr >> 16)
constexpr uint16_t kPrefBaseLimit = 0x24;
constexpr uint16_t kPrefBaseUpper = 0x28;
constexpr uint16_t kPrefLimitUpper = 0x2C;
constexpr uint16_t kIoBaseLimit = 0x1C;
constexpr uint16_t kBridgeControl = 0x3C;  // interrupt line/pin 15:0, bridge control 31:16
}  // namespace reg

namespace command {
constexpr uint32_t kMemory = 1u << 1;
constexpr uint32_t kBusMaster = 1u << 2;
constexpr uint32_t kParity = 1u << 6;
constexpr uint32_t kSerr = 1u << 8;
constexpr uint32_t kIntxDisable = 1u << 10;
}  // namespace command

constexpr uint32_t kClassPciBridge = 0x060400;
constexpr uint32_t kClassXhci = 0x0C0330;
constexpr uint32_t kClassSdhci = 0x080500;  // base class 08, subclass 05; prog-if 00/01

class ConfigSpace {
 public:
  virtual ~ConfigSpace() = default;
  // Reads of a function that does not exist return 0xFFFFFFFF.
  virtual uint32_t read32(Address a, uint16_t offset) = 0;
  virtual void write32(Address a, uint16_t offset, uint32_t value) = 0;
};

inline uint16_t vendor_of(uint32_t vendor_device) { return uint16_t(vendor_device); }
inline uint16_t device_of(uint32_t vendor_device) { return uint16_t(vendor_device >> 16); }
inline uint8_t header_type_of(uint32_t header_dword) {
  return uint8_t((header_dword >> 16) & 0x7F);
}
inline bool multifunction(uint32_t header_dword) { return (header_dword >> 23) & 1; }

}  // namespace inferpi::pci
