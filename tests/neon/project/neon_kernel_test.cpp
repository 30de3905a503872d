// NEON kernels against the scalar reference under qemu-aarch64 -cpu cortex-a72: every
// kernel bit for bit (same arithmetic order by design), the Q8_0 and Q8_K activation
// quantizers bit for bit, and matmul against matvec, also for quantized prefill chunks of 1-64
// tokens (tests/compute/kernel_cases.h).
#include <arm_neon.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "engines/core/kernels.h"
#include "engines/kernels/row_kernels.h"
#include "tests/compute/kernel_cases.h"

using namespace inferpi;

// One check: its failures (all counted, the first five printed) and its random numbers.
struct Check {
  explicit Check(uint32_t seed = 1) : rng(seed) {}
  float gauss() { return dist(rng); }
  __attribute__((format(printf, 2, 3))) void fail(const char* format, ...) {
    if (failures++ >= 5) return;
    va_list args;
    va_start(args, format);
    std::vprintf(format, args);
    va_end(args);
  }
  std::mt19937 rng;
  std::normal_distribution<float> dist{0, 1};
  int failures = 0;
};

using QuantizeFn = void (*)(const float* x, int64_t n, int8_t* q, float* d, int32_t* s);
struct QuantizerCase {
  const char* name;
  QuantizeFn neon, scalar;
  int n, block, group;  // floats per trial; one d per block, one sum per group
  int trials, nan_at, halves_centre;
};

// The activation quantizers, NEON == scalar bit for bit (q, d and sums) on random rows at
// three magnitudes, all zeros (trial 3), one NaN (4) and exact halves in the first block (6).
static int check_quantizers() {
  Check check(7);
  const QuantizerCase cases[] = {
      {"quantize_q8_0", kernels::neon::quantize_q8_0, kernels::scalar::quantize_q8_0, 64, 32, 32,
       200, 9, 16},
      // Q8_K (K-quant activations): per 256, sums per 16.
      {"quantize_q8_k", kernels::neon::quantize_q8_k, kernels::scalar::quantize_q8_k, 512, 256, 16,
       100, 300, 32},
  };
  for (const QuantizerCase& c : cases) {
    const size_t n = size_t(c.n), nd = size_t(c.n / c.block), ns = size_t(c.n / c.group);
    std::vector<float> x(n), da(nd), db(nd);
    std::vector<int8_t> qa(n), qb(n);
    std::vector<int32_t> sa(ns), sb(ns);
    for (int trial = 0; trial < c.trials; trial++) {
      const float scale = trial % 5 == 0 ? 1e-30f : trial % 5 == 1 ? 1e6f : 1.0f;
      for (float& v : x) v = check.gauss() * scale;
      if (trial == 3) std::fill(x.begin(), x.end(), 0.0f);
      if (trial == 4) x[size_t(c.nan_at)] = std::numeric_limits<float>::quiet_NaN();
      if (trial == 6)
        for (int i = 0; i < c.block; i++) x[size_t(i)] = float(i % 64 - c.halves_centre) * 0.5f;
      c.neon(x.data(), c.n, qa.data(), da.data(), sa.data());
      c.scalar(x.data(), c.n, qb.data(), db.data(), sb.data());
      if (qa != qb || std::memcmp(da.data(), db.data(), nd * 4) || sa != sb)
        check.fail("FAIL %s trial %d\n", c.name, trial);
    }
  }
  return check.failures;
}

// fcvtl must agree with the software conversion for every one of the 65536 halves
// (NaNs: both NaN).
static int check_f16_widening() {
  Check check;
  for (uint32_t h = 0; h < 65536; h++) {
    float a = vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(uint16_t(h)))), 0);
    float b = f16_to_f32(uint16_t(h));
    bool same = (a != a && b != b) || std::memcmp(&a, &b, 4) == 0;
    if (!same) check.fail("FAIL f16 0x%04x: %g vs %g\n", h, double(a), double(b));
  }
  return check.failures;
}

// Attention's dot and axpy (engines/kernels/attention_kernels.cpp): NEON == scalar to the
// bit for every length 0..300 (all the 16/4/1 tails) and magnitudes that expose order.
static int check_attention_kernels() {
  Check check(11);
  static float a[300], b[300], y1[300], y2[300];
  for (int n = 0; n <= 300; n++) {
    for (int i = 0; i < n; i++) {
      a[i] = check.gauss() * (i % 7 == 0 ? 1e4f : 1.0f);
      b[i] = check.gauss();
      y1[i] = y2[i] = check.gauss();
    }
    float d1 = kernels::neon::dot_f32(a, b, n), d2 = kernels::scalar::dot_f32(a, b, n);
    float w = check.gauss();
    kernels::neon::axpy_f32(y1, w, a, n);
    kernels::scalar::axpy_f32(y2, w, a, n);
    if (std::memcmp(&d1, &d2, 4) || std::memcmp(y1, y2, sizeof(float) * size_t(n)))
      check.fail("FAIL attention kernels n=%d: dot %.9g vs %.9g\n", n, double(d1), double(d2));
  }
  return check.failures;
}

