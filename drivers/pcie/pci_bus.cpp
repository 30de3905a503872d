// PCI bus walk, bridge numbering and BAR assignment. See pci_bus.h.
#include "drivers/pcie/pci_bus.h"

#include "runtime/core/platform.h"

namespace inferpi::pci {
namespace {

constexpr uint64_t kBridgeWindowAlign = 1u << 20;  // bridge memory windows are 1 MiB granular
constexpr uint32_t kCacheLineDwords = 16;          // 64-byte lines (Cortex-A72)
constexpr int kMaxDepth = 8;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

}  // namespace

Status PciBus::enumerate() {
  if (!config_) return Status::error("pci: no host bridge");
  count_ = 0;
  last_bus_ = 0;
  next_pci_ = window_.bus_base;
  return scan_bus(0, 0);
}

Status PciBus::scan_bus(uint8_t bus, int depth) {
  if (depth > kMaxDepth) return Status::error("pci: bridges nested deeper than %d", kMaxDepth);
  for (uint8_t dev = 0; dev < 32; dev++) {
    for (uint8_t fn = 0; fn < 8; fn++) {
      Address a{bus, dev, fn};
      uint32_t id = config_->read32(a, reg::kVendorDevice);
      // Vendor 0x0001 = "configuration request retry" with CRS visibility on: the function
      // is still starting (the VL805 after its firmware load). Ask again for up to 1 s.
      for (int tries = 0; vendor_of(id) == 0x0001 && tries < 1000; tries++) {
        platform::delay_us(1000);
        id = config_->read32(a, reg::kVendorDevice);
      }
      if (vendor_of(id) == 0x0001)
        return Status::error("pci: %02x:%02x.%u still not ready after 1 s", a.bus, a.dev, a.fn);
      if (vendor_of(id) == 0xFFFF || vendor_of(id) == 0x0000) {
        if (fn == 0) break;  // no device: skip its other functions
        continue;
      }
      INFERPI_TRY(setup_function(a, id));
      Function& f = functions_[count_ - 1];
      if (f.is_bridge) INFERPI_TRY(setup_bridge(f, depth));
      if (fn == 0 && !multifunction(config_->read32(a, reg::kHeaderDword))) break;
    }
  }
  return Status::ok();
}

Status PciBus::setup_function(Address a, uint32_t id) {
  if (count_ >= kMaxFunctions) return Status::error("pci: more than %zu functions", kMaxFunctions);
  Function& f = functions_[count_++];
  f = Function{};
  f.address = a;
  f.vendor = vendor_of(id);
  f.device = device_of(id);
  f.class_code = config_->read32(a, reg::kClassRevision) >> 8;
  uint32_t header = config_->read32(a, reg::kHeaderDword);
  f.is_bridge = header_type_of(header) == 1;
  // Cache line size: only matters for memory-write-invalidate, harmless to set.
  config_->write32(a, reg::kHeaderDword, (header & ~0xFFu) | kCacheLineDwords);
  return assign_bars(f, f.is_bridge ? 2 : 6);
}

Status PciBus::alloc(uint64_t size, uint64_t* pci_addr) {
  uint64_t align = size < 4096 ? 4096 : size;  // never share a page between BARs
  uint64_t addr = align_up(next_pci_, align);
  if (addr + size > window_.bus_end() || addr + size > 0x1'0000'0000ull)
    return Status::error("pci: BAR of %llu bytes does not fit the memory window",
                         (unsigned long long)size);
  next_pci_ = addr + size;
  *pci_addr = addr;
  return Status::ok();
}

Status PciBus::assign_bars(Function& f, int bar_count) {
  Address a = f.address;
  uint32_t cmd = config_->read32(a, reg::kCommandStatus) & 0xFFFF;
  // Decode off while the BARs hold the all-ones sizing pattern.
  config_->write32(a, reg::kCommandStatus, cmd & ~(command::kMemory | command::kBusMaster));
  for (int i = 0; i < bar_count; i++) {
    uint16_t off = uint16_t(reg::kBar0 + 4 * i);
    uint32_t orig = config_->read32(a, off);
    config_->write32(a, off, 0xFFFFFFFF);
    uint32_t probe = config_->read32(a, off);
    if (probe == 0 || (orig & 1)) {  // unimplemented or an I/O BAR
      config_->write32(a, off, orig);
      continue;
    }
    bool is64 = ((orig >> 1) & 3) == 2;
    uint64_t mask = probe & ~0xFull;
    if (is64) {
      config_->write32(a, uint16_t(off + 4), 0xFFFFFFFF);
      mask |= uint64_t(config_->read32(a, uint16_t(off + 4))) << 32;
    } else {
      mask |= 0xFFFFFFFF'00000000ull;
    }
    uint64_t size = ~mask + 1;
    uint64_t pci_addr = 0;
    INFERPI_TRY(alloc(size, &pci_addr));
    config_->write32(a, off, uint32_t(pci_addr) | (orig & 0xF));
    if (is64) config_->write32(a, uint16_t(off + 4), uint32_t(pci_addr >> 32));
    f.bar_cpu[i] = window_.to_cpu(pci_addr);
    f.bar_size[i] = size;
    if (is64) i++;  // the upper half is not a BAR of its own
  }
  config_->write32(a, reg::kCommandStatus, cmd);
  return Status::ok();
}

Status PciBus::setup_bridge(Function& f, int depth) {
  Address a = f.address;
  if (last_bus_ == 0xFF) return Status::error("pci: out of bus numbers");
  uint8_t secondary = ++last_bus_;
  // Open the bus range wide while scanning below, then close it to what was found.
  config_->write32(a, reg::kBusNumbers,
                   (config_->read32(a, reg::kBusNumbers) & 0xFF000000) | (0xFFu << 16) |
                       (uint32_t(secondary) << 8) | a.bus);
  // No I/O or prefetchable windows: base above limit disables them.
  config_->write32(a, reg::kIoBaseLimit,
                   (config_->read32(a, reg::kIoBaseLimit) & 0xFFFF0000) | 0x00F0);
  config_->write32(a, reg::kPrefBaseLimit, 0x0000FFF0);
  config_->write32(a, reg::kPrefBaseUpper, 0);
  config_->write32(a, reg::kPrefLimitUpper, 0);

  next_pci_ = align_up(next_pci_, kBridgeWindowAlign);
  uint64_t base = next_pci_;
  INFERPI_TRY(scan_bus(secondary, depth + 1));
  next_pci_ = align_up(next_pci_, kBridgeWindowAlign);
  uint64_t end = next_pci_;

  config_->write32(a, reg::kBusNumbers,
                   (config_->read32(a, reg::kBusNumbers) & 0xFF000000) |
                       (uint32_t(last_bus_) << 16) | (uint32_t(secondary) << 8) | a.bus);
  if (end > base) {
    config_->write32(
        a, reg::kMemoryBaseLimit,
        (uint32_t(base >> 16) & 0xFFF0) | ((uint32_t((end - 1) >> 16) & 0xFFF0) << 16));
  } else {
    config_->write32(a, reg::kMemoryBaseLimit, 0x0000FFF0);  // nothing behind it
  }
  uint32_t cmd = config_->read32(a, reg::kCommandStatus) & 0xFFFF;
  config_->write32(
      a, reg::kCommandStatus,
      cmd | command::kMemory | command::kBusMaster | command::kParity | command::kSerr);
  return Status::ok();
}

const Function* PciBus::find_class(uint32_t class_code, uint32_t mask) const {
  for (size_t i = 0; i < count_; i++)
    if ((functions_[i].class_code & mask) == (class_code & mask)) return &functions_[i];
  return nullptr;
}

const Function* PciBus::find_device(uint16_t vendor, uint16_t device) const {
  for (size_t i = 0; i < count_; i++)
    if (functions_[i].vendor == vendor && functions_[i].device == device) return &functions_[i];
  return nullptr;
}

void PciBus::enable(const Function& f) {
  uint32_t cmd = config_->read32(f.address, reg::kCommandStatus) & 0xFFFF;
  config_->write32(f.address, reg::kCommandStatus,
                   cmd | command::kMemory | command::kBusMaster | command::kIntxDisable);
}

}  // namespace inferpi::pci
