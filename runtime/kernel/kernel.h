// What the kernel start-up hands to the rest of the system (app, drivers, shell commands).
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/arena.h"
#include "runtime/core/fdt.h"
#include "runtime/core/memmap.h"

namespace inferpi {

// The device tree the board booted with (validated).
const Fdt& kernel_fdt();
// Physical memory: RAM, reserved ranges, what is still free.
const MemoryMap& kernel_memory_map();
// The largest free RAM block, as one Arena for models (mark()/reset() per model).
Arena& kernel_arena();
// The kernel command line (/chosen/bootargs), "" when there is none (runtime/core/bootargs.h).
const char* kernel_bootargs();
// Memory that QEMU's `-device loader` filled before boot, named on the command line as
// `model=BASE:SIZE` / `tokenizer=BASE:SIZE` (the benchmark's way in): reserved at boot so
// nothing overwrites it. False when absent.
bool kernel_preloaded(const char* key, const uint8_t** data, size_t* size);
// Console input/output are the UART; this is what `exit N` does.
[[noreturn]] void kernel_exit(int code);

// The function the kernel runs once everything is up. The default (weak) is the debug
// shell; the appliance app defines its own to take over.
extern "C" void inferpi_main();

}  // namespace inferpi
