// PciBus: walks a PCI hierarchy through a ConfigSpace, numbers the buses behind bridges,
// sizes and assigns 32-bit memory BARs from one outbound window, opens the bridges'
// memory windows and enables memory + bus mastering on bridges. Endpoints get their BARs
// but are enabled separately (enable()), because the Pi 4 must load the VL805 firmware
// between BAR assignment and enabling the device (pi4-hardware.md §7).
//
// Used on QEMU virt (ECAM, window CPU 0x1000_0000 = PCI 0x1000_0000) and on the Pi 4
// (BCM2711, window CPU 0x6_0000_0000 = PCI 0xF800_0000). Only 32-bit memory BARs are
// assigned; I/O BARs are left alone (nothing we drive needs them).
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/pcie/pci_config.h"
#include "runtime/core/bus_window.h"
#include "runtime/core/status.h"

namespace inferpi::pci {

struct Function {
  Address address;
  uint16_t vendor = 0;
  uint16_t device = 0;
  uint32_t class_code = 0;  // base class 23:16, subclass 15:8, prog-if 7:0
  bool is_bridge = false;
  uint64_t bar_cpu[6] = {};  // CPU address of each assigned memory BAR (0 = none)
  uint64_t bar_size[6] = {};
};

class PciBus {
 public:
  static constexpr size_t kMaxFunctions = 32;

  PciBus() = default;
  PciBus(ConfigSpace& config, BusWindow window) { init(config, window); }
  void init(ConfigSpace& config, BusWindow window) {
    config_ = &config;
    window_ = window;
    count_ = 0;
  }

  // Scans from bus 0, programs bridges and BARs. Safe to call again (re-assigns everything).
  Status enumerate();

  size_t count() const { return count_; }
  const Function& function(size_t i) const { return functions_[i]; }
  // First function whose class code matches (mask selects which bits must match).
  const Function* find_class(uint32_t class_code, uint32_t mask = 0xFFFFFF) const;
  const Function* find_device(uint16_t vendor, uint16_t device) const;
  // Memory space + bus master on an endpoint (INTx off: we poll).
  void enable(const Function& f);
  ConfigSpace& config() { return *config_; }

 private:
  Status scan_bus(uint8_t bus, int depth);
  Status setup_function(Address a, uint32_t vendor_device);
  Status assign_bars(Function& f, int bar_count);
  Status setup_bridge(Function& f, int depth);
  Status alloc(uint64_t size, uint64_t* pci_addr);

  ConfigSpace* config_ = nullptr;
  BusWindow window_;       // the outbound memory window: PCI addresses = bus addresses
  uint64_t next_pci_ = 0;  // allocation cursor inside the window (PCI address)
  uint8_t last_bus_ = 0;
  Function functions_[kMaxFunctions];
  size_t count_ = 0;
};

}  // namespace inferpi::pci
