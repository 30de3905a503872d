#include "runtime/app/bench.h"

#include <atomic>

#include "runtime/core/parallel.h"
#include "runtime/core/platform.h"

#if defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace inferpi::bench {
namespace {

constexpr int64_t kLine = 64;

struct ReadJob {
  const uint8_t* buf;
  std::atomic<uint64_t> sink{0};
};

// Reads [begin, end) lines of 64 bytes; XORs everything into one value so the loads stay.
void read_lines(void* ctx, int64_t begin, int64_t end, int) {
  auto& job = *static_cast<ReadJob*>(ctx);
  const uint8_t* p = job.buf + begin * kLine;
  const uint8_t* stop = job.buf + end * kLine;
#if defined(__ARM_NEON)
  uint64x2_t a = vdupq_n_u64(0), b = a, c = a, d = a;
  for (; p < stop; p += kLine) {
    a = veorq_u64(a, vld1q_u64(reinterpret_cast<const uint64_t*>(p)));
    b = veorq_u64(b, vld1q_u64(reinterpret_cast<const uint64_t*>(p + 16)));
    c = veorq_u64(c, vld1q_u64(reinterpret_cast<const uint64_t*>(p + 32)));
    d = veorq_u64(d, vld1q_u64(reinterpret_cast<const uint64_t*>(p + 48)));
  }
  uint64x2_t x = veorq_u64(veorq_u64(a, b), veorq_u64(c, d));
  uint64_t v = vgetq_lane_u64(x, 0) ^ vgetq_lane_u64(x, 1);
#else
  uint64_t v = 0;
  for (; p < stop; p += 8) {
    uint64_t w;
    __builtin_memcpy(&w, p, 8);
    v ^= w;
  }
#endif
  job.sink.fetch_xor(v, std::memory_order_relaxed);
}

int argmax(const float* x, int n) {
  int best = 0;
  for (int i = 1; i < n; i++)
    if (x[i] > x[best]) best = i;
  return best;
}

}  // namespace

Bandwidth read_bandwidth(const uint8_t* buf, size_t size, int passes, bool all_workers) {
  ReadJob job;
  job.buf = buf;
  const int64_t lines = int64_t(size / kLine);
  auto pass = [&] {
    if (all_workers) {
      parallel_for(lines, 1024, read_lines, &job);  // 64 KiB grains
    } else {
      read_lines(&job, 0, lines, 0);
    }
  };
  pass();  // untimed: page-table walks, pool start-up
  uint64_t t0 = platform::now_us();
  for (int i = 0; i < passes; i++) pass();
  uint64_t us = platform::now_us() - t0;
  Bandwidth bw;
  bw.bytes = uint64_t(lines) * kLine * uint64_t(passes);
  bw.micros = us ? us : 1;
  bw.mb_per_s = double(bw.bytes) / double(bw.micros);
  return bw;
}

Status decode_rate(Engine& engine, int prompt_tokens, int decode_tokens, DecodeRate* out) {
  if (prompt_tokens < 1 || decode_tokens < 1 ||
      prompt_tokens + decode_tokens > engine.context_length()) {
    return Status::error("bench: %d + %d tokens do not fit the context of %d", prompt_tokens,
                         decode_tokens, engine.context_length());
  }
  const int vocab = engine.info().vocab_size;
  engine.reset();
  int prompt[64];
  for (int done = 0; done < prompt_tokens;) {
    int n = prompt_tokens - done < 64 ? prompt_tokens - done : 64;
    for (int i = 0; i < n; i++) prompt[i] = (done + i) % (vocab > 1 ? vocab - 1 : 1) + 1;
    INFERPI_TRY(engine.forward(prompt, n));
    done += n;
  }
  int token = argmax(engine.logits(), vocab);
  uint64_t t0 = platform::now_us();
  for (int i = 0; i < decode_tokens; i++) {
    INFERPI_TRY(engine.forward(&token, 1));
    token = argmax(engine.logits(), vocab);
  }
  uint64_t us = platform::now_us() - t0;
  engine.reset();
  out->decode = {decode_tokens, us ? us : 1};
  out->weight_mb_per_s = double(engine.info().weight_bytes) * out->decode.per_second() / 1e6;
  return Status::ok();
}

}  // namespace inferpi::bench
