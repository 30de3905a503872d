// The four Cortex-A72 cores: starting the secondaries and the worker pool behind
// parallel_for (runtime/core/parallel.h). Core 0 runs the app and is worker 0; cores 1..3
// sleep in WFI and are woken by an SGI for each parallel_for (QEMU's WFE does not sleep,
// qemu.md §8; on the Pi the same SGI path is used so QEMU tests what the Pi runs).
#pragma once
#include <cstdint>

namespace inferpi::smp {

constexpr int kMaxCores = 4;

// Core 0, after the MMU is on: releases cores 1..3 and waits (bounded) until each reports
// online, then fixes the worker pool. Returns the number of workers (cores online in time,
// including core 0).
int start_secondaries();
int cores_online();
bool core_online(int core);
// A core that came online after the worker pool was fixed: it has no worker slot and sleeps
// for good (never woken for jobs).
bool core_parked(int core);
// Bit c set: core c runs with SErrors routed to EL2 and unmasked (boot/start.S, review item 8).
uint32_t serror_reporting_cores();

}  // namespace inferpi::smp
