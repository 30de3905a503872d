// Attention's two inner loops over the f32 KV cache (ops::attend): a query·key dot product
// per position and out += weight · value per position. NEON on aarch64, scalar elsewhere,
// with the same arithmetic so the host CLI and the Pi agree to the bit:
// - dot: sixteen partial sums, element i of the first n & ~15 goes to partial i % 16 with a
//   fused multiply-add in ascending i; partials combine as vectors of four,
//   (p0..3 + p4..7) + (p8..11 + p12..15); the next (n % 16) & ~3 elements are fused into that
//   vector in order; then lanes (l0 + l1) + (l2 + l3); then the last n % 4 fused in order.
// - axpy: y[i] = fma(a, x[i], y[i]), element by element (no order to agree on).
// The f16 cache's versions widen each half to f32 first (exact: FCVTL, or f16_to_f32) and
// then do exactly the f32 arithmetic, so each row's dot equals dot_f32(a, widened row) bit
// for bit. They take all the rows (positions) of one head at once: the per-row call and
// dispatch were a third of a long-context decode step's attention instructions.
// Rows go into the f16 cache rounded to nearest even (FCVTN with the default FPCR, or
// f32_to_f16); the A72 converts but has no fp16 arithmetic, so nothing else is done in f16.
#include <cstdint>

#include "engines/core/dtype.h"
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

namespace {
float dot_f16_row(const float* a, const uint16_t* b, int n) {
  float p[16] = {};
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; j++) p[j] = __builtin_fmaf(a[i + j], f16_to_f32(b[i + j]), p[j]);
  }
  float v[4];
  for (int j = 0; j < 4; j++) v[j] = (p[j] + p[4 + j]) + (p[8 + j] + p[12 + j]);
  for (; i + 4 <= n; i += 4) {
    for (int j = 0; j < 4; j++) v[j] = __builtin_fmaf(a[i + j], f16_to_f32(b[i + j]), v[j]);
  }
  float s = (v[0] + v[1]) + (v[2] + v[3]);
  for (; i < n; i++) s = __builtin_fmaf(a[i], f16_to_f32(b[i]), s);
  return s;
}
}  // namespace

void dot_f16_rows(float* out, const float* q, const uint16_t* rows, size_t stride, int count, int n,
                  float scale) {
  for (int r = 0; r < count; r++) out[r] = dot_f16_row(q, rows + size_t(r) * stride, n) * scale;
}

void axpy_f16_rows(float* y, const float* w, const uint16_t* rows, size_t stride, int count,
                   int n) {
  for (int r = 0; r < count; r++) {
    const uint16_t* x = rows + size_t(r) * stride;
    for (int i = 0; i < n; i++) y[i] = __builtin_fmaf(w[r], f16_to_f32(x[i]), y[i]);
  }
}

void f32_to_f16_row(uint16_t* dst, const float* src, int n) {
  for (int i = 0; i < n; i++) dst[i] = f32_to_f16(src[i]);
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

namespace {
inline float32x4_t widen_lo(uint16x8_t h) {
  return vcvt_f32_f16(vget_low_f16(vreinterpretq_f16_u16(h)));
}
inline float32x4_t widen_hi(uint16x8_t h) { return vcvt_high_f32_f16(vreinterpretq_f16_u16(h)); }
}  // namespace

// One row, the scalar twin's order; inlined into the loop over rows so that the rows of a
// head cost no call or dispatch each.
[[gnu::always_inline]] inline float dot_f16_row(const float* a, const uint16_t* b, int n) {
  float32x4_t p0 = vdupq_n_f32(0), p1 = p0, p2 = p0, p3 = p0;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint16x8_t h0 = vld1q_u16(b + i), h1 = vld1q_u16(b + i + 8);
    p0 = vfmaq_f32(p0, vld1q_f32(a + i), widen_lo(h0));
    p1 = vfmaq_f32(p1, vld1q_f32(a + i + 4), widen_hi(h0));
    p2 = vfmaq_f32(p2, vld1q_f32(a + i + 8), widen_lo(h1));
    p3 = vfmaq_f32(p3, vld1q_f32(a + i + 12), widen_hi(h1));
  }
  float32x4_t v = vaddq_f32(vaddq_f32(p0, p1), vaddq_f32(p2, p3));
  for (; i + 4 <= n; i += 4) {
    v = vfmaq_f32(v, vld1q_f32(a + i), vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(b + i))));
  }
  const float32x4_t pairs = vpaddq_f32(v, v);  // FADDP: (l0 + l1), (l2 + l3)
  float s = vgetq_lane_f32(pairs, 0) + vgetq_lane_f32(pairs, 1);
  for (; i < n; i++) s = __builtin_fmaf(a[i], f16_to_f32(b[i]), s);
  return s;
}

