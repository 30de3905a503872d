// NEON kernels against the scalar reference under qemu-aarch64 -cpu cortex-a72: every
// kernel bit for bit (same arithmetic order by design), the Q8_0 and Q8_K activation
// quantizers bit for bit, and matmul against matvec, also for quantized prefill chunks of 1-64
// tokens (tests/compute/kernel_cases.h).
#include <arm_neon.h>

#include <cstdio>
#include <limits>

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

int main() {
  int f = check_quantizer();
  f += check_f16_widening();
  f += check_attention_kernels();
  f += testing::check_kernels();
  f += testing::check_quant_prefill();
  std::printf("%s: %d failure(s)\n", f ? "FAILED" : "passed", f);
  return f ? 1 : 0;
}
