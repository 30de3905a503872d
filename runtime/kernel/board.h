// What each bare-metal board (runtime/boards/virt, runtime/boards/pi4) provides to the
// common kernel start-up in kernel_main.cpp. Addresses, how cores start, the console,
// clocks and how to leave.
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/memmap.h"
#include "runtime/core/status.h"

namespace inferpi::board {

const char* name();
// Console up (before the MMU: polled UART, no locks, no DMA).
void early_init();
// Where the DTB is, given core 0's x0 at entry.
uintptr_t dtb_address(uintptr_t x0);
// No usable device tree (x0 = 0, no FDT magic, or a corrupt one), before the MMU: the RAM
// from what else the board has (Pi 4: the firmware's mailbox and the BCM2711's layout).
// `source` = where it came from, for the banner. An error if the board cannot know.
Status memory_without_dtb(MemoryMap& map, const char** source);
// Board-specific reserved RAM (Pi 4: page 0 with the spin table).
void reserve_memory(MemoryMap& map);
// Identity-map the board's peripherals and PCIe windows as Device memory.
bool map_devices();
// After the MMU and heap are up: clocks, mailbox, anything needing DMA memory.
void init();
// GICv2 distributor and CPU interface bases (the worker pool wakes cores with SGIs).
uintptr_t gicd_base();
uintptr_t gicc_base();
// Starts core `core` (1..3) at physical address `entry` (boot/start.S secondary_start).
bool start_core(int core, uintptr_t entry);
// One banner line about the CPU clock (Pi 4: after setting it to the maximum).
void print_clock_line();
// Leaves the kernel with a status (virt: QEMU exits with it; pi4: halts).
[[noreturn]] void exit(int code);

}  // namespace inferpi::board
