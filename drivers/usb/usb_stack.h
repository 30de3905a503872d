// UsbStack: the USB side of storage, top to bottom: one xHCI controller, the devices found
// on its root ports and behind hubs (enumerated by polling, no hot-plug), and the mass
// storage devices among them as BlockDevices ("usb0", "usb1"). start() may be called again
// at any time (the appliance re-initialises USB when the user leaves a model): it resets
// the controller and forgets every device.
//
// Enumeration (pi4-hardware.md §8.6–8.7): reset the port → Enable Slot → Address Device →
// GET_DESCRIPTOR(device) → GET_DESCRIPTOR(configuration) → bind: hub class driver
// (usb_hub.cpp) or Bulk-Only mass storage (alternate setting 0).
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/usb/dma_pool.h"
#include "drivers/usb/mass_storage.h"
#include "drivers/usb/usb_descriptors.h"
#include "drivers/usb/xhci_controller.h"

namespace inferpi::usb {

// Where a device sits in the tree, as found by the port reset that revealed it: what the
// slot context of Address Device needs (and, through the parent hub, the TT).
struct UsbLocation {
  uint8_t root_port = 0;
  uint32_t route = 0;  // hub ports, 4 bits per tier
  uint8_t depth = 0;   // 0 = on a root port
  xhci::Speed speed = xhci::Speed::None;
  uint8_t parent = 0xFF;  // index of the hub it sits behind
  uint8_t parent_port = 0;
};

struct UsbDevice {
  bool present = false;
  uint8_t slot = 0;
  UsbLocation location;
  DeviceDescriptor descriptor;
  ConfigInfo config;
  bool is_hub = false;
  int storage = -1;      // index into the mass storage table
  char status[64] = {};  // "ok" or why it is not usable
};

class UsbStack {
 public:
  static constexpr size_t kMaxDevices = 12;
  static constexpr size_t kMaxStorage = 4;
  // DMA (coherent, allocated once): controller structures ~170 KiB with the VL805's 31
  // scratchpads, ~30 KiB per device (contexts, a ring + guard page per endpoint), and a
  // 256 KiB bounce buffer per mass storage device. The kernel's whole non-cacheable pool
  // is 2 MiB, shared with the mailbox.
  static constexpr size_t kDmaBytes = 1280u << 10;

  // Resets the controller at `xhci_mmio` and enumerates everything attached.
  Status start(uintptr_t xhci_mmio);
  bool started() const { return started_; }

  size_t device_count() const { return device_count_; }
  const UsbDevice& device(size_t i) const { return devices_[i]; }
  size_t storage_count() const { return storage_count_; }
  UsbMassStorage& storage(size_t i) { return storage_[i]; }
  xhci::XhciController& controller() { return hc_; }
  // Test hook (shell `usb hub-evaluate`): skip the Configure Endpoint that marks a hub and
  // take the Evaluate Context fallback directly, so QEMU runs that path too.
  void set_hub_flag_by_evaluate_context(bool on) { hub_by_evaluate_context_ = on; }
  // Prints the device tree ("usb: port 1 SuperSpeed 46f4:0001 storage usb0 ...").
  void print() const;

 private:
  Status attach(const UsbLocation& where);
  Status read_descriptors(UsbDevice& d);
  Status bind(size_t index);
  Status bind_storage(size_t index, const InterfaceInfo& intf);
  Status setup_hub(size_t index);  // usb_hub.cpp
  Status hub_port_reset(UsbDevice& hub, uint8_t port, xhci::Speed* speed);

  xhci::XhciController hc_;
  DmaPool pool_;
  bool started_ = false;
  bool hub_by_evaluate_context_ = false;
  UsbDevice devices_[kMaxDevices];
  size_t device_count_ = 0;
  UsbMassStorage storage_[kMaxStorage];
  size_t storage_count_ = 0;
  uint8_t buffer_[512];  // descriptor scratch (control data is bounced by the controller)
};

}  // namespace inferpi::usb
