// Kernel-side DMA settings behind platform::dma_* (runtime/core/platform.h).
//
// Bus addresses: by default CPU address == bus address (true on QEMU virt, and for the
// Pi 4 EMMC2/mailbox paths that use their own aliases). The Pi 4 PCIe driver programs the
// BCM2711 inbound window (RC_BAR2, from the DTB's dma-ranges; pi4-hardware.md §6) and then
// calls set_bus_window() with what it programmed, e.g. CPU 0 -> PCIe 0x4_0000_0000 for
// 3 GB on C0 boards, so every dma_bus_address() afterwards includes the offset, and
// buffers outside the window are reported as unreachable (the caller bounces).
// Model-window addresses (runtime/core/ram_window.h) are first translated to physical ones;
// a buffer straddling two window segments is unreachable too (it is not contiguous).
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/bus_window.h"

namespace inferpi::dma {

void set_bus_window(const BusWindow& window);
// How many dma_bus_address() calls were refused because the buffer ran across two model
// window segments (physically apart; the driver bounced those reads). For `mem`.
uint64_t window_straddles();
// The 2 MiB non-cacheable pool behind dma_alloc_coherent (never freed: rings, contexts,
// mailbox buffers live as long as the kernel).
size_t coherent_used();
size_t coherent_capacity();

}  // namespace inferpi::dma
