// Host run of the kernel checks (scalar kernels on x86; NEON ones under qemu: tests/neon).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <vector>

#include "engines/kernels/row_kernels.h"
#include "runtime/core/parallel.h"
#include "tests/compute/kernel_cases.h"

namespace inferpi {

TEST(Kernels, MatchReferenceOnOddShapes) { EXPECT_EQ(testing::check_kernels(), 0); }

TEST(Kernels, QuantPrefillMatchesDecodeOnOddShapes) {
  EXPECT_EQ(testing::check_quant_prefill(), 0);
}

TEST(Kernels, QuantizeQ8RoundsHalfAwayFromZero) {
  // amax 127 -> d = 1, so x*id = x exactly: halves must round away from zero.
  float x[32] = {127, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 126.5f, -126.5f};
  int8_t q[32];
  float d;
  int32_t s;
  kernels::scalar::quantize_q8_0(x, 32, q, &d, &s);
  EXPECT_EQ(d, 1.0f);
  const int8_t want[9] = {127, 1, -1, 2, -2, 3, -3, 127, -127};
  for (int i = 0; i < 9; i++) EXPECT_EQ(q[i], want[i]) << i;
  int32_t sum = 0;
  for (int i = 0; i < 32; i++) sum += q[i];
  EXPECT_EQ(s, sum);
}

struct Hits {
  std::atomic<int> calls{0};
  std::vector<std::atomic<int>> seen;
  explicit Hits(size_t n) : seen(n) {}
};

TEST(HostPool, CoversRangeOnceInGrainAlignedChunks) {
  for (int64_t n : {0, 1, 15, 16, 17, 100, 1000, 4099}) {
    Hits h{size_t(n)};
    parallel_for(
        n, 16,
        [](void* ctx, int64_t b, int64_t e, int w) {
          auto& hits = *static_cast<Hits*>(ctx);
          hits.calls++;
          EXPECT_TRUE(b % 16 == 0) << b;
          EXPECT_LT(w, worker_count());
          for (int64_t i = b; i < e; i++) hits.seen[size_t(i)]++;
        },
        &h);
    for (int64_t i = 0; i < n; i++)
      ASSERT_EQ(h.seen[size_t(i)].load(), 1) << "n=" << n << " i=" << i;
    EXPECT_LE(h.calls.load(), worker_count());
  }
}

}  // namespace inferpi

// ---- /bench measurement functions (runtime/app/bench.h) ----
#include "runtime/app/bench.h"

namespace inferpi {
namespace {

// Counts forward() calls; logits favour token (position % 7).
class CountingEngine : public Engine {
 public:
  CountingEngine() {
    info_.vocab_size = 16;
    info_.weight_bytes = 1000000;
  }
  const ModelInfo& info() const override { return info_; }
  const Tokenizer& tokenizer() const override { std::abort(); }
  ChatFormat& chat_format() override { std::abort(); }
  int position() const override { return pos_; }
  int context_length() const override { return 256; }
  void reset() override {
    pos_ = 0;
    resets++;
  }
  Status forward(const int* tokens, int n, float*) override {
    for (int i = 0; i < n; i++) last_ = tokens[i];
    pos_ += n;
    calls++;
    for (int i = 0; i < 16; i++) logits_[i] = i == pos_ % 7 ? 1.0f : 0.0f;
    return Status::ok();
  }
  const float* logits() const override { return logits_; }
  int calls = 0, resets = 0, last_ = -1;

 private:
  ModelInfo info_;
  int pos_ = 0;
  float logits_[16] = {};
};

}  // namespace

TEST(Bench, ReadBandwidthCountsEveryByte) {
  std::vector<uint8_t> buf(1 << 20, 1);
  for (bool all : {false, true}) {
    bench::Bandwidth bw = bench::read_bandwidth(buf.data(), buf.size(), 3, all);
    EXPECT_EQ(bw.bytes, 3u << 20);
    EXPECT_GT(bw.mb_per_s, 0.0);
  }
}

TEST(Bench, DecodeRateRunsPrefillThenTimedSingleTokens) {
  CountingEngine e;
  bench::DecodeRate r;
  ASSERT_TRUE(bench::decode_rate(e, 100, 10, &r).is_ok());
  EXPECT_EQ(e.calls, 2 + 10);  // 64 + 36 prompt tokens, then 10 single tokens
  EXPECT_EQ(r.decode.tokens, 10);
  EXPECT_EQ(e.position(), 0);  // reset afterwards
  EXPECT_GT(r.decode.per_second(), 0.0);
  EXPECT_FALSE(bench::decode_rate(e, 250, 10, &r).is_ok());  // does not fit 256
}

}  // namespace inferpi
