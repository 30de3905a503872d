// The Cortex-A72 performance monitor, used for one thing: counting retired instructions
// (event 0x08 INST_RETIRED) on every core. Under QEMU with `-icount shift=0` the count is
// exact and repeatable (qemu.md §9), which makes it the benchmark's meter; without -icount
// QEMU does not implement the event and the counter stays 0. On a Pi 4 the same counter
// counts real instructions.
//
// The A72's event counters are 32 bits wide (a long prefill chunk passes 2^32 under QEMU),
// so the 64-bit cycle counter runs alongside: under `-icount shift=0` QEMU's cycle counter
// advances exactly one per instruction while any core runs, so it tells how many times the
// 32-bit instruction count wrapped (resolve_wraps()).
#pragma once
#include <cstdint>

namespace inferpi::pmu {

struct Reading {
  uint64_t instructions = 0;  // low 32 bits of INST_RETIRED since start
  bool wrapped = false;       // the 32-bit counter overflowed at least once
  uint64_t cycles = 0;        // 64-bit PMCCNTR since start
};

// Programs counter 0 of *this core* to count INST_RETIRED at EL2 (we run there; NSH, bit 27
// of PMEVTYPER0_EL0 / PMCCFILTR_EL0, includes EL2) and the cycle counter, and starts both
// from 0.
void start_counters();
Reading read_counters();

// On every online core (through parallel_for, one chunk per core): start the counters, or
// read them into out[worker] (at most max_cores). These are the benchmark's brackets.
void start_on_all_cores();
void read_all_cores(Reading out[], int max_cores);

// QEMU's INST_RETIRED is its global instruction counter (target/arm/helper.c:
// instructions_get_count() returns icount_get_raw()), so under QEMU every core reads the
// whole machine's count, while a real A72 counts its own instructions. This finds out which:
// core 0 runs a known loop while the others sleep, and core 1's counter is looked at.
bool counter_is_machine_wide();

// The full instruction count of a machine-wide reading: the exact low 32 bits plus the
// multiple of 2^32 closest to the cycle count (valid under -icount shift=0 only, where the
// two differ by far less than 2^31).
uint64_t resolve_wraps(const Reading& r);

}  // namespace inferpi::pmu
