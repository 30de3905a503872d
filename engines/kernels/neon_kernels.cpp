// NEON row kernels (aarch64 only; ARMv8.0 instructions: FCVTL widening and fp32 FMLA,
// SMULL/SMLAL + SADALP integer dots. No fp16 arithmetic, no SDOT: the Cortex-A72 has
// neither). Arithmetic order identical to the scalar kernels (row_kernels.h), so the tests
// compare bit for bit.
//
// Matrix-vector shape: four rows per pass so every activation load feeds four rows, each row
// with its own accumulator (four independent FMLA chains). Prefill (n tokens) walks the
// same four rows once per token while they sit in L1, so weights come from DRAM once per
// chunk.
#if defined(__ARM_NEON)
#include <arm_neon.h>

#include <cstring>

#include "engines/kernels/row_kernels.h"

namespace inferpi::kernels::neon {
namespace {

// --- float weights ---------------------------------------------------------------------
// Each loader widens 8 weights at column c into two float32x4.
struct F32W {
  static constexpr int kBytes = 4;
  static inline void load8(const uint8_t* row, int64_t c, float32x4_t& lo, float32x4_t& hi) {
    float32x4x2_t v = vld1q_f32_x2(reinterpret_cast<const float*>(row) + c);
    lo = v.val[0];
    hi = v.val[1];
  }
  static inline float32x4_t load4(const uint8_t* row, int64_t c) {
    return vld1q_f32(reinterpret_cast<const float*>(row) + c);
  }
  static inline float at(const uint8_t* row, int64_t c) {
    float v;
    memcpy(&v, row + c * 4, 4);
    return v;
  }
};
struct F16W {
  static constexpr int kBytes = 2;
  static inline void load8(const uint8_t* row, int64_t c, float32x4_t& lo, float32x4_t& hi) {
    float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(reinterpret_cast<const uint16_t*>(row) + c));
    lo = vcvt_f32_f16(vget_low_f16(h));  // FCVTL
    hi = vcvt_high_f32_f16(h);           // FCVTL2
  }
  static inline float32x4_t load4(const uint8_t* row, int64_t c) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(reinterpret_cast<const uint16_t*>(row) + c)));
  }
  static inline float at(const uint8_t* row, int64_t c) { return vgetq_lane_f32(load1(row, c), 0); }
  static inline float32x4_t load1(const uint8_t* row, int64_t c) {
    uint16_t h;
    memcpy(&h, row + c * 2, 2);
    return vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h)));
  }
};
struct BF16W {
  static constexpr int kBytes = 2;
  static inline void load8(const uint8_t* row, int64_t c, float32x4_t& lo, float32x4_t& hi) {
    uint16x8_t h = vld1q_u16(reinterpret_cast<const uint16_t*>(row) + c);
    lo = vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(h), 16));  // bf16 = top half of f32
    hi = vreinterpretq_f32_u32(vshll_high_n_u16(h, 16));
  }
  static inline float32x4_t load4(const uint8_t* row, int64_t c) {
    return vreinterpretq_f32_u32(
        vshll_n_u16(vld1_u16(reinterpret_cast<const uint16_t*>(row) + c), 16));
  }
  static inline float at(const uint8_t* row, int64_t c) {
    uint16_t h;
    memcpy(&h, row + c * 2, 2);
    return bf16_to_f32(h);
  }
};

// (l0 + l1) + (l2 + l3) of four accumulators at once: lane i = row i.
inline float32x4_t reduce4(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) {
  return vpaddq_f32(vpaddq_f32(a0, a1), vpaddq_f32(a2, a3));
}

