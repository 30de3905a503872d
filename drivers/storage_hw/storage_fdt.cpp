// Storage hardware from the device tree. See storage_fdt.h.
#include "drivers/storage_hw/storage_fdt.h"

#include "runtime/core/kstring.h"

namespace inferpi {
namespace {

constexpr int kMaxDepth = 16;
constexpr uint32_t kPciSpaceMask = 0x03000000;  // phys.hi bits 25:24: 1 I/O, 2 mem32, 3 mem64
constexpr uint32_t kPciSpaceMem32 = 0x02000000;

// Reads an address of `cells` cells (1..3; for 3, the PCI phys.hi word goes to *hi).
bool read_address(const uint8_t* d, uint32_t len, uint32_t* pos, uint32_t cells, uint64_t* addr,
                  uint32_t* hi = nullptr) {
  if (cells == 3) {
    uint64_t flags;
    if (!Fdt::read_cells(d, len, pos, 1, &flags)) return false;
    if (hi) *hi = uint32_t(flags);
    cells = 2;
  }
  return Fdt::read_cells(d, len, pos, cells, addr);
}

// Translates `addr`, an address in the space of ancestors[depth - 1]'s children, to a CPU
// address through the `ranges` of every ancestor up to the root.
bool translate(const Fdt& fdt, const int* ancestors, int depth, uint64_t addr, uint64_t* cpu) {
  for (int level = depth - 1; level >= 1; level--) {
    int bus = ancestors[level], parent = ancestors[level - 1];
    const uint8_t* d;
    uint32_t len;
    if (!fdt.prop(bus, "ranges", &d, &len)) return false;  // not memory-mapped
    if (len == 0) continue;                                // identity
    uint32_t child_cells = fdt.address_cells(bus), parent_cells = fdt.address_cells(parent),
             size_cells = fdt.size_cells(bus);
    bool found = false;
    for (uint32_t pos = 0; pos < len && !found;) {
      uint64_t child, parent_addr, size;
      if (!read_address(d, len, &pos, child_cells, &child) ||
          !read_address(d, len, &pos, parent_cells, &parent_addr) ||
          !Fdt::read_cells(d, len, &pos, size_cells, &size))
        return false;
      if (addr >= child && addr - child < size) {
        addr = addr - child + parent_addr;
        found = true;
      }
    }
    if (!found) return false;
  }
  *cpu = addr;
  return true;
}

// First `reg` entry of a node, translated to a CPU address.
bool reg_address(const Fdt& fdt, const int* ancestors, int depth, int node, uint64_t* cpu,
                 uint64_t* size) {
  const uint8_t* d;
  uint32_t len;
  if (!fdt.prop(node, "reg", &d, &len)) return false;
  int parent = ancestors[depth - 1];
  uint32_t pos = 0;
  uint64_t addr;
  if (!read_address(d, len, &pos, fdt.address_cells(parent), &addr) ||
      !Fdt::read_cells(d, len, &pos, fdt.size_cells(parent), size))
    return false;
  return translate(fdt, ancestors, depth, addr, cpu);
}

// A PCI host's `ranges`: the first 32-bit memory window, as CPU and PCI addresses.
Status pci_window(const Fdt& fdt, const int* ancestors, int depth, int node, BusWindow* w) {
  const uint8_t* d;
  uint32_t len;
  if (!fdt.prop(node, "ranges", &d, &len))
    return Status::error("dtb: %s has no ranges", fdt.name(node));
  uint32_t parent_cells = fdt.address_cells(ancestors[depth - 1]),
           size_cells = fdt.size_cells(node);
  for (uint32_t pos = 0; pos < len;) {
    uint32_t hi = 0;
    uint64_t pci_addr, parent_addr, size;
    if (!read_address(d, len, &pos, 3, &pci_addr, &hi) ||
        !read_address(d, len, &pos, parent_cells, &parent_addr) ||
        !Fdt::read_cells(d, len, &pos, size_cells, &size))
      return Status::error("dtb: %s: malformed ranges", fdt.name(node));
    if ((hi & kPciSpaceMask) != kPciSpaceMem32) continue;
    uint64_t cpu;
    if (!translate(fdt, ancestors, depth, parent_addr, &cpu))
      return Status::error("dtb: %s: window 0x%llx not reachable from the CPU", fdt.name(node),
                           (unsigned long long)parent_addr);
    *w = BusWindow{cpu, pci_addr, size};
    return Status::ok();
  }
  return Status::error("dtb: %s: no 32-bit memory window in ranges", fdt.name(node));
}

Status bcm2711_inbound(const Fdt& fdt, const int* ancestors, int depth, int node,
                       pci::Bcm2711PcieConfig* c) {
  const uint8_t* d;
  uint32_t len;
  if (!fdt.prop(node, "dma-ranges", &d, &len) || len == 0)
    return Status::error("dtb: %s has no dma-ranges (needed for the VL805)", fdt.name(node));
  uint32_t pos = 0;
  uint64_t pci_addr, cpu, size;
  if (!read_address(d, len, &pos, 3, &pci_addr) ||
      !read_address(d, len, &pos, fdt.address_cells(ancestors[depth - 1]), &cpu) ||
      !Fdt::read_cells(d, len, &pos, fdt.size_cells(node), &size) || size == 0)
    return Status::error("dtb: %s: malformed dma-ranges", fdt.name(node));
  c->inbound = BusWindow{cpu, pci_addr, size};
  return Status::ok();
}

// The first `dma-ranges` entry of the bus a node sits on (its parent): how that bus's
// masters see RAM. Empty dma-ranges: 1:1 for the first 4 GiB; none: the bus has no DMA.
bool bus_dma_range(const Fdt& fdt, const int* ancestors, int depth, BusWindow* out) {
  if (depth < 2) return false;
  int bus = ancestors[depth - 1], parent = ancestors[depth - 2];
  const uint8_t* d;
  uint32_t len;
  if (!fdt.prop(bus, "dma-ranges", &d, &len)) return false;
  if (len == 0) {
    *out = BusWindow{0, 0, uint64_t(1) << 32};
    return true;
  }
  uint32_t pos = 0;
  uint64_t child, cpu, size;
  if (!read_address(d, len, &pos, fdt.address_cells(bus), &child) ||
      !read_address(d, len, &pos, fdt.address_cells(parent), &cpu) ||
      !Fdt::read_cells(d, len, &pos, fdt.size_cells(bus), &size) || size == 0)
    return false;
  *out = BusWindow{cpu, child, size};
  return true;
}

// The node's first `reg` address as its parent bus sees it (untranslated).
bool bus_reg_address(const Fdt& fdt, const int* ancestors, int depth, int node, uint64_t* addr) {
  const uint8_t* d;
  uint32_t len, pos = 0;
  if (!fdt.prop(node, "reg", &d, &len)) return false;
  return read_address(d, len, &pos, fdt.address_cells(ancestors[depth - 1]), addr);
}

// The legacy EMMC (Arasan) at VideoCore bus address 0x7E30_0000 paces the system DMA
// controller with DREQ 11 (BCM2835 ARM Peripherals §4.2.1.3; Linux's downstream
// bcm2835-mmc node: dmas = <&dma 11>). EMMC2 has its own ADMA2 and no DREQ of record.
constexpr uint64_t kLegacyEmmcBus = 0x7E300000;
constexpr uint32_t kLegacyEmmcDreq = 11;

Status visit(const Fdt& fdt, int node, int* ancestors, int depth, StorageBoardConfig* out) {
  if (depth >= kMaxDepth) return Status::ok();
  uint64_t base = 0, size = 0;
  if (fdt.prop_has_string(node, "compatible", "pci-host-ecam-generic") && out->ecam_base == 0 &&
      out->bcm2711.base == 0) {
    if (!reg_address(fdt, ancestors, depth, node, &base, &size))
      return Status::error("dtb: %s: bad reg", fdt.name(node));
    BusWindow w;
    INFERPI_TRY(pci_window(fdt, ancestors, depth, node, &w));
    uint64_t buses = size >> 20;
    out->ecam_base = uintptr_t(base);
    out->ecam_buses = uint8_t(buses > 255 ? 255 : buses);
    out->window = w;
  } else if (fdt.prop_has_string(node, "compatible", "brcm,bcm2711-pcie") &&
             out->bcm2711.base == 0) {
    if (!reg_address(fdt, ancestors, depth, node, &base, &size))
      return Status::error("dtb: %s: bad reg", fdt.name(node));
    BusWindow w;
    INFERPI_TRY(pci_window(fdt, ancestors, depth, node, &w));
    INFERPI_TRY(bcm2711_inbound(fdt, ancestors, depth, node, &out->bcm2711));
    out->bcm2711.base = uintptr_t(base);
    out->bcm2711.outbound = w;
    out->window = w;
    out->ecam_base = 0;
  } else if (fdt.prop_has_string(node, "compatible", "brcm,bcm2711-emmc2") &&
             out->sdhci_base == 0) {
    if (!reg_address(fdt, ancestors, depth, node, &base, &size))
      return Status::error("dtb: %s: bad reg", fdt.name(node));
    out->sdhci_base = uintptr_t(base);
    uint64_t bus = 0;
    if (bus_reg_address(fdt, ancestors, depth, node, &bus)) {
      out->sdhci_bus_address = uint32_t(bus);
      out->sdhci_dreq = bus == kLegacyEmmcBus ? kLegacyEmmcDreq : 0;
    }
    bus_dma_range(fdt, ancestors, depth, &out->sdhci_dma_range);
  } else if (fdt.prop_has_string(node, "compatible", "brcm,bcm2835-dma") &&
             out->system_dma.base == 0) {
    if (!reg_address(fdt, ancestors, depth, node, &base, &size))
      return Status::error("dtb: %s: bad reg", fdt.name(node));
    const uint8_t* d;
    uint32_t len, pos = 0;
    uint64_t mask = 0;
    if (fdt.prop(node, "brcm,dma-channel-mask", &d, &len)) Fdt::read_cells(d, len, &pos, 1, &mask);
    out->system_dma.base = uintptr_t(base);
    out->system_dma.channel_mask = uint32_t(mask);
    bus_dma_range(fdt, ancestors, depth, &out->system_dma.range);
  }
  ancestors[depth] = node;
  for (int child = fdt.first_child(node); child >= 0; child = fdt.next_sibling(child))
    INFERPI_TRY(visit(fdt, child, ancestors, depth + 1, out));
  return Status::ok();
}

}  // namespace

Status storage_config_from_fdt(const Fdt& fdt, StorageBoardConfig* out) {
  if (!fdt.valid()) return Status::error("dtb: no device tree");
  int ancestors[kMaxDepth + 1];
  ancestors[0] = fdt.root();
  for (int child = fdt.first_child(fdt.root()); child >= 0; child = fdt.next_sibling(child))
    INFERPI_TRY(visit(fdt, child, ancestors, 1, out));
  return Status::ok();
}

}  // namespace inferpi
