// USB device enumeration and class binding. See usb_stack.h.
#include "drivers/usb/usb_stack.h"

#include "runtime/core/console.h"
#include "runtime/core/format.h"
#include "runtime/core/kstring.h"
#include "runtime/core/platform.h"

namespace inferpi::usb {
namespace {

constexpr uint32_t kRootPortSettleUs = 300'000;  // as Circle: ports settle before the scan
// After Address Device: SET_ADDRESS recovery is 2 ms (USB 2.0 §9.2.6.3); Linux waits 10 ms
// more after its address, Circle 100 ms after reset and address; 50 ms here (review item 4).
constexpr uint32_t kAddressRecoveryUs = 50'000;
constexpr uint8_t kGetDescriptor = 6, kSetConfiguration = 9;

}  // namespace

Status UsbStack::start(uintptr_t xhci_mmio) {
  started_ = false;
  device_count_ = 0;
  storage_count_ = 0;
  for (auto& s : storage_) s.detach();
  for (auto& d : devices_) d = UsbDevice{};
  if (!pool_.ready()) {
    // Allocated once and reused by every re-initialisation (DMA memory is never freed).
    platform::DmaRegion region;
    if (!platform::dma_alloc_coherent(kDmaBytes, 1u << 16, &region))
      return Status::error("usb: cannot allocate %zu KiB of DMA memory", kDmaBytes / 1024);
    pool_.init(region);
  }
  INFERPI_TRY(hc_.init(xhci_mmio, pool_));
  started_ = true;
  platform::delay_us(kRootPortSettleUs);
  for (uint32_t port = 1; port <= hc_.port_count(); port++) {
    if (!hc_.port_connected(port)) continue;
    UsbLocation where;
    where.root_port = uint8_t(port);
    Status st = hc_.reset_port(port, &where.speed);
    if (st) st = attach(where);
    if (!st) kprint("usb: root port %u: %s\n", port, st.message());
  }
  return Status::ok();
}

Status UsbStack::read_descriptors(UsbDevice& d) {
  bool super_speed = d.location.speed >= xhci::Speed::Super;
  uint32_t got = 0;
  // The first 8 bytes carry bMaxPacketSize0; full-speed devices may use 8..64.
  INFERPI_TRY(hc_.control(d.slot, 0x80, kGetDescriptor, desc::kDevice << 8, 0, buffer_, 8, &got));
  INFERPI_TRY(parse_device_descriptor(buffer_, got, &d.descriptor));
  uint32_t mps = ep0_max_packet(d.descriptor, super_speed);
  if (mps != default_ep0_max_packet(uint8_t(d.location.speed)))
    INFERPI_TRY(hc_.update_ep0_max_packet(d.slot, mps));
  INFERPI_TRY(hc_.control(d.slot, 0x80, kGetDescriptor, desc::kDevice << 8, 0, buffer_, 18, &got));
  INFERPI_TRY(parse_device_descriptor(buffer_, got, &d.descriptor));
  INFERPI_TRY(
      hc_.control(d.slot, 0x80, kGetDescriptor, desc::kConfiguration << 8, 0, buffer_, 9, &got));
  uint16_t total = 0;
  INFERPI_TRY(parse_configuration_header(buffer_, got, &total));
  if (total > sizeof buffer_) total = sizeof buffer_;  // enough for every device we bind
  INFERPI_TRY(hc_.control(d.slot, 0x80, kGetDescriptor, desc::kConfiguration << 8, 0, buffer_,
                          total, &got));
  return parse_configuration(buffer_, got, &d.config);
}

Status UsbStack::attach(const UsbLocation& where) {
  if (device_count_ >= kMaxDevices) return Status::error("usb: more than %zu devices", kMaxDevices);
  size_t index = device_count_++;
  UsbDevice& d = devices_[index];
  d = UsbDevice{};
  d.present = true;
  d.location = where;
  copy_string(d.status, sizeof d.status, "enumerating");

  INFERPI_TRY(hc_.enable_slot(&d.slot));
  xhci::SlotFields slot;
  slot.route = where.route;
  slot.speed = where.speed;
  slot.root_port = where.root_port;
  // A full/low-speed device behind a high-speed hub talks through the hub's TT.
  if (where.parent != 0xFF && where.speed != xhci::Speed::High &&
      where.speed < xhci::Speed::Super) {
    const UsbDevice& hub = devices_[where.parent];
    if (hub.location.speed == xhci::Speed::High) {
      slot.tt_hub_slot = hub.slot;
      slot.tt_port = where.parent_port;
    }
  }
  INFERPI_TRY(hc_.address_device(d.slot, slot, default_ep0_max_packet(uint8_t(where.speed))));
  platform::delay_us(kAddressRecoveryUs);
  Status st = read_descriptors(d);
  if (st) st = bind(index);
  copy_string(d.status, sizeof d.status, st ? "ok" : st.message());
  return st;
}

Status UsbStack::bind(size_t index) {
  UsbDevice& d = devices_[index];
  if (d.descriptor.device_class == usbclass::kHub || d.config.find_class(usbclass::kHub)) {
    d.is_hub = true;
    return setup_hub(index);
  }
  const InterfaceInfo* msc =
      d.config.find(usbclass::kMassStorage, usbclass::kScsiTransparent, usbclass::kBulkOnly);
  if (msc) return bind_storage(index, *msc);
  return Status::error("no driver (class %02x)", d.config.interface_count
                                                     ? d.config.interfaces[0].interface_class
                                                     : d.descriptor.device_class);
}

Status UsbStack::bind_storage(size_t index, const InterfaceInfo& intf) {
  UsbDevice& d = devices_[index];
  if (storage_count_ >= kMaxStorage)
    return Status::error("more than %zu mass storage devices", kMaxStorage);
  xhci::EndpointConfig eps[2];
  uint32_t n = 0;
  for (uint8_t i = 0; i < intf.endpoint_count && n < 2; i++) {
    const EndpointInfo& e = intf.endpoints[i];
    if (!e.is_bulk()) continue;
    xhci::EndpointConfig& c = eps[n++];
    c.address = e.address;
    c.type = e.is_in() ? xhci::EpType::BulkIn : xhci::EpType::BulkOut;
    c.max_packet = e.max_packet;
    // VL805 corrupts SuperSpeed bulk-OUT bursts for mass storage: burst 0 on OUT
    // (raspberrypi/linux PR #5173, pi4-hardware.md §12.11).
    c.max_burst = e.is_in() ? e.max_burst : 0;
  }
  if (n != 2) return Status::error("mass storage interface without two bulk endpoints");
  INFERPI_TRY(hc_.configure_endpoints(d.slot, eps, n, false, 0, 0, false));
  INFERPI_TRY(hc_.control(d.slot, 0x00, kSetConfiguration, d.config.value, 0, nullptr, 0));
  char name[8];
  format(name, sizeof name, "usb%zu", storage_count_);
  UsbMassStorage& m = storage_[storage_count_];
  INFERPI_TRY(m.attach(hc_, pool_, d.slot, d.location.speed, intf, name));
  d.storage = int(storage_count_++);
  return Status::ok();
}

void UsbStack::print() const {
  if (!started_) {
    kprint("usb: not started\n");
    return;
  }
  kprint("usb: xHCI %x.%02x, %u ports, %u-byte contexts, %zu device(s)\n", hc_.version() >> 8,
         hc_.version() & 0xFF, hc_.port_count(), hc_.context_bytes(), device_count_);
  for (size_t i = 0; i < device_count_; i++) {
    const UsbDevice& d = devices_[i];
    const UsbLocation& at = d.location;
    kprint("  %*sport %u", at.depth * 2, "", at.root_port);
    if (at.depth) kprint(" route %x", at.route);
    kprint(" %s %04x:%04x slot %u", xhci::speed_name(at.speed), d.descriptor.vendor,
           d.descriptor.product, d.slot);
    if (d.is_hub) kprint(" hub");
    if (d.storage >= 0) {
      const UsbMassStorage& m = storage_[d.storage];
      kprint(" %s '%s %s' %llu x %u bytes", m.name(), m.inquiry().vendor, m.inquiry().product,
             (unsigned long long)m.sector_count(), m.sector_size());
    }
    kprint(" [%s]\n", d.status);
  }
}

}  // namespace inferpi::usb