template <class W>
void dot4_float(const uint8_t* const* rows, const float* x, int64_t n, float* out4) {
  float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0;
  const uint8_t *w0 = rows[0], *w1 = rows[1], *w2 = rows[2], *w3 = rows[3];
  int64_t c = 0;
  for (; c + 16 <= n; c += 16) {
    float32x4x4_t xv = vld1q_f32_x4(x + c);
    float32x4_t lo, hi;
    W::load8(w0, c, lo, hi);
    a0 = vfmaq_f32(a0, lo, xv.val[0]);
    a0 = vfmaq_f32(a0, hi, xv.val[1]);
    W::load8(w1, c, lo, hi);
    a1 = vfmaq_f32(a1, lo, xv.val[0]);
    a1 = vfmaq_f32(a1, hi, xv.val[1]);
    W::load8(w2, c, lo, hi);
    a2 = vfmaq_f32(a2, lo, xv.val[0]);
    a2 = vfmaq_f32(a2, hi, xv.val[1]);
    W::load8(w3, c, lo, hi);
    a3 = vfmaq_f32(a3, lo, xv.val[0]);
    a3 = vfmaq_f32(a3, hi, xv.val[1]);
    W::load8(w0, c + 8, lo, hi);
    a0 = vfmaq_f32(a0, lo, xv.val[2]);
    a0 = vfmaq_f32(a0, hi, xv.val[3]);
    W::load8(w1, c + 8, lo, hi);
    a1 = vfmaq_f32(a1, lo, xv.val[2]);
    a1 = vfmaq_f32(a1, hi, xv.val[3]);
    W::load8(w2, c + 8, lo, hi);
    a2 = vfmaq_f32(a2, lo, xv.val[2]);
    a2 = vfmaq_f32(a2, hi, xv.val[3]);
    W::load8(w3, c + 8, lo, hi);
    a3 = vfmaq_f32(a3, lo, xv.val[2]);
    a3 = vfmaq_f32(a3, hi, xv.val[3]);
  }
  for (; c + 4 <= n; c += 4) {
    float32x4_t xv = vld1q_f32(x + c);
    a0 = vfmaq_f32(a0, W::load4(w0, c), xv);
    a1 = vfmaq_f32(a1, W::load4(w1, c), xv);
    a2 = vfmaq_f32(a2, W::load4(w2, c), xv);
    a3 = vfmaq_f32(a3, W::load4(w3, c), xv);
  }
  float32x4_t s = reduce4(a0, a1, a2, a3);
  for (; c < n; c++) {
    float32x4_t wv = {W::at(w0, c), W::at(w1, c), W::at(w2, c), W::at(w3, c)};
    s = vfmaq_n_f32(s, wv, x[c]);
  }
  vst1q_f32(out4, s);
}

template <class W>
float dot1_float(const uint8_t* w, const float* x, int64_t n) {
  float32x4_t a = vdupq_n_f32(0);
  int64_t c = 0;
  for (; c + 8 <= n; c += 8) {
    float32x4_t lo, hi;
    W::load8(w, c, lo, hi);
    a = vfmaq_f32(a, lo, vld1q_f32(x + c));
    a = vfmaq_f32(a, hi, vld1q_f32(x + c + 4));
  }
  for (; c + 4 <= n; c += 4) a = vfmaq_f32(a, W::load4(w, c), vld1q_f32(x + c));
  float s = vpadds_f32(vpadd_f32(vget_low_f32(a), vget_high_f32(a)));
  for (; c < n; c++) s = __builtin_fmaf(W::at(w, c), x[c], s);
  return s;
}

template <class W>
void rows_float(const Tensor& Wt, const Acts& a, float* out, int64_t os, int64_t r0, int64_t r1) {
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const uint8_t* rows[4] = {Wt.row(r), Wt.row(r + 1), Wt.row(r + 2), Wt.row(r + 3)};
    for (int t = 0; t < a.n; t++) {
      float o[4];
      dot4_float<W>(rows, a.x + t * a.cols, a.cols, o);
      memcpy(out + t * os + r, o, sizeof o);
    }
  }
  for (; r < r1; r++) {
    for (int t = 0; t < a.n; t++)
      out[t * os + r] = dot1_float<W>(Wt.row(r), a.x + t * a.cols, a.cols);
  }
}

