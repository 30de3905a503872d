// Descriptor parsing. See usb_descriptors.h.
#include "drivers/usb/usb_descriptors.h"

#include "runtime/core/kstring.h"

namespace inferpi::usb {

const InterfaceInfo* ConfigInfo::find(uint8_t cls, uint8_t subclass, uint8_t protocol) const {
  for (uint8_t i = 0; i < interface_count; i++) {
    const InterfaceInfo& f = interfaces[i];
    if (f.interface_class == cls && f.interface_subclass == subclass &&
        f.interface_protocol == protocol)
      return &f;
  }
  return nullptr;
}

const InterfaceInfo* ConfigInfo::find_class(uint8_t cls) const {
  for (uint8_t i = 0; i < interface_count; i++)
    if (interfaces[i].interface_class == cls) return &interfaces[i];
  return nullptr;
}

Status parse_device_descriptor(const uint8_t* d, size_t length, DeviceDescriptor* out) {
  if (length < 8 || d[0] < 8 || d[1] != desc::kDevice)
    return Status::error("usb: bad device descriptor (length %zu, type %u)", length,
                         length > 1 ? d[1] : 0);
  *out = DeviceDescriptor{};
  out->bcd_usb = load_le16(d + 2);
  out->device_class = d[4];
  out->device_subclass = d[5];
  out->device_protocol = d[6];
  out->max_packet0 = d[7];
  if (length >= 18 && d[0] >= 18) {
    out->vendor = load_le16(d + 8);
    out->product = load_le16(d + 10);
    out->num_configurations = d[17];
  }
  return Status::ok();
}

Status parse_configuration_header(const uint8_t* d, size_t length, uint16_t* total_length) {
  if (length < 9 || d[0] < 9 || d[1] != desc::kConfiguration)
    return Status::error("usb: bad configuration descriptor header");
  *total_length = load_le16(d + 2);
  if (*total_length < 9)
    return Status::error("usb: configuration total length %u < 9", *total_length);
  return Status::ok();
}

Status parse_configuration(const uint8_t* d, size_t length, ConfigInfo* out) {
  uint16_t total = 0;
  INFERPI_TRY(parse_configuration_header(d, length, &total));
  *out = ConfigInfo{};
  out->value = d[5];
  out->total_length = total;
  size_t end = total < length ? total : length;
  InterfaceInfo* current = nullptr;  // alternate setting 0 interface being filled
  EndpointInfo* last_endpoint = nullptr;
  for (size_t pos = d[0]; pos < end;) {
    if (end - pos < 2) break;  // trailing byte: ignore
    uint8_t len = d[pos], type = d[pos + 1];
    if (len < 2) return Status::error("usb: descriptor of length %u at offset %zu", len, pos);
    if (pos + len > end)
      return Status::error("usb: descriptor at offset %zu runs past the configuration (%zu bytes)",
                           pos, end);
    const uint8_t* p = d + pos;
    if (type == desc::kInterface && len >= 9) {
      last_endpoint = nullptr;
      current = nullptr;
      if (p[3] == 0 && out->interface_count < 8) {  // alternate setting 0 only
        current = &out->interfaces[out->interface_count++];
        current->number = p[2];
        current->interface_class = p[5];
        current->interface_subclass = p[6];
        current->interface_protocol = p[7];
      }
    } else if (type == desc::kEndpoint && len >= 7) {
      last_endpoint = nullptr;
      if (current && current->endpoint_count < 4) {
        EndpointInfo& e = current->endpoints[current->endpoint_count++];
        e.address = p[2];
        e.attributes = p[3];
        e.max_packet = load_le16(p + 4) & 0x7FF;
        e.interval = p[6];
        last_endpoint = &e;
      }
    } else if (type == desc::kSsEndpointCompanion && len >= 6 && last_endpoint) {
      last_endpoint->max_burst = p[2] > 15 ? 15 : p[2];
    }
    pos += len;
  }
  return Status::ok();
}

Status parse_hub_descriptor(const uint8_t* d, size_t length, HubDescriptor* out) {
  if (length < 7 || d[0] < 7 || (d[1] != desc::kHub && d[1] != desc::kSsHub))
    return Status::error("usb: bad hub descriptor (length %zu)", length);
  out->ports = d[2];
  out->characteristics = load_le16(d + 3);
  out->power_on_to_good_2ms = d[5];
  if (out->ports == 0) return Status::error("usb: hub reports 0 ports");
  return Status::ok();
}

uint32_t default_ep0_max_packet(uint8_t xhci_speed) {
  switch (xhci_speed) {
    case 3:
      return 64;  // high speed
    case 4:
    case 5:
      return 512;  // SuperSpeed
    default:
      return 8;  // full/low speed: 8 until the descriptor says otherwise
  }
}

uint32_t ep0_max_packet(const DeviceDescriptor& d, bool super_speed) {
  if (super_speed) return d.max_packet0 >= 4 && d.max_packet0 <= 9 ? 1u << d.max_packet0 : 512;
  switch (d.max_packet0) {
    case 8:
    case 16:
    case 32:
    case 64:
      return d.max_packet0;
    default:
      return 8;
  }
}

}  // namespace inferpi::usb