void dot_f16_rows(float* out, const float* q, const uint16_t* rows, size_t stride, int count, int n,
                  float scale) {
  for (int r = 0; r < count; r++) out[r] = dot_f16_row(q, rows + size_t(r) * stride, n) * scale;
}

// y stays in registers, 16 columns at a time, while every row adds its share: per row and
// 16 columns one broadcast weight, two loads, four widenings, four FMLA.
void axpy_f16_rows(float* y, const float* w, const uint16_t* rows, size_t stride, int count,
                   int n) {
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    float32x4_t y0 = vld1q_f32(y + i), y1 = vld1q_f32(y + i + 4);
    float32x4_t y2 = vld1q_f32(y + i + 8), y3 = vld1q_f32(y + i + 12);
    const uint16_t* x = rows + i;
    for (int r = 0; r < count; r++, x += stride) {
      const float32x4_t a = vld1q_dup_f32(w + r);
      const uint16x8_t h0 = vld1q_u16(x), h1 = vld1q_u16(x + 8);
      y0 = vfmaq_f32(y0, widen_lo(h0), a);
      y1 = vfmaq_f32(y1, widen_hi(h0), a);
      y2 = vfmaq_f32(y2, widen_lo(h1), a);
      y3 = vfmaq_f32(y3, widen_hi(h1), a);
    }
    vst1q_f32(y + i, y0), vst1q_f32(y + i + 4, y1);
    vst1q_f32(y + i + 8, y2), vst1q_f32(y + i + 12, y3);
  }
  for (; i < n; i++) {  // head sizes that are not a multiple of 16
    float acc = y[i];
    for (int r = 0; r < count; r++)
      acc = __builtin_fmaf(w[r], f16_to_f32(rows[size_t(r) * stride + i]), acc);
    y[i] = acc;
  }
}

void f32_to_f16_row(uint16_t* dst, const float* src, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {  // FCVTN + FCVTN2: round to nearest even (FPCR.RMode = 0)
    float16x8_t h = vcvt_high_f16_f32(vcvt_f16_f32(vld1q_f32(src + i)), vld1q_f32(src + i + 4));
    vst1q_u16(dst + i, vreinterpretq_u16_f16(h));
  }
  for (; i < n; i++) dst[i] = f32_to_f16(src[i]);
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

void dot_f16_rows(float* out, const float* q, const uint16_t* rows, size_t stride, int count, int n,
                  float scale) {
#if defined(__ARM_NEON)
  if (current_impl() != Impl::Scalar)
    return neon::dot_f16_rows(out, q, rows, stride, count, n, scale);
#endif
  scalar::dot_f16_rows(out, q, rows, stride, count, n, scale);
}

void axpy_f16_rows(float* y, const float* w, const uint16_t* rows, size_t stride, int count,
                   int n) {
#if defined(__ARM_NEON)
  if (current_impl() != Impl::Scalar) return neon::axpy_f16_rows(y, w, rows, stride, count, n);
#endif
  scalar::axpy_f16_rows(y, w, rows, stride, count, n);
}

void f32_to_f16_row(uint16_t* dst, const float* src, int n) {
#if defined(__ARM_NEON)
  if (current_impl() != Impl::Scalar) return neon::f32_to_f16_row(dst, src, n);
#endif
  scalar::f32_to_f16_row(dst, src, n);
}

}  // namespace inferpi::kernels
