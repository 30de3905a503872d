// The Cortex-A72 performance monitor, used for one thing: counting retired instructions
// (event 0x08 INST_RETIRED) on every core. Under QEMU with `-icount shift=0` the count is
// exact and repeatable (qemu.md §9), which makes it the benchmark's meter; without -icount
// QEMU does not implement the event and the counter stays 0. On a Pi 4 the same counter
// counts real instructions.
#pragma once
#include <cstdint>

namespace inferpi::pmu {

// Programs counter 0 of *this core* to count INST_RETIRED at EL2 (we run there; NSH, bit 27
// of PMEVTYPER0_EL0, includes EL2) and starts it from 0.
void start_instruction_counter();
// Counter 0 of this core.
uint64_t instructions();

// On every online core (through parallel_for, one chunk per core): start the counter, or
// read it into out[worker] and return the sum. These are the benchmark's brackets.
// The A72's event counters are 32 bits wide: *wrapped tells that one of them overflowed
// since its start (the bracket was too long to trust).
void start_on_all_cores();
// QEMU's INST_RETIRED is its global instruction counter (target/arm/helper.c:
// instructions_get_count() returns icount_get_raw()), so under QEMU every core reads the
// whole machine's count, while a real A72 counts its own instructions. This finds out which:
// core 0 runs a known loop while the others sleep, and core 1's counter is looked at.
bool counter_is_machine_wide();
uint64_t read_all_cores(uint64_t out[], int max_cores, bool* wrapped);

}  // namespace inferpi::pmu
