// Platform: what a board provides to drivers and the app, and nothing more. Drivers and
// engines never test which board they run on; they call these. Implemented once per board
// in runtime/boards/<board>/.
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi::platform {

// Monotonic time since boot (generic timer on pi4/virt, CLOCK_MONOTONIC on the host).
uint64_t now_us();
inline uint64_t now_ms() { return now_us() / 1000; }
void delay_us(uint64_t us);

// Memory a DMA master can read and write. `cpu` is where the CPU sees it, `bus` the
// address to program into the device (differs from the physical address behind the
// BCM2711 PCIe inbound window). Coherent memory is mapped non-cacheable: no maintenance
// needed, use it for rings, contexts and small command buffers.
struct DmaRegion {
  void* cpu = nullptr;
  uint64_t bus = 0;
  size_t size = 0;
};
bool dma_alloc_coherent(size_t size, size_t align, DmaRegion* out);
// Bus address of a CPU buffer in ordinary cacheable RAM (for large reads straight into the
// destination), or false if the device cannot reach it (then the caller bounces).
bool dma_bus_address(const void* cpu, size_t size, uint64_t* bus);
// Physical address of a CPU buffer in ordinary RAM (model-window addresses translated), or
// false if it is not one physically contiguous run. For devices whose bus addresses are not
// PCIe's (the SD host behind the Pi 4's emmc2bus/soc dma-ranges): they translate it.
bool dma_physical_address(const void* cpu, size_t size, uint64_t* phys);
// Cache maintenance around a DMA transfer into/out of ordinary cacheable RAM.
void dma_clean(const void* cpu, size_t size);       // before the device reads
void dma_invalidate(void* cpu, size_t size);        // after the device wrote
void dma_clean_invalidate(void* cpu, size_t size);  // both directions

}  // namespace inferpi::platform
