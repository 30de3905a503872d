// NEON kernels against the scalar reference under qemu-aarch64 -cpu cortex-a72: every
// kernel bit for bit (same arithmetic order by design), the Q8_0 and Q8_K activation
// quantizers bit for bit, and matmul against matvec, also for quantized prefill chunks of 1-64
// tokens (tests/compute/kernel_cases.h).
#include <arm_neon.h>

#include <cstdio>
#include <limits>
#include <vector>

#include "engines/core/kernels.h"
#include "engines/kernels/row_kernels.h"
#include "tests/compute/kernel_cases.h"

using namespace inferpi;

static int check_quantizer() {
  int failures = 0;
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0, 1);
  for (int trial = 0; trial < 200; trial++) {
    float x[64];
    for (float& v : x) v = dist(rng) * (trial % 5 == 0 ? 1e-30f : trial % 5 == 1 ? 1e6f : 1.0f);
    if (trial == 3)
      for (float& v : x) v = 0;
    if (trial == 4) x[9] = std::numeric_limits<float>::quiet_NaN();
    if (trial == 6)
      for (int i = 0; i < 32; i++) x[i] = float(i - 16) * 0.5f;  // exact halves
    int8_t qa[64], qb[64];
    float da[2], db[2];
    int32_t sa[2], sb[2];
    kernels::neon::quantize_q8_0(x, 64, qa, da, sa);
    kernels::scalar::quantize_q8_0(x, 64, qb, db, sb);
    if (std::memcmp(qa, qb, 64) || std::memcmp(da, db, 8) || std::memcmp(sa, sb, 8)) {
      std::printf("FAIL quantize_q8_0 trial %d\n", trial);
      failures++;
    }
  }
  // Q8_K (K-quant activations): per 256, sums per 16.
  for (int trial = 0; trial < 100; trial++) {
    static float x[512];
    for (float& v : x) v = dist(rng) * (trial % 5 == 0 ? 1e-30f : trial % 5 == 1 ? 1e6f : 1.0f);
    if (trial == 3)
      for (float& v : x) v = 0;
    if (trial == 4) x[300] = std::numeric_limits<float>::quiet_NaN();
    if (trial == 6)
      for (int i = 0; i < 256; i++) x[i] = float(i % 64 - 32) * 0.5f;  // exact halves
    static int8_t qa[512], qb[512];
    float da[2], db[2];
    int32_t sa[32], sb[32];
    kernels::neon::quantize_q8_k(x, 512, qa, da, sa);
    kernels::scalar::quantize_q8_k(x, 512, qb, db, sb);
    if (std::memcmp(qa, qb, 512) || std::memcmp(da, db, 8) || std::memcmp(sa, sb, sizeof sa)) {
      std::printf("FAIL quantize_q8_k trial %d\n", trial);
      failures++;
    }
  }
  return failures;
}

// fcvtl must agree with the software conversion for every one of the 65536 halves
// (NaNs: both NaN).
static int check_f16_widening() {
  int failures = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    float a = vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(uint16_t(h)))), 0);
    float b = f16_to_f32(uint16_t(h));
    bool same = (a != a && b != b) || std::memcmp(&a, &b, 4) == 0;
    if (!same && failures++ < 5)
      std::printf("FAIL f16 0x%04x: %g vs %g\n", h, double(a), double(b));
  }
  return failures;
}

// Attention's dot and axpy (engines/kernels/attention_kernels.cpp): NEON == scalar to the
// bit for every length 0..300 (all the 16/4/1 tails) and magnitudes that expose order.
static int check_attention_kernels() {
  int failures = 0;
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0, 1);
  static float a[300], b[300], y1[300], y2[300];
  for (int n = 0; n <= 300; n++) {
    for (int i = 0; i < n; i++) {
      a[i] = dist(rng) * (i % 7 == 0 ? 1e4f : 1.0f);
      b[i] = dist(rng);
      y1[i] = y2[i] = dist(rng);
    }
    float d1 = kernels::neon::dot_f32(a, b, n), d2 = kernels::scalar::dot_f32(a, b, n);
    float w = dist(rng);
    kernels::neon::axpy_f32(y1, w, a, n);
    kernels::scalar::axpy_f32(y2, w, a, n);
    if (std::memcmp(&d1, &d2, 4) || std::memcmp(y1, y2, sizeof(float) * size_t(n))) {
      if (failures++ < 5)
        std::printf("FAIL attention kernels n=%d: dot %.9g vs %.9g\n", n, double(d1), double(d2));
    }
  }
  return failures;
}

