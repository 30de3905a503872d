// runtime/core/platform.h for the bare-metal boards: time from the ARM generic timer
// (frequency from CNTFRQ_EL0: 54 MHz on a Pi 4, 62.5 MHz in QEMU, so never assumed),
// DMA memory from the 2 MiB non-cacheable `.dma` section of the image (boot/kernel.ld.in,
// mapped Normal-NC by mmu/), cache maintenance through mmu/ (by VA: valid for model-window
// addresses too), bus addresses through the model window's VA -> PA translation and the
// PCIe inbound window.
#include <atomic>

#include "mmu/mmu.h"
#include "runtime/core/platform.h"
#include "runtime/kernel/cpu.h"
#include "runtime/kernel/dma.h"
#include "runtime/kernel/kernel.h"
#include "runtime/kernel/spinlock.h"

extern "C" char __dma_start[], __dma_end[];

namespace inferpi::platform {

uint64_t now_us() {
  uint64_t c = cpu::counter(), f = cpu::counter_frequency();
  if (f == 0) return 0;
  return (c / f) * 1000000u + (c % f) * 1000000u / f;
}

void delay_us(uint64_t us) {
  uint64_t start = now_us();
  while (now_us() - start < us) cpu::relax();
}

namespace {
SpinLock g_dma_lock;
size_t g_dma_used = 0;
// CPU -> bus translation for DMA (see dma.h). Identity until a driver sets a window.
BusWindow g_window{0, 0, ~0ull};
std::atomic<uint64_t> g_straddles{0};
}  // namespace

bool dma_alloc_coherent(size_t size, size_t align, DmaRegion* out) {
  if (align < 64) align = 64;  // whole cache lines (pi4-hardware.md §3.3)
  if (align & (align - 1)) return false;
  size = (size + 63) & ~size_t(63);
  LockGuard guard(g_dma_lock);
  uintptr_t base = reinterpret_cast<uintptr_t>(__dma_start);
  uintptr_t p = (base + g_dma_used + align - 1) & ~uintptr_t(align - 1);
  uintptr_t end = reinterpret_cast<uintptr_t>(__dma_end);
  if (p > end || size > end - p) return false;
  g_dma_used = p + size - base;
  out->cpu = reinterpret_cast<void*>(p);
  out->size = size;
  return dma_bus_address(out->cpu, size, &out->bus);
}

bool dma_physical_address(const void* cpu, size_t size, uint64_t* phys) {
  uint64_t a = reinterpret_cast<uintptr_t>(cpu);
  // A model-window address is not a physical one: translate it, and refuse a buffer that
  // runs from one segment into the next (two unrelated physical places; the caller bounces).
  const RamWindow& window = kernel_ram_window();
  if (window.contains(a, 0)) {
    if (!window.physical_run(a, size, &a)) {
      g_straddles.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  *phys = a;
  return true;
}

bool dma_bus_address(const void* cpu, size_t size, uint64_t* bus) {
  uint64_t a = 0;
  if (!dma_physical_address(cpu, size, &a)) return false;
  return g_window.to_bus(a, size, bus);
}

void dma_clean(const void* cpu, size_t size) { mmu::clean_range(cpu, size); }
void dma_invalidate(void* cpu, size_t size) { mmu::invalidate_range(cpu, size); }
void dma_clean_invalidate(void* cpu, size_t size) { mmu::clean_invalidate_range(cpu, size); }

}  // namespace inferpi::platform

namespace inferpi::dma {

void set_bus_window(const BusWindow& window) { platform::g_window = window; }

uint64_t window_straddles() { return platform::g_straddles.load(std::memory_order_relaxed); }

size_t coherent_used() { return platform::g_dma_used; }
size_t coherent_capacity() { return size_t(__dma_end - __dma_start); }

}  // namespace inferpi::dma
