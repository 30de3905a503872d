// Attention's two inner loops over the f32 KV cache (ops::attend): a query·key dot product
// per position and out += weight · value per position. NEON on aarch64, scalar elsewhere,
// with the same arithmetic so the host CLI and the Pi agree to the bit:
// - dot: sixteen partial sums, element i of the first n & ~15 goes to partial i % 16 with a
//   fused multiply-add in ascending i; partials combine as vectors of four,
//   (p0..3 + p4..7) + (p8..11 + p12..15); the next (n % 16) & ~3 elements are fused into that
//   vector in order; then lanes (l0 + l1) + (l2 + l3); then the last n % 4 fused in order.
// - axpy: y[i] = fma(a, x[i], y[i]), element by element (no order to agree on).
#include <cstdint>

#include "engines/core/kernels.h"

#if defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace inferpi::kernels {

namespace scalar {

float dot_f32(const float* a, const float* b, int n) {
  float p[16] = {};
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; j++) p[j] = __builtin_fmaf(a[i + j], b[i + j], p[j]);
  }
  float v[4];
  for (int j = 0; j < 4; j++) v[j] = (p[j] + p[4 + j]) + (p[8 + j] + p[12 + j]);
  for (; i + 4 <= n; i += 4) {
    for (int j = 0; j < 4; j++) v[j] = __builtin_fmaf(a[i + j], b[i + j], v[j]);
  }
  float s = (v[0] + v[1]) + (v[2] + v[3]);
  for (; i < n; i++) s = __builtin_fmaf(a[i], b[i], s);
  return s;
}

void axpy_f32(float* y, float a, const float* x, int n) {
  for (int i = 0; i < n; i++) y[i] = __builtin_fmaf(a, x[i], y[i]);
}

}  // namespace scalar

#if defined(__ARM_NEON)
namespace neon {

float dot_f32(const float* a, const float* b, int n) {
  float32x4_t p0 = vdupq_n_f32(0), p1 = p0, p2 = p0, p3 = p0;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    p0 = vfmaq_f32(p0, vld1q_f32(a + i), vld1q_f32(b + i));
    p1 = vfmaq_f32(p1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
    p2 = vfmaq_f32(p2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
    p3 = vfmaq_f32(p3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
  }
  float32x4_t v = vaddq_f32(vaddq_f32(p0, p1), vaddq_f32(p2, p3));
  for (; i + 4 <= n; i += 4) v = vfmaq_f32(v, vld1q_f32(a + i), vld1q_f32(b + i));
  float s =
      (vgetq_lane_f32(v, 0) + vgetq_lane_f32(v, 1)) + (vgetq_lane_f32(v, 2) + vgetq_lane_f32(v, 3));
  for (; i < n; i++) s = __builtin_fmaf(a[i], b[i], s);
  return s;
}

void axpy_f32(float* y, float a, const float* x, int n) {
  const float32x4_t va = vdupq_n_f32(a);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    vst1q_f32(y + i, vfmaq_f32(vld1q_f32(y + i), vld1q_f32(x + i), va));
    vst1q_f32(y + i + 4, vfmaq_f32(vld1q_f32(y + i + 4), vld1q_f32(x + i + 4), va));
  }
  for (; i < n; i++) y[i] = __builtin_fmaf(a, x[i], y[i]);
}

}  // namespace neon
#endif

float dot_f32(const float* a, const float* b, int n) {
#if defined(__ARM_NEON)
  if (current_impl() != Impl::Scalar) return neon::dot_f32(a, b, n);
#endif
  return scalar::dot_f32(a, b, n);
}

void axpy_f32(float* y, float a, const float* x, int n) {
#if defined(__ARM_NEON)
  if (current_impl() != Impl::Scalar) return neon::axpy_f32(y, a, x, n);
#endif
  scalar::axpy_f32(y, a, x, n);
}

}  // namespace inferpi::kernels
