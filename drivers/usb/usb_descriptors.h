// USB descriptors (USB 2.0 §9.6, USB 3.2 §9.6.7, hub: USB 2.0 §11.23). Pure parsing with
// every length checked against the buffer, unit-tested on the host. Only alternate
// setting 0 of each interface is kept: USB 3 drives list UAS as alternate setting 1 with
// other endpoints (pi4-hardware.md §12.15).
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/status.h"

namespace inferpi::usb {

namespace desc {
constexpr uint8_t kDevice = 1, kConfiguration = 2, kString = 3, kInterface = 4, kEndpoint = 5,
                  kSsEndpointCompanion = 0x30, kHub = 0x29, kSsHub = 0x2A;
}

namespace usbclass {
constexpr uint8_t kMassStorage = 0x08, kHub = 0x09;
constexpr uint8_t kScsiTransparent = 0x06, kBulkOnly = 0x50;
}  // namespace usbclass

struct DeviceDescriptor {
  uint16_t bcd_usb = 0;
  uint8_t device_class = 0, device_subclass = 0, device_protocol = 0;
  uint8_t max_packet0 = 0;  // bMaxPacketSize0 (an exponent on SuperSpeed)
  uint16_t vendor = 0, product = 0;
  uint8_t num_configurations = 0;
};

struct EndpointInfo {
  uint8_t address = 0;     // bit 7 = IN
  uint8_t attributes = 0;  // 1:0 = transfer type (2 bulk, 3 interrupt)
  uint16_t max_packet = 0;
  uint8_t interval = 0;
  uint8_t max_burst = 0;  // from the SuperSpeed companion, 0 otherwise
  bool is_in() const { return (address & 0x80) != 0; }
  bool is_bulk() const { return (attributes & 3) == 2; }
  bool is_interrupt() const { return (attributes & 3) == 3; }
};

struct InterfaceInfo {
  uint8_t number = 0;
  uint8_t interface_class = 0, interface_subclass = 0, interface_protocol = 0;
  uint8_t endpoint_count = 0;
  EndpointInfo endpoints[4];
};

struct ConfigInfo {
  uint8_t value = 0;  // bConfigurationValue
  uint16_t total_length = 0;
  uint8_t interface_count = 0;
  InterfaceInfo interfaces[8];
  const InterfaceInfo* find(uint8_t cls, uint8_t subclass, uint8_t protocol) const;
  const InterfaceInfo* find_class(uint8_t cls) const;
};

struct HubDescriptor {
  uint8_t ports = 0;
  uint16_t characteristics = 0;
  uint8_t power_on_to_good_2ms = 0;
  uint32_t think_time() const { return (characteristics >> 5) & 3; }  // TT think time code
};

Status parse_device_descriptor(const uint8_t* data, size_t length, DeviceDescriptor* out);
// Total length of a configuration from its first 9 bytes.
Status parse_configuration_header(const uint8_t* data, size_t length, uint16_t* total_length);
Status parse_configuration(const uint8_t* data, size_t length, ConfigInfo* out);
Status parse_hub_descriptor(const uint8_t* data, size_t length, HubDescriptor* out);

// EP0 max packet size for a speed before the device descriptor is known (USB 2.0 §5.5.3).
uint32_t default_ep0_max_packet(uint8_t xhci_speed);
// Decodes bMaxPacketSize0 (SuperSpeed: 2^n).
uint32_t ep0_max_packet(const DeviceDescriptor& d, bool super_speed);

}  // namespace inferpi::usb
