// parallel_for: the worker pool every board provides (pi4/virt: the four Cortex-A72 cores,
// parked in WFI/WFE between jobs; host: std::thread). Work is a range [0, n) split into
// contiguous chunks, one per worker, so each core streams its own rows of a matrix.
// One call = one barrier: it returns when every chunk is done.
#pragma once
#include <cstdint>

namespace inferpi {

// fn(ctx, begin, end, worker_index) for a chunk [begin, end).
using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end, int worker);

// Splits [0, n) into worker_count() chunks whose boundaries are multiples of `grain`
// (except the last), runs them in parallel, and waits. Safe to call with n == 0. Not
// reentrant: fn must not call parallel_for.
void parallel_for(int64_t n, int64_t grain, RangeFn fn, void* ctx);
int worker_count();

// Serial fallback used by boards without a pool (and by tests): runs fn over [0, n) on the
// caller as one chunk.
void parallel_for_serial(int64_t n, int64_t grain, RangeFn fn, void* ctx);

}  // namespace inferpi