// --- Q8_0 / Q4_0 weights x Q8_0 activations ---------------------------------------------
// Integer dot of one 32-block, as 4 int32 partial sums (exact).
// Q8_0: |w*q| <= 128*127, two products per int16 lane fit; one SADALP per half.
inline int32x4_t idot_q8(const uint8_t* blk, int8x16_t x0, int8x16_t x1) {
  int8x16_t w0 = vld1q_s8(reinterpret_cast<const int8_t*>(blk + 2));
  int8x16_t w1 = vld1q_s8(reinterpret_cast<const int8_t*>(blk + 18));
  int16x8_t p0 = vmull_s8(vget_low_s8(w0), vget_low_s8(x0));
  p0 = vmlal_high_s8(p0, w0, x0);
  int16x8_t p1 = vmull_s8(vget_low_s8(w1), vget_low_s8(x1));
  p1 = vmlal_high_s8(p1, w1, x1);
  return vpadalq_s16(vpaddlq_s16(p0), p1);
}
// Q4_0: nibbles 0..15 times q (|.| <= 15*127), four products per int16 lane fit. The -8
// offset is folded out afterwards: sum((n-8)*q) = sum(n*q) - 8*sum(q).
inline int32x4_t idot_q4(const uint8_t* blk, int8x16_t x0, int8x16_t x1) {
  uint8x16_t raw = vld1q_u8(blk + 2);
  int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(raw, vdupq_n_u8(0x0f)));  // elements 0..15
  int8x16_t hi = vreinterpretq_s8_u8(vshrq_n_u8(raw, 4));               // elements 16..31
  int16x8_t p = vmull_s8(vget_low_s8(lo), vget_low_s8(x0));
  p = vmlal_high_s8(p, lo, x0);
  p = vmlal_s8(p, vget_low_s8(hi), vget_low_s8(x1));
  p = vmlal_high_s8(p, hi, x1);
  return vpaddlq_s16(p);
}

// The four rows' f16 block scales as floats.
inline float32x4_t scales4(const uint8_t* b0, const uint8_t* b1, const uint8_t* b2,
                           const uint8_t* b3) {
  uint16x4_t h = vdup_n_u16(0);
  h = vld1_lane_u16(reinterpret_cast<const uint16_t*>(b0), h, 0);
  h = vld1_lane_u16(reinterpret_cast<const uint16_t*>(b1), h, 1);
  h = vld1_lane_u16(reinterpret_cast<const uint16_t*>(b2), h, 2);
  h = vld1_lane_u16(reinterpret_cast<const uint16_t*>(b3), h, 3);
  return vcvt_f32_f16(vreinterpret_f16_u16(h));
}

template <bool kQ4>
void rows_quant(const Tensor& W, const Acts& a, float* out, int64_t os, int64_t r0, int64_t r1) {
  constexpr int64_t kBlk = kQ4 ? 18 : 34;
  const int64_t nb = a.cols / 32;
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const uint8_t *w0 = W.row(r), *w1 = W.row(r + 1), *w2 = W.row(r + 2), *w3 = W.row(r + 3);
    for (int t = 0; t < a.n; t++) {
      const int8_t* q = a.q + t * a.cols;
      const float* d = a.d + t * nb;
      const int32_t* s = a.s + t * nb;
      float32x4_t acc = vdupq_n_f32(0);
      for (int64_t b = 0; b < nb; b++) {
        int8x16_t x0 = vld1q_s8(q + b * 32), x1 = vld1q_s8(q + b * 32 + 16);
        const uint8_t *b0 = w0 + b * kBlk, *b1 = w1 + b * kBlk, *b2 = w2 + b * kBlk,
                      *b3 = w3 + b * kBlk;
        int32x4_t i0, i1, i2, i3;
        if constexpr (kQ4) {
          i0 = idot_q4(b0, x0, x1), i1 = idot_q4(b1, x0, x1);
          i2 = idot_q4(b2, x0, x1), i3 = idot_q4(b3, x0, x1);
        } else {
          i0 = idot_q8(b0, x0, x1), i1 = idot_q8(b1, x0, x1);
          i2 = idot_q8(b2, x0, x1), i3 = idot_q8(b3, x0, x1);
        }
        int32x4_t isum = vpaddq_s32(vpaddq_s32(i0, i1), vpaddq_s32(i2, i3));  // lane = row
        if constexpr (kQ4) isum = vsubq_s32(isum, vdupq_n_s32(8 * s[b]));
        float32x4_t dd = vmulq_n_f32(scales4(b0, b1, b2, b3), d[b]);
        acc = vfmaq_f32(acc, dd, vcvtq_f32_s32(isum));
      }
      vst1q_f32(out + t * os + r, acc);
    }
  }
  for (; r < r1; r++) {
    const uint8_t* w = W.row(r);
    for (int t = 0; t < a.n; t++) {
      const int8_t* q = a.q + t * a.cols;
      float acc = 0;
      for (int64_t b = 0; b < nb; b++) {
        const uint8_t* blk = w + b * kBlk;
        int8x16_t x0 = vld1q_s8(q + b * 32), x1 = vld1q_s8(q + b * 32 + 16);
        int32_t isum = vaddvq_s32(kQ4 ? idot_q4(blk, x0, x1) : idot_q8(blk, x0, x1));
        if constexpr (kQ4) isum -= 8 * a.s[t * nb + b];
        float dw = vgetq_lane_f32(F16W::load1(blk, 0), 0);
        acc = __builtin_fmaf(dw * a.d[t * nb + b], float(isum), acc);
      }
      out[t * os + r] = acc;
    }
  }
}

}  // namespace

