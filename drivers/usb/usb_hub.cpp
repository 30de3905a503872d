// USB 2.0 hub class driver (USB 2.0 §11.24; pi4-hardware.md §8.7). On a Pi 4 every USB 2
// device sits behind the VL805's on-board hub (2109:3431, root port 1); in QEMU the
// usb-hub is full speed. Ports are polled with GET_STATUS (no interrupt endpoint, no
// hot-plug). SuperSpeed hubs (descriptor 0x2A, SET_HUB_DEPTH) are not supported.
#include "drivers/usb/usb_stack.h"
#include "runtime/core/console.h"
#include "runtime/core/platform.h"

namespace inferpi::usb {
namespace {

constexpr uint8_t kGetStatus = 0, kClearFeature = 1, kSetFeature = 3, kGetDescriptor = 6,
                  kSetConfiguration = 9;
constexpr uint16_t kPortConnection = 0, kPortReset = 4, kPortPower = 8, kCPortConnection = 16,
                   kCPortReset = 20;
constexpr uint16_t kStatusConnected = 1u << 0, kStatusEnabled = 1u << 1, kStatusLowSpeed = 1u << 9,
                   kStatusHighSpeed = 1u << 10;
constexpr uint16_t kChangeReset = 1u << 4;
constexpr uint32_t kMinPowerOnDelayUs = 500'000;  // Circle: 510 ms; some devices need more
constexpr uint32_t kPortResetTimeoutUs = 500'000;
// After a port reset: USB 2.0 §7.1.7.5 TRSTRCY is 10 ms, but devices need more - Linux
// hub.c waits 10 + 40 ms, Circle 100 ms (review item 4). 50 ms at every reset site.
constexpr uint32_t kResetRecoveryUs = 50'000;
constexpr uint8_t kMaxDepth = 5;  // route string has 5 tiers

}  // namespace

Status UsbStack::hub_port_reset(UsbDevice& hub, uint8_t port, xhci::Speed* speed) {
  INFERPI_TRY(hc_.control(hub.slot, 0x23, kSetFeature, kPortReset, port, nullptr, 0));
  uint64_t start = platform::now_us();
  uint8_t st[4] = {};
  for (;;) {
    platform::delay_us(10'000);
    INFERPI_TRY(hc_.control(hub.slot, 0xA3, kGetStatus, 0, port, st, 4));
    uint16_t change = uint16_t(st[2] | (st[3] << 8));
    if (change & kChangeReset) break;
    if (platform::now_us() - start > kPortResetTimeoutUs)
      return Status::error("hub port %u: reset did not complete", port);
  }
  INFERPI_TRY(hc_.control(hub.slot, 0x23, kClearFeature, kCPortReset, port, nullptr, 0));
  INFERPI_TRY(hc_.control(hub.slot, 0x23, kClearFeature, kCPortConnection, port, nullptr, 0));
  uint16_t status = uint16_t(st[0] | (st[1] << 8));
  if (!(status & kStatusEnabled))
    return Status::error("hub port %u: not enabled after reset", port);
  *speed = (status & kStatusLowSpeed)    ? xhci::Speed::Low
           : (status & kStatusHighSpeed) ? xhci::Speed::High
                                         : xhci::Speed::Full;
  platform::delay_us(kResetRecoveryUs);
  return Status::ok();
}

Status UsbStack::setup_hub(size_t index) {
  UsbDevice& hub = devices_[index];
  if (hub.location.speed >= xhci::Speed::Super)
    return Status::error("SuperSpeed hubs are not supported");
  uint8_t d[16] = {};
  uint32_t got = 0;
  INFERPI_TRY(hc_.control(hub.slot, 0xA0, kGetDescriptor, desc::kHub << 8, 0, d, sizeof d, &got));
  HubDescriptor hd;
  INFERPI_TRY(parse_hub_descriptor(d, got, &hd));
  INFERPI_TRY(hc_.control(hub.slot, 0x00, kSetConfiguration, hub.config.value, 0, nullptr, 0));
  // Then tell the controller it is a hub (review item 5), in this order as Linux does
  // (usb/core/hub.c hub_configure() -> xhci_update_hub_device(): a Configure Endpoint with
  // only the slot context, on the configured hub). If the controller refuses, Evaluate
  // Context with the same fields, which is what Circle uses on the VL805. Single-TT
  // operation is always valid, so MTT stays 0 even on a multi-TT hub.
  uint32_t ttt = hub.location.speed == xhci::Speed::High ? hd.think_time() : 0;
  Status hub_flag = hub_by_evaluate_context_
                        ? Status::error("skipped by the test hook")
                        : hc_.configure_endpoints(hub.slot, nullptr, 0, true, hd.ports, ttt, false);
  if (!hub_flag) {
    kprint("usb: hub: Configure Endpoint refused (%s): trying Evaluate Context\n",
           hub_flag.message());
    INFERPI_TRY(hc_.evaluate_hub_fields(hub.slot, hd.ports, ttt, false));
  }

  for (uint8_t p = 1; p <= hd.ports; p++)
    INFERPI_TRY(hc_.control(hub.slot, 0x23, kSetFeature, kPortPower, p, nullptr, 0));
  uint32_t power_us = uint32_t(hd.power_on_to_good_2ms) * 2000;
  platform::delay_us(power_us > kMinPowerOnDelayUs ? power_us : kMinPowerOnDelayUs);

  for (uint8_t p = 1; p <= hd.ports; p++) {
    uint8_t st[4] = {};
    Status s = hc_.control(hub.slot, 0xA3, kGetStatus, 0, p, st, 4);
    if (!s) {
      kprint("usb: hub port %u: %s\n", p, s.message());
      continue;
    }
    uint16_t status = uint16_t(st[0] | (st[1] << 8));
    if (!(status & kStatusConnected)) continue;
    (void)hc_.control(hub.slot, 0x23, kClearFeature, kCPortConnection, p, nullptr, 0);
    const UsbLocation& at = hub.location;
    if (at.depth + 1 > kMaxDepth || p > 15) {
      kprint("usb: hub port %u: too deep / port number too large for a route string\n", p);
      continue;
    }
    UsbLocation where;
    where.root_port = at.root_port;
    where.route = at.route | (uint32_t(p) << (4 * at.depth));
    where.depth = uint8_t(at.depth + 1);
    where.parent = uint8_t(index);
    where.parent_port = p;
    s = hub_port_reset(hub, p, &where.speed);
    if (s) s = attach(where);
    if (!s) kprint("usb: hub port %u: %s\n", p, s.message());
  }
  (void)kPortConnection;
  return Status::ok();
}

}  // namespace inferpi::usb
