// BusWindow: how one bus sees CPU addresses. A device tree `ranges` entry (CPU -> PCI
// outbound window) or `dma-ranges` entry (a bus's DMA masters -> RAM) is one: bus addresses
// [bus_base, bus_base + size) are CPU addresses [cpu_base, cpu_base + size).
#pragma once
#include <cstdint>

namespace inferpi {

struct BusWindow {
  uint64_t cpu_base = 0;
  uint64_t bus_base = 0;
  uint64_t size = 0;  // 0: the bus has no window

  // The bus address of CPU range [cpu, cpu + bytes), or false when it is not wholly inside.
  bool to_bus(uint64_t cpu, uint64_t bytes, uint64_t* bus) const {
    if (cpu < cpu_base || bytes > size || cpu - cpu_base > size - bytes) return false;
    *bus = cpu - cpu_base + bus_base;
    return true;
  }
  uint64_t to_cpu(uint64_t bus) const { return bus - bus_base + cpu_base; }
  uint64_t bus_end() const { return bus_base + size; }
  uint64_t offset() const { return bus_base - cpu_base; }  // bus = CPU + offset (mod 2^64)
};

}  // namespace inferpi
