// platform.h on Linux: real time from CLOCK_MONOTONIC; "DMA" memory is ordinary memory
// (the host board's block devices are files, nothing does DMA).
#include <cstdlib>
#include <ctime>

#include "runtime/core/platform.h"

namespace inferpi::platform {

uint64_t now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000u + uint64_t(ts.tv_nsec) / 1000u;
}

void delay_us(uint64_t us) {
  timespec ts{time_t(us / 1000000u), long((us % 1000000u) * 1000u)};
  nanosleep(&ts, nullptr);
}

bool dma_alloc_coherent(size_t size, size_t align, DmaRegion* out) {
  void* p = std::aligned_alloc(align, (size + align - 1) / align * align);
  if (!p) return false;
  *out = DmaRegion{p, uint64_t(reinterpret_cast<uintptr_t>(p)), size};
  return true;
}

bool dma_bus_address(const void* cpu, size_t, uint64_t* bus) {
  *bus = uint64_t(reinterpret_cast<uintptr_t>(cpu));
  return true;
}

bool dma_physical_address(const void* cpu, size_t size, uint64_t* phys) {
  return dma_bus_address(cpu, size, phys);
}

void dma_clean(const void*, size_t) {}
void dma_invalidate(void*, size_t) {}
void dma_clean_invalidate(void*, size_t) {}

}  // namespace inferpi::platform
