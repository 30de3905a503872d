// The four Cortex-A72 cores: starting the secondaries and the worker pool behind
// parallel_for (runtime/core/parallel.h). Core 0 runs the app and is worker 0; cores 1..3
// sleep in WFI and are woken by an SGI for each parallel_for (QEMU's WFE does not sleep,
// qemu.md §8; on the Pi the same SGI path is used so QEMU tests what the Pi runs).
#pragma once

namespace inferpi::smp {

constexpr int kMaxCores = 4;

// Core 0, after the MMU is on: releases cores 1..3 and waits (bounded) until each reports
// online. Returns the number of cores online (including core 0).
int start_secondaries();
int cores_online();
bool core_online(int core);

}  // namespace inferpi::smp