void quantize_q8_0(const float* x, int64_t n, int8_t* q, float* d, int32_t* s) {
  const int32x4_t lim = vdupq_n_s32(127), nlim = vdupq_n_s32(-127);
  for (int64_t b = 0; b < n / 32; b++) {
    float32x4x4_t v0 = vld1q_f32_x4(x + b * 32), v1 = vld1q_f32_x4(x + b * 32 + 16);
    float32x4_t m = vmaxnmq_f32(vmaxnmq_f32(vabsq_f32(v0.val[0]), vabsq_f32(v0.val[1])),
                                vmaxnmq_f32(vabsq_f32(v0.val[2]), vabsq_f32(v0.val[3])));
    m = vmaxnmq_f32(m, vmaxnmq_f32(vmaxnmq_f32(vabsq_f32(v1.val[0]), vabsq_f32(v1.val[1])),
                                   vmaxnmq_f32(vabsq_f32(v1.val[2]), vabsq_f32(v1.val[3]))));
    float amax = vmaxnmvq_f32(m);
    if (!(amax >= 0)) amax = 0;  // all NaN: the scalar loop never raises amax either
    const float db = amax / 127.0f;
    const float id = db != 0 ? 1.0f / db : 0.0f;
    int32x4_t sum = vdupq_n_s32(0);
    int16x8_t h[4];
    for (int k = 0; k < 8; k += 2) {
      float32x4_t xa = k < 4 ? v0.val[k] : v1.val[k - 4];
      float32x4_t xb = k < 4 ? v0.val[k + 1] : v1.val[k - 3];
      int32x4_t qa = vmaxq_s32(nlim, vminq_s32(lim, vcvtaq_s32_f32(vmulq_n_f32(xa, id))));
      int32x4_t qb = vmaxq_s32(nlim, vminq_s32(lim, vcvtaq_s32_f32(vmulq_n_f32(xb, id))));
      sum = vaddq_s32(sum, vaddq_s32(qa, qb));
      h[k / 2] = vcombine_s16(vmovn_s32(qa), vmovn_s32(qb));
    }
    vst1q_s8(q + b * 32, vcombine_s8(vmovn_s16(h[0]), vmovn_s16(h[1])));
    vst1q_s8(q + b * 32 + 16, vcombine_s8(vmovn_s16(h[2]), vmovn_s16(h[3])));
    d[b] = db;
    s[b] = vaddvq_s32(sum);
  }
}

// One row at a time, one accumulator, f16 widened 8 at a time: the seed's kernel shape.
void rows_baseline_f16(const Tensor& W, const Acts& a, float* out, int64_t os, int64_t r0,
                       int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    for (int t = 0; t < a.n; t++)
      out[t * os + r] = dot1_float<F16W>(W.row(r), a.x + t * a.cols, a.cols);
  }
}

RowsFn rows_fn(DType t) {
  switch (t) {
    case DType::F32:
      return rows_float<F32W>;
    case DType::F16:
      return rows_float<F16W>;
    case DType::BF16:
      return rows_float<BF16W>;
    case DType::Q8_0:
      return rows_quant<false>;
    case DType::Q4_0:
      return rows_quant<true>;
    default:
      return nullptr;
  }
}

}  // namespace inferpi::kernels::neon
#endif  // __ARM_NEON
