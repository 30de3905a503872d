// StorageHardware: brings up the storage hardware of a board from a description the board
// fills in (addresses and windows from its DTB or memory map), in dependency order:
// PCIe host → bus walk → (VL805 firmware notify) → xHCI → USB devices; SD card. It owns the
// driver objects and lists every BlockDevice they provide ("usb0", "sd0"). No board names
// appear here: a board without PCIe leaves `pcie` empty, a board whose SD host is not on
// PCI sets `sdhci_base`.
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/block/block_device.h"
#include "drivers/storage_hw/storage_config.h"
#include "drivers/pcie/bcm2711_pcie.h"
#include "drivers/pcie/ecam_host.h"
#include "drivers/pcie/pci_bus.h"
#include "drivers/pcie/vl805_firmware.h"
#include "drivers/sdhci/emmc2_power.h"
#include "drivers/sdhci/sdhci_host.h"
#include "drivers/usb/usb_stack.h"

namespace inferpi {

class StorageHardware {
 public:
  explicit StorageHardware(const StorageBoardConfig& config) : config_(config) {}

  Status start_pcie();  // host bring-up and bus walk (idempotent)
  Status start_usb();   // (re)initialises the USB stack; needs PCIe
  Status start_sd();    // (re)initialises the SD card
  void print_pci() const;

  usb::UsbStack& usb() { return usb_; }
  // For `diag`: what PCIe brought up (null before start_pcie), the xHCI function start_usb
  // used (null before), the VL805 firmware state.
  bool pcie_up() const { return pcie_up_; }
  pci::ConfigSpace* config_space() { return pcie_up_ ? config_space_ : nullptr; }
  const pci::Bcm2711Pcie* bcm2711() const { return config_.bcm2711.base ? &bcm_ : nullptr; }
  const pci::PciBus& bus() const { return bus_; }
  const pci::Function* xhci_function() const { return xhci_; }
  const pci::Vl805Firmware& vl805() const { return vl805_; }
  sd::SdhciHost& sd() { return sd_; }
  // Every block device that is up: USB mass storage first, then the SD card.
  size_t block_count() const;
  BlockDevice* block(size_t i);
  BlockDevice* find_block(const char* name);

 private:
  StorageBoardConfig config_;
  pci::EcamHost ecam_{0, 0};
  pci::Bcm2711Pcie bcm_;
  pci::ConfigSpace* config_space_ = nullptr;
  pci::PciBus bus_;
  bool pcie_up_ = false;
  bool vl805_notified_ = false;
  pci::Vl805Firmware vl805_;
  const pci::Function* xhci_ = nullptr;
  // After a failed or slow notify: how long to watch config 0x50 for the firmware.
  static constexpr uint32_t kVl805PollMs = 1000;
  usb::UsbStack usb_;
  sd::SdhciHost sd_;
};

}  // namespace inferpi
