// Measurements behind the `/bench` console command, portable so every board runs the same
// code: read bandwidth on one core and on all workers (MB/s), and decode speed on the
// loaded model (tokens/s). Time comes from platform::now_us, work is split with
// parallel_for. The command prints these next to the ARM clock and SoC temperature, which
// the board reports.
#pragma once
#include <cstddef>
#include <cstdint>

#include "engines/core/engine.h"
#include "runtime/app/token_timing.h"
#include "runtime/core/status.h"

namespace inferpi::bench {

struct Bandwidth {
  double mb_per_s = 0;  // 10^6 bytes per second
  uint64_t bytes = 0;   // bytes read in the timed passes
  uint64_t micros = 0;
};

// Streams `size` bytes at `buf` `passes` times (after one untimed pass) with 16-byte
// loads, on the calling core (all_workers = false) or split in contiguous ranges over every
// worker. `buf` should be much larger than the L2 cache (1 MiB on the Pi 4): 64 MiB is good.
Bandwidth read_bandwidth(const uint8_t* buf, size_t size, int passes, bool all_workers);

struct DecodeRate {
  TokenTiming decode;
  double weight_mb_per_s = 0;  // info().weight_bytes x tokens / time
};

// Resets the engine, feeds `prompt_tokens` of token id `token` as a prefill (untimed), then
// times `decode_tokens` single-token forward() calls (greedy argmax fed back). Resets the
// engine again afterwards so the conversation starts clean.
Status decode_rate(Engine& engine, int prompt_tokens, int decode_tokens, DecodeRate* out);

}  // namespace inferpi::bench
