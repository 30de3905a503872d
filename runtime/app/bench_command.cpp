#include "runtime/app/bench_command.h"

#include "runtime/app/bench.h"
#include "runtime/core/console.h"
#include "runtime/core/parallel.h"

namespace inferpi {

void run_standard_bench(AppContext& ctx, Engine& engine, const char*) {
  // The bandwidth buffer comes from the model arena (after the model and its KV cache) and
  // is given back at the end, so /bench never changes what fits.
  Arena& arena = *ctx.model_arena;
  const Arena::Mark mark = arena.mark();
  size_t size = size_t(64) << 20;
  if (arena.largest_free() / 2 < size) size = arena.largest_free() / 2 / 4096 * 4096;
  kprint("bench: %d workers\n", worker_count());
  if (size >= (size_t(4) << 20)) {
    uint8_t* buf = static_cast<uint8_t*>(arena.alloc_zeroed(size, 4096));
    if (buf) {
      bench::Bandwidth one = bench::read_bandwidth(buf, size, 4, false);
      bench::Bandwidth all = bench::read_bandwidth(buf, size, 4, true);
      kprint("read bandwidth (%u MiB buffer): 1 core %.0f MB/s, all cores %.0f MB/s\n",
             unsigned(size >> 20), one.mb_per_s, all.mb_per_s);
    }
  } else {
    kprint("read bandwidth: skipped (only %u MiB free for a buffer)\n",
           unsigned(arena.largest_free() >> 20));
  }
  arena.reset(mark);

  bench::DecodeRate rate;
  Status st = bench::decode_rate(engine, 64, 16, &rate);
  if (st) {
    kprint("decode at context 64: %d tokens in %.1f ms = %.2f tokens/s (%.0f MB/s of weights)\n",
           rate.decode.tokens, rate.decode.ms(), rate.decode.per_second(), rate.weight_mb_per_s);
  } else {
    kprint("decode: %s\n", st.message());
  }
  SocHealth h;
  if (ctx.read_health && ctx.read_health(ctx, &h)) {
    if (h.has_arm_clock)
      kprint("ARM clock (measured): %u MHz\n", unsigned(h.arm_clock_hz / 1000000));
    if (h.has_temperature) kprint("SoC temperature: %.1f C\n", double(h.temperature_mc) / 1000.0);
  }
  kprint("(the conversation was reset by the measurement)\n");
}

}  // namespace inferpi
