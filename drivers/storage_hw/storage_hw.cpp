// Storage hardware bring-up in dependency order. See storage_hw.h.
#include "drivers/storage_hw/storage_hw.h"

#include "runtime/core/console.h"
#include "runtime/core/kstring.h"

namespace inferpi {

Status StorageHardware::start_pcie() {
  if (pcie_up_) return Status::ok();
  if (config_.bcm2711.base) {
    // Pi 4: a new fundamental reset, so the VL805 needs its firmware again afterwards.
    INFERPI_TRY(bcm_.init(config_.bcm2711));
    vl805_notified_ = false;
    vl805_ = pci::Vl805Firmware{};
    if (config_.set_dma_window) config_.set_dma_window(config_.bcm2711.inbound);
    config_space_ = &bcm_;
  } else if (config_.ecam_base) {
    ecam_ = pci::EcamHost(config_.ecam_base, config_.ecam_buses);
    config_space_ = &ecam_;
  } else {
    return Status::error("pcie: this board has no PCIe host");
  }
  xhci_ = nullptr;  // points into the bus walk about to be redone
  bus_.init(*config_space_, config_.window);
  INFERPI_TRY(bus_.enumerate());
  pcie_up_ = true;
  return Status::ok();
}

void StorageHardware::print_pci() const {
  if (!pcie_up_) {
    kprint("pci: not started\n");
    return;
  }
  for (size_t i = 0; i < bus_.count(); i++) {
    const pci::Function& f = bus_.function(i);
    kprint("  %02x:%02x.%u %04x:%04x class %06x%s", f.address.bus, f.address.dev, f.address.fn,
           f.vendor, f.device, f.class_code, f.is_bridge ? " bridge" : "");
    if (f.bar_size[0])
      kprint(" BAR0 0x%llx (%llu KiB)", (unsigned long long)f.bar_cpu[0],
             (unsigned long long)(f.bar_size[0] / 1024));
    kprint("\n");
  }
}

Status StorageHardware::start_usb() {
  // Pi 4: the last notify left the VL805 without firmware. Only a new fundamental reset
  // makes another NOTIFY_XHCI_RESET safe (a second one after the same PERST kills it).
  if (config_.bcm2711.base && vl805_notified_ && vl805_.version == 0) pcie_up_ = false;
  INFERPI_TRY(start_pcie());
  // The VL805 by its ids (1106:3483, as Linux pci-quirks.c matches it) or any xHCI by class.
  const pci::Function* xhci = bus_.find_device(pci::kVl805Vendor, pci::kVl805Device);
  if (!xhci) xhci = bus_.find_class(pci::kClassXhci);
  if (!xhci) return Status::error("usb: no xHCI controller on PCI");
  if (!xhci->bar_cpu[0]) return Status::error("usb: xHCI BAR0 not assigned");
  const bool vl805 = xhci->vendor == pci::kVl805Vendor && xhci->device == pci::kVl805Device;
  if (config_.bcm2711.base && vl805 && !vl805_notified_) {
    // Once per PCIe reset (pi4-hardware.md §7, §12.3): a second notify kills the VL805.
    if (!config_.firmware) return Status::error("usb: VL805 needs the firmware mailbox");
    Status st = pci::vl805_ensure_firmware(*config_.firmware, *config_space_, xhci->address,
                                           kVl805PollMs, &vl805_);
    vl805_notified_ = vl805_.notified;
    if (!st) return st.with_context("usb: rescan to retry after a new PCIe reset");
    kprint("usb: VL805 firmware version 0x%08x (%s)\n", vl805_.version,
           vl805_.source == pci::Vl805Firmware::kAlreadyRunning ? "already running, no notify"
           : vl805_.source == pci::Vl805Firmware::kLoaded       ? "loaded by the firmware"
                                                                : "loaded after a slow notify");
  }
  bus_.enable(*xhci);
  xhci_ = xhci;
  return usb_.start(uintptr_t(xhci->bar_cpu[0]));
}

Status StorageHardware::start_sd() {
  uintptr_t base = config_.sdhci_base;
  sd::SdhciDmaConfig dma;
  dma.pci = base == 0;
  uint32_t clock = config_.sdhci_base_clock_hz;
  if (base && config_.firmware) {
    uint32_t fw_clock = 0;
    INFERPI_TRY(sd::emmc2_power_up(*config_.firmware, &fw_clock));
    if (!clock) clock = fw_clock;
  }
  if (!base) {
    INFERPI_TRY(start_pcie());
    // SD host controller: class 08/05 (prog-if 00 or 01).
    const pci::Function* f = bus_.find_class(pci::kClassSdhci, 0xFFFF00);
    if (!f || !f->bar_cpu[0]) return Status::error("sd: no SD host controller");
    bus_.enable(*f);
    base = uintptr_t(f->bar_cpu[0]);
  }
  if (!dma.pci) {
    dma.range = config_.sdhci_dma_range;
    dma.data_port_bus = config_.sdhci_bus_address ? config_.sdhci_bus_address + 0x20 : 0;
    dma.dreq = config_.sdhci_dreq;
    dma.system = config_.system_dma;
  }
  return sd_.init(base, clock, "sd0", dma);
}

size_t StorageHardware::block_count() const {
  size_t n = 0;
  for (size_t i = 0; i < usb_.storage_count(); i++)
    if (const_cast<usb::UsbStack&>(usb_).storage(i).attached()) n++;
  return n + (sd_.ready() ? 1 : 0);
}

BlockDevice* StorageHardware::block(size_t i) {
  for (size_t k = 0; k < usb_.storage_count(); k++) {
    if (!usb_.storage(k).attached()) continue;
    if (i == 0) return &usb_.storage(k);
    i--;
  }
  if (sd_.ready() && i == 0) return &sd_;
  return nullptr;
}

BlockDevice* StorageHardware::find_block(const char* name) {
  for (size_t i = 0; i < block_count(); i++) {
    BlockDevice* d = block(i);
    if (d && compare_nocase(d->name(), name) == 0) return d;
  }
  return nullptr;
}

}  // namespace inferpi