// The f16 KV cache's kernels over the rows of one head: NEON == scalar to the bit, and
// both equal the f32 kernels called row by row on the widened rows (the contract that makes
// f16 attention the f32 arithmetic on rounded inputs). Head sizes 1..300 (every 16/4/1
// tail), 0-40 rows, rows further apart than the head (stride = 3 heads + 5).
static int check_f16_attention_kernels() {
  Check check(13);
  for (int n = 1; n <= 300; n += (n < 70 ? 1 : 23)) {
    const int count = (n * 7) % 41;
    const size_t stride = size_t(3 * n + 5);
    std::vector<uint16_t> rows(stride * size_t(count) + 1);
    std::vector<float> wide(rows.size()), q(static_cast<size_t>(n)),
        w(static_cast<size_t>(count) + 1);
    for (size_t i = 0; i < rows.size(); i++) {
      rows[i] = f32_to_f16(check.gauss() * (i % 5 == 0 ? 100.0f : 1.0f));
      wide[i] = f16_to_f32(rows[i]);
    }
    for (float& v : q) v = check.gauss() * 10.0f;
    for (float& v : w) v = check.gauss();
    const float scale = 0.125f;
    std::vector<float> d1(static_cast<size_t>(count) + 1), d2(d1.size()), d3(d1.size());
    const size_t cols = static_cast<size_t>(n);
    std::vector<float> y1(cols), y2(cols), y3(cols);
    for (int i = 0; i < n; i++) y1[size_t(i)] = y2[size_t(i)] = y3[size_t(i)] = check.gauss();
    kernels::neon::dot_f16_rows(d1.data(), q.data(), rows.data(), stride, count, n, scale);
    kernels::scalar::dot_f16_rows(d2.data(), q.data(), rows.data(), stride, count, n, scale);
    kernels::neon::axpy_f16_rows(y1.data(), w.data(), rows.data(), stride, count, n);
    kernels::scalar::axpy_f16_rows(y2.data(), w.data(), rows.data(), stride, count, n);
    for (int r = 0; r < count; r++) {
      const float* row = wide.data() + size_t(r) * stride;
      d3[size_t(r)] = kernels::scalar::dot_f32(q.data(), row, n) * scale;
      kernels::scalar::axpy_f32(y3.data(), w[size_t(r)], row, n);
    }
    const size_t db = sizeof(float) * size_t(count), yb = sizeof(float) * size_t(n);
    if (std::memcmp(d1.data(), d2.data(), db) || std::memcmp(d1.data(), d3.data(), db) ||
        std::memcmp(y1.data(), y2.data(), yb) || std::memcmp(y1.data(), y3.data(), yb))
      check.fail("FAIL f16 attention kernels n=%d rows=%d\n", n, count);
  }
  return check.failures;
}

// Writing the f16 cache: FCVTN (NEON row) == f32_to_f16 (scalar row) for every rounding
// case: each half's neighbourhood (the exact tie with the next half and one float either
// side of it, both signs), overflow, subnormal halves, zeros, infinities, and a sweep over
// the float bit patterns (every 4099th). NaN: both NaN.
static int check_f16_narrowing() {
  Check check;
  std::vector<float> in;
  auto add_bits = [&](uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    in.push_back(f);
  };
  for (uint32_t h = 0; h < 0x7c00; h++) {
    float lo = f16_to_f32(uint16_t(h)), hi = f16_to_f32(uint16_t(h + 1));  // h + 1 may be inf
    float tie = h + 1 == 0x7c00 ? 65520.0f : (lo + hi) * 0.5f;             // exact in f32
    uint32_t t;
    std::memcpy(&t, &tie, 4);
    for (uint32_t sign : {0u, 0x80000000u}) {
      add_bits(t - 1 + sign), add_bits(t + sign), add_bits(t + 1 + sign);
      uint32_t l;
      std::memcpy(&l, &lo, 4);
      add_bits(l + sign);
    }
  }
  for (uint64_t u = 0; u <= 0xffffffffull; u += 4099) add_bits(uint32_t(u));
  for (uint32_t u : {0x7f800000u, 0xff800000u, 0x7fc00000u, 0x7f800001u, 0x00000001u, 0x477fe000u,
                     0x477fefffu, 0x477ff000u, 0x33000000u, 0x33000001u, 0x32ffffffu})
    add_bits(u);
  while (in.size() % 8) add_bits(0);
  std::vector<uint16_t> n1(in.size()), n2(in.size());
  kernels::neon::f32_to_f16_row(n1.data(), in.data(), int(in.size()));
  kernels::scalar::f32_to_f16_row(n2.data(), in.data(), int(in.size()));
  for (size_t i = 0; i < in.size(); i++) {
    bool nan1 = (n1[i] & 0x7c00) == 0x7c00 && (n1[i] & 0x3ff);
    bool nan2 = (n2[i] & 0x7c00) == 0x7c00 && (n2[i] & 0x3ff);
    if (n1[i] != n2[i] && !(nan1 && nan2))
      check.fail("FAIL f32->f16 %.9g: 0x%04x vs 0x%04x\n", double(in[i]), n1[i], n2[i]);
  }
  // Odd lengths: the tail after the last 8 goes through the scalar conversion.
  for (int n = 0; n < 20; n++) {
    uint16_t r1[20] = {}, r2[20] = {};
    kernels::neon::f32_to_f16_row(r1, in.data() + 1000, n);
    kernels::scalar::f32_to_f16_row(r2, in.data() + 1000, n);
    if (std::memcmp(r1, r2, sizeof r1)) check.fail("FAIL f32->f16 n=%d\n", n);
  }
  std::printf("f32->f16: %zu values checked\n", in.size());
  return check.failures;
}

int main() {
  int f = check_quantizers();
  f += check_f16_widening();
  f += check_attention_kernels();
  f += check_f16_attention_kernels();
  f += check_f16_narrowing();
  f += testing::check_kernels();
  f += testing::check_quant_prefill();
  std::printf("%s: %d failure(s)\n", f ? "FAILED" : "passed", f);
  return f ? 1 : 0;
}