// The f16 KV cache's kernels over the rows of one head: NEON == scalar to the bit, and
// both equal the f32 kernels called row by row on the widened rows (the contract that makes
// f16 attention the f32 arithmetic on rounded inputs). Head sizes 1..300 (every 16/4/1
// tail), 0-40 rows, rows further apart than the head (stride = 3 heads + 5).
static int check_f16_attention_kernels() {
  int failures = 0;
  std::mt19937 rng(13);
  std::normal_distribution<float> dist(0, 1);
  for (int n = 1; n <= 300; n += (n < 70 ? 1 : 23)) {
    const int count = (n * 7) % 41;
    const size_t stride = size_t(3 * n + 5);
    std::vector<uint16_t> rows(stride * size_t(count) + 1);
    std::vector<float> wide(rows.size()), q(static_cast<size_t>(n)),
        w(static_cast<size_t>(count) + 1);
    for (size_t i = 0; i < rows.size(); i++) {
      rows[i] = f32_to_f16(dist(rng) * (i % 5 == 0 ? 100.0f : 1.0f));
      wide[i] = f16_to_f32(rows[i]);
    }
    for (float& v : q) v = dist(rng) * 10.0f;
    for (float& v : w) v = dist(rng);
    const float scale = 0.125f;
    std::vector<float> d1(static_cast<size_t>(count) + 1), d2(d1.size()), d3(d1.size());
    const size_t cols = static_cast<size_t>(n);
    std::vector<float> y1(cols), y2(cols), y3(cols);
    for (int i = 0; i < n; i++) y1[size_t(i)] = y2[size_t(i)] = y3[size_t(i)] = dist(rng);
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
        std::memcmp(y1.data(), y2.data(), yb) || std::memcmp(y1.data(), y3.data(), yb)) {
      if (failures++ < 5) std::printf("FAIL f16 attention kernels n=%d rows=%d\n", n, count);
    }
  }
  return failures;
}

// Writing the f16 cache: FCVTN (NEON row) == f32_to_f16 (scalar row) for every rounding
// case: each half's neighbourhood (the exact tie with the next half and one float either
// side of it, both signs), overflow, subnormal halves, zeros, infinities, and a sweep over
// the float bit patterns (every 4099th). NaN: both NaN.
static int check_f16_narrowing() {
  int failures = 0;
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
    if (n1[i] != n2[i] && !(nan1 && nan2) && failures++ < 5)
      std::printf("FAIL f32->f16 %.9g: 0x%04x vs 0x%04x\n", double(in[i]), n1[i], n2[i]);
  }
  // Odd lengths: the tail after the last 8 goes through the scalar conversion.
  for (int n = 0; n < 20; n++) {
    uint16_t r1[20] = {}, r2[20] = {};
    kernels::neon::f32_to_f16_row(r1, in.data() + 1000, n);
    kernels::scalar::f32_to_f16_row(r2, in.data() + 1000, n);
    if (std::memcmp(r1, r2, sizeof r1) && failures++ < 5) std::printf("FAIL f32->f16 n=%d\n", n);
  }
  std::printf("f32->f16: %zu values checked\n", in.size());
  return failures;
}

int main() {
  int f = check_quantizer();
  f += check_f16_widening();
  f += check_attention_kernels();
  f += check_f16_attention_kernels();
  f += check_f16_narrowing();
  f += testing::check_kernels();
  f += testing::check_quant_prefill();
  std::printf("%s: %d failure(s)\n", f ? "FAILED" : "passed", f);
  return f ? 1 : 0;
}
