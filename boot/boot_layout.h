// Constants shared by start.S, the linker script and C++ (plain #defines: included from
// assembly too).
#pragma once

#define BOOT_MAX_CORES 4
// Per-core stack (SP_EL2). Exceptions run on the same stack.
#define BOOT_STACK_SIZE 0x40000
