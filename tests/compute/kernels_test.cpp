// Host run of the kernel checks (scalar kernels on x86; NEON ones under qemu: tests/neon).
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "engines/kernels/row_kernels.h"
#include "runtime/core/parallel.h"
#include "tests/compute/kernel_cases.h"

namespace inferpi {

TEST(Kernels, MatchReferenceOnOddShapes) { EXPECT_EQ(testing::check_kernels(), 0); }

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
