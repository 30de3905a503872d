// DmaPool: a bump allocator over one coherent DMA region, reset when the USB stack is
// re-initialised (the region is allocated once; platform DMA memory is never freed).
// Every block records both addresses: `cpu` for the driver, `bus` for the device.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "runtime/core/platform.h"

namespace inferpi::usb {

struct DmaBlock {
  void* cpu = nullptr;
  uint64_t bus = 0;
  size_t size = 0;
  explicit operator bool() const { return cpu != nullptr; }
};

class DmaPool {
 public:
  void init(const platform::DmaRegion& region) {
    region_ = region;
    used_ = 0;
  }
  bool ready() const { return region_.cpu != nullptr; }
  void reset() { used_ = 0; }
  // Zeroed block of `size` bytes aligned to `align` (power of two) in both address spaces.
  DmaBlock alloc(size_t size, size_t align) {
    uint64_t bus = (region_.bus + used_ + align - 1) & ~uint64_t(align - 1);
    size_t offset = size_t(bus - region_.bus);
    if (offset + size > region_.size) return DmaBlock{};
    used_ = offset + size;
    void* cpu = static_cast<uint8_t*>(region_.cpu) + offset;
    memset(cpu, 0, size);
    return DmaBlock{cpu, bus, size};
  }
  size_t used() const { return used_; }
  size_t capacity() const { return region_.size; }

 private:
  platform::DmaRegion region_;
  size_t used_ = 0;
};

}  // namespace inferpi::usb
