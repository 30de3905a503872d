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
  static constexpr bool kBf16 = false;
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
  static constexpr bool kBf16 = false;
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
  static constexpr bool kBf16 = true;
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

// The hot loop for 16-bit weights, written out so that every instruction counts: per 32
// columns of 4 rows, 2 loads of x (shared), 4 loads of 64 weight bytes (post-indexed), 32
// widenings (FCVTL or SHLL #16) and 32 FMLA, 2 for the loop: 72 instructions / 128 weights.
#define INFERPI_WIDEN(OP, DST, SRC, LANES, SFX) OP " " DST ".4s, " SRC "." LANES SFX "\n"
#define INFERPI_ROW32(W, ACC, LO, HI, SFX)                                                         \
  "ld1 {v24.8h-v27.8h}, [%[" #W "]], #64\n" INFERPI_WIDEN(LO, "v28", "v24", "4h", SFX)             \
      INFERPI_WIDEN(HI, "v29", "v24", "8h", SFX) INFERPI_WIDEN(LO, "v30", "v25", "4h", SFX)        \
          INFERPI_WIDEN(HI, "v31", "v25", "8h",                                                    \
                        SFX) "fmla %[" #ACC "].4s, v28.4s, v16.4s\n fmla %[" #ACC                  \
                             "].4s, v29.4s, v17.4s\n"                                              \
                             "fmla %[" #ACC "].4s, v30.4s, v18.4s\n fmla %[" #ACC                  \
                             "].4s, v31.4s, v19.4s\n" INFERPI_WIDEN(LO, "v28", "v26", "4h", SFX)   \
                                 INFERPI_WIDEN(HI, "v29", "v26", "8h", SFX)                        \
                                     INFERPI_WIDEN(LO, "v30", "v27", "4h", SFX) INFERPI_WIDEN(     \
                                         HI, "v31", "v27", "8h",                                   \
                                         SFX) "fmla %[" #ACC "].4s, v28.4s, v20.4s\n fmla %[" #ACC \
                                              "].4s, v29.4s, v21.4s\n"                             \
                                              "fmla %[" #ACC "].4s, v30.4s, v22.4s\n fmla %[" #ACC \
                                              "].4s, v31.4s, v23.4s\n"

#define INFERPI_LOOP32(WIDEN_LO, WIDEN_HI, SFX) \
  asm volatile("1:\n"                                                                      \
               "ld1 {v16.4s-v19.4s}, [%[x]], #64\n"                                        \
               "ld1 {v20.4s-v23.4s}, [%[x]], #64\n" INFERPI_ROW32(w0, a0, WIDEN_LO, WIDEN_HI, SFX) \
                   INFERPI_ROW32(w1, a1, WIDEN_LO, WIDEN_HI, SFX)                                 \
                       INFERPI_ROW32(w2, a2, WIDEN_LO, WIDEN_HI, SFX)                             \
                           INFERPI_ROW32(w3, a3, WIDEN_LO, WIDEN_HI, SFX)                         \
               "subs %[k], %[k], #1\n"                                                     \
               "b.ne 1b\n"                                                                 \
               : [a0] "+w"(a0), [a1] "+w"(a1), [a2] "+w"(a2), [a3] "+w"(a3), [w0] "+r"(p0),  \
                 [w1] "+r"(p1), [w2] "+r"(p2), [w3] "+r"(p3), [x] "+r"(px), [k] "+r"(k)      \
               :                                                                            \
               : "cc", "memory", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23",   \
                 "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31")

template <class W>
inline int64_t loop32(const uint8_t* const* rows, const float* x, int64_t n, float32x4_t& a0,
                      float32x4_t& a1, float32x4_t& a2, float32x4_t& a3) {
  int64_t k = n / 32;
  if constexpr (W::kBytes == 2) {
    if (k == 0) return 0;
    const uint8_t *p0 = rows[0], *p1 = rows[1], *p2 = rows[2], *p3 = rows[3];
    const float* px = x;
    if constexpr (W::kBf16) {
      INFERPI_LOOP32("shll", "shll2", ", #16");
    } else {
      INFERPI_LOOP32("fcvtl", "fcvtl2", "");
    }
    return (n / 32) * 32;
  } else {
    return 0;
  }
}

// One row's columns [col, col + 8): acc += w[col + i] * x_lo[i], then w[col + 4 + i] * x_hi[i].
template <class W>
inline void fma8(float32x4_t& acc, const uint8_t* w, int64_t col, float32x4_t x_lo,
                 float32x4_t x_hi) {
  float32x4_t lo, hi;
  W::load8(w, col, lo, hi);
  acc = vfmaq_f32(acc, lo, x_lo);
  acc = vfmaq_f32(acc, hi, x_hi);
}

template <class W>
void dot4_float(const uint8_t* const* rows, const float* x, int64_t n, float* out4) {
  float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0;
  const uint8_t *w0 = rows[0], *w1 = rows[1], *w2 = rows[2], *w3 = rows[3];
  int64_t c = loop32<W>(rows, x, n, a0, a1, a2, a3);
  // Columns [col, col + 8) of the four rows; x_lo/x_hi hold x[col..col + 8).
  auto rows8 = [&](int64_t col, float32x4_t x_lo, float32x4_t x_hi) {
    fma8<W>(a0, w0, col, x_lo, x_hi);
    fma8<W>(a1, w1, col, x_lo, x_hi);
    fma8<W>(a2, w2, col, x_lo, x_hi);
    fma8<W>(a3, w3, col, x_lo, x_hi);
  };
  for (; c + 16 <= n; c += 16) {
    float32x4x4_t xv = vld1q_f32_x4(x + c);
    rows8(c, xv.val[0], xv.val[1]);
    rows8(c + 8, xv.val[2], xv.val[3]);
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
  for (; c + 8 <= n; c += 8) fma8<W>(a, w, c, vld1q_f32(x + c), vld1q_f32(x + c + 4));
  for (; c + 4 <= n; c += 4) a = vfmaq_f32(a, W::load4(w, c), vld1q_f32(x + c));
  float s = vpadds_f32(vpadd_f32(vget_low_f32(a), vget_high_f32(a)));
  for (; c < n; c++) s = __builtin_fmaf(W::at(w, c), x[c], s);
  return s;
}

// 8 columns of 4 rows widened once, then used by 4 tokens: 50 instructions / 128 MACs.
// Accumulators: v0-v15 (row r, token t in v(4r+t)), zeroed first, stored to `accs` last.
#define INFERPI_TOKEN8(XP, A0, A1, A2, A3)    \
  "ld1 {v28.4s, v29.4s}, [%[" #XP             \
  "]], #32\n"                                 \
  "fmla " A0 ".4s, v16.4s, v28.4s\n fmla " A0 \
  ".4s, v17.4s, v29.4s\n"                     \
  "fmla " A1 ".4s, v18.4s, v28.4s\n fmla " A1 \
  ".4s, v19.4s, v29.4s\n"                     \
  "fmla " A2 ".4s, v20.4s, v28.4s\n fmla " A2 \
  ".4s, v21.4s, v29.4s\n"                     \
  "fmla " A3 ".4s, v22.4s, v28.4s\n fmla " A3 ".4s, v23.4s, v29.4s\n"
#define INFERPI_LOOP4X4(LO, HI, SFX) \
  asm volatile(                                                                                 \
      "movi v0.4s, #0\n mov v1.16b, v0.16b\n mov v2.16b, v0.16b\n mov v3.16b, v0.16b\n"          \
      "mov v4.16b, v0.16b\n mov v5.16b, v0.16b\n mov v6.16b, v0.16b\n mov v7.16b, v0.16b\n"      \
      "mov v8.16b, v0.16b\n mov v9.16b, v0.16b\n mov v10.16b, v0.16b\n mov v11.16b, v0.16b\n"    \
      "mov v12.16b, v0.16b\n mov v13.16b, v0.16b\n mov v14.16b, v0.16b\n mov v15.16b, v0.16b\n"  \
      "1:\n"                                                                                    \
      "ld1 {v24.8h}, [%[w0]], #16\n ld1 {v25.8h}, [%[w1]], #16\n"                              \
      "ld1 {v26.8h}, [%[w2]], #16\n ld1 {v27.8h}, [%[w3]], #16\n"                              \
      INFERPI_WIDEN(LO, "v16", "v24", "4h", SFX) INFERPI_WIDEN(HI, "v17", "v24", "8h", SFX)     \
      INFERPI_WIDEN(LO, "v18", "v25", "4h", SFX) INFERPI_WIDEN(HI, "v19", "v25", "8h", SFX)     \
      INFERPI_WIDEN(LO, "v20", "v26", "4h", SFX) INFERPI_WIDEN(HI, "v21", "v26", "8h", SFX)     \
      INFERPI_WIDEN(LO, "v22", "v27", "4h", SFX) INFERPI_WIDEN(HI, "v23", "v27", "8h", SFX)     \
      INFERPI_TOKEN8(x0, "v0", "v4", "v8", "v12") INFERPI_TOKEN8(x1, "v1", "v5", "v9", "v13")   \
      INFERPI_TOKEN8(x2, "v2", "v6", "v10", "v14") INFERPI_TOKEN8(x3, "v3", "v7", "v11", "v15") \
      "subs %[k], %[k], #1\n"                                                                   \
      "b.ne 1b\n"                                                                               \
      "st1 {v0.4s-v3.4s}, [%[acc]], #64\n st1 {v4.4s-v7.4s}, [%[acc]], #64\n"                  \
      "st1 {v8.4s-v11.4s}, [%[acc]], #64\n st1 {v12.4s-v15.4s}, [%[acc]]\n"                    \
      : [w0] "+r"(p0), [w1] "+r"(p1), [w2] "+r"(p2), [w3] "+r"(p3), [x0] "+r"(q0),              \
        [x1] "+r"(q1), [x2] "+r"(q2), [x3] "+r"(q3), [k] "+r"(k), [acc] "+r"(ap)                \
      :                                                                                         \
      : "cc", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",      \
        "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22",     \
        "v23", "v24", "v25", "v26", "v27", "v28", "v29")

// Prefill block: 4 rows x 4 tokens, 16 accumulators. Each widened weight vector feeds four
// tokens, so per 8 columns: 4 weight loads, 8 widenings, 4 x loads, 32 FMLA (128 MACs).
// Per (row, token) the arithmetic order is the matvec's, so prefill logits equal decode's.
template <class W>
void dot4x4_float(const uint8_t* const* rows, const float* x, int64_t n, float* out, int64_t os) {
  alignas(16) float32x4_t acc[4][4];
#pragma GCC unroll 4
  for (int r = 0; r < 4; r++)
#pragma GCC unroll 4
    for (int t = 0; t < 4; t++) acc[r][t] = vdupq_n_f32(0);
  const float *x0 = x, *x1 = x + n, *x2 = x + 2 * n, *x3 = x + 3 * n;
  int64_t c = 0;
  if constexpr (W::kBytes == 2) {
    if (int64_t k = n / 8) {
      const uint8_t *p0 = rows[0], *p1 = rows[1], *p2 = rows[2], *p3 = rows[3];
      const float *q0 = x0, *q1 = x1, *q2 = x2, *q3 = x3;
      float* ap = reinterpret_cast<float*>(&acc[0][0]);
      if constexpr (W::kBf16) {
        INFERPI_LOOP4X4("shll", "shll2", ", #16");
      } else {
        INFERPI_LOOP4X4("fcvtl", "fcvtl2", "");
      }
      c = (n / 8) * 8;
    }
  }
  for (; c + 8 <= n; c += 8) {
    float32x4_t lo[4], hi[4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) W::load8(rows[r], c, lo[r], hi[r]);
    const float* xs[4] = {x0 + c, x1 + c, x2 + c, x3 + c};
#pragma GCC unroll 4
    for (int t = 0; t < 4; t++) {
      float32x4x2_t xv = vld1q_f32_x2(xs[t]);
#pragma GCC unroll 4
      for (int r = 0; r < 4; r++) {
        acc[r][t] = vfmaq_f32(acc[r][t], lo[r], xv.val[0]);
        acc[r][t] = vfmaq_f32(acc[r][t], hi[r], xv.val[1]);
      }
    }
  }
  for (; c + 4 <= n; c += 4) {
    float32x4_t w[4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) w[r] = W::load4(rows[r], c);
    const float* xs[4] = {x0 + c, x1 + c, x2 + c, x3 + c};
#pragma GCC unroll 4
    for (int t = 0; t < 4; t++) {
      float32x4_t xv = vld1q_f32(xs[t]);
#pragma GCC unroll 4
      for (int r = 0; r < 4; r++) acc[r][t] = vfmaq_f32(acc[r][t], w[r], xv);
    }
  }
  const float* xs[4] = {x0, x1, x2, x3};
  for (int t = 0; t < 4; t++) {
    float32x4_t s = reduce4(acc[0][t], acc[1][t], acc[2][t], acc[3][t]);
    for (int64_t cc = c; cc < n; cc++) {
      float32x4_t wv = {W::at(rows[0], cc), W::at(rows[1], cc), W::at(rows[2], cc),
                        W::at(rows[3], cc)};
      s = vfmaq_n_f32(s, wv, xs[t][cc]);
    }
    vst1q_f32(out + t * os, s);
  }
}

template <class W>
void rows_float(const Tensor& Wt, const Acts& a, float* out, int64_t os, int64_t r0, int64_t r1) {
  const size_t rb = size_t(a.cols) * W::kBytes;
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const uint8_t* w0 = Wt.data + size_t(r) * rb;
    const uint8_t* rows[4] = {w0, w0 + rb, w0 + 2 * rb, w0 + 3 * rb};
    int t = 0;
    for (; t + 4 <= a.n; t += 4)
      dot4x4_float<W>(rows, a.x + t * a.cols, a.cols, out + t * os + r, os);
    for (; t < a.n; t++) {
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
  uint16x4_t h = vld1_dup_u16(reinterpret_cast<const uint16_t*>(b0));
  h = vld1_lane_u16(reinterpret_cast<const uint16_t*>(b1), h, 1);
  h = vld1_lane_u16(reinterpret_cast<const uint16_t*>(b2), h, 2);
  h = vld1_lane_u16(reinterpret_cast<const uint16_t*>(b3), h, 3);
  return vcvt_f32_f16(vreinterpret_f16_u16(h));
}

// Decode shape: 4 rows x 1 token (its Q8_0 blocks q, d, s), out[r] for r < 4. Per block, the x
// loads are shared by the 4 rows; lane r of every vector below is row r.
template <bool kQ4>
inline void quant4x1(const uint8_t* w0, size_t rb, const int8_t* q, const float* d,
                     const int32_t* s, int64_t nb, float* out) {
  constexpr int64_t kBlk = kQ4 ? 18 : 34;
  const uint8_t *w1 = w0 + rb, *w2 = w1 + rb, *w3 = w2 + rb;
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
  vst1q_f32(out, acc);
}

// Prefill shape: 4 rows x 4 tokens (tokens t0 .. t0 + 3 of `a`), out[t * os + r]. Each
// 32-block of the four rows is loaded (Q4_0: unpacked) and its scales widened once, then
// multiplied with the 4 tokens' Q8_0 blocks. Per (row, token) the arithmetic is the
// matvec's (exact block dot, then acc = fma(d_w * d_x, isum, acc) in block order), so
// prefill equals decode to the bit.
//
// Written out so that every instruction counts. Per 32-block: the 4 rows' f16 scales
// gathered and widened (5 instructions), their weights loaded (Q8_0: 4 loads; Q4_0: 4 loads
// + 16 AND/USHR/SUB to signed nibbles n - 8, so the block dot needs no per-token -8 fold;
// |(n-8)*q| <= 8*127, four products per int16 lane fit), the 4 tokens' d_x loaded (4); then
// per token: 1 load of its 32 q, per row 4 multiplies (SMULL/SMLAL/SMLAL2) and 2 (Q8_0) or
// 1 (Q4_0) pairwise long adds, 3 ADDP (lane = row), SCVTF, FMUL (d_w * d_x), FMLA; 2 for
// the loop: 139 instructions per 512 multiply-adds for both types (decode: about 55-59 per
// 128).
// Registers: v0-v3 accumulators (token t), v4-v7 block sums (row r), v8-v15 products,
// v16-v23 weights (row r: v16+2r elements 0..15, v17+2r elements 16..31), v24 scales,
// v25 d_w * d_x, v26/v27 the token's q, v28-v31 d_x of tokens 0-3, Q4_0: v14 0x0f, v15 8.
// clang-format off
#define INFERPI_QW8(R, WP, LO, HI)                                                  \
  "ld1 {v24.h}[" #R "], [%[" WP "]], #2\n"                                          \
  "ld1 {" LO ".16b, " HI ".16b}, [%[" WP "]], #32\n"
#define INFERPI_QW4(R, WP, LO, HI)                                                  \
  "ld1 {v24.h}[" #R "], [%[" WP "]], #2\n"                                          \
  "ld1 {" HI ".16b}, [%[" WP "]], #16\n"                                            \
  "and " LO ".16b, " HI ".16b, v14.16b\n ushr " HI ".16b, " HI ".16b, #4\n"         \
  "sub " LO ".16b, " LO ".16b, v15.16b\n sub " HI ".16b, " HI ".16b, v15.16b\n"
#define INFERPI_QROW8(LO, HI, P0, P1, I)                                            \
  "smull " P0 ".8h, " LO ".8b, v26.8b\n smlal2 " P0 ".8h, " LO ".16b, v26.16b\n"   \
  "smull " P1 ".8h, " HI ".8b, v27.8b\n smlal2 " P1 ".8h, " HI ".16b, v27.16b\n"   \
  "saddlp " I ".4s, " P0 ".8h\n sadalp " I ".4s, " P1 ".8h\n"
#define INFERPI_QROW4(LO, HI, P, I)                                                 \
  "smull " P ".8h, " LO ".8b, v26.8b\n smlal2 " P ".8h, " LO ".16b, v26.16b\n"     \
  "smlal " P ".8h, " HI ".8b, v27.8b\n smlal2 " P ".8h, " HI ".16b, v27.16b\n"     \
  "saddlp " I ".4s, " P ".8h\n"
#define INFERPI_QTOKEN(XP, DX, ACC, ROWS)                                           \
  "ld1 {v26.16b, v27.16b}, [%[" XP "]], #32\n" ROWS                                 \
  "addp v4.4s, v4.4s, v5.4s\n addp v6.4s, v6.4s, v7.4s\n addp v4.4s, v4.4s, v6.4s\n" \
  "scvtf v4.4s, v4.4s\n fmul v25.4s, v24.4s, " DX ".s[0]\n"                         \
  "fmla " ACC ".4s, v25.4s, v4.4s\n"
#define INFERPI_QROWS8                                                              \
  INFERPI_QROW8("v16", "v17", "v8", "v9", "v4")                                     \
  INFERPI_QROW8("v18", "v19", "v10", "v11", "v5")                                   \
  INFERPI_QROW8("v20", "v21", "v12", "v13", "v6")                                   \
  INFERPI_QROW8("v22", "v23", "v14", "v15", "v7")
#define INFERPI_QROWS4                                                              \
  INFERPI_QROW4("v16", "v17", "v8", "v4")                                           \
  INFERPI_QROW4("v18", "v19", "v9", "v5")                                           \
  INFERPI_QROW4("v20", "v21", "v10", "v6")                                          \
  INFERPI_QROW4("v22", "v23", "v11", "v7")
// d_x of tokens 1-3 at byte offsets o1-o3 from token 0's, which advances by one float.
#define INFERPI_QDX                                                                 \
  "ldr s29, [%[d0], %[o1]]\n ldr s30, [%[d0], %[o2]]\n ldr s31, [%[d0], %[o3]]\n"   \
  "ldr s28, [%[d0]], #4\n"
#define INFERPI_QLOOP(SETUP, WEIGHTS, ROWS)                                         \
  asm volatile(                                                                     \
      "movi v0.4s, #0\n mov v1.16b, v0.16b\n mov v2.16b, v0.16b\n"                  \
      "mov v3.16b, v0.16b\n" SETUP                                                  \
      "1:\n" WEIGHTS "fcvtl v24.4s, v24.4h\n" INFERPI_QDX                           \
      INFERPI_QTOKEN("x0", "v28", "v0", ROWS) INFERPI_QTOKEN("x1", "v29", "v1", ROWS) \
      INFERPI_QTOKEN("x2", "v30", "v2", ROWS) INFERPI_QTOKEN("x3", "v31", "v3", ROWS) \
      "subs %[k], %[k], #1\n b.ne 1b\n"                                             \
      "st1 {v0.4s-v3.4s}, [%[acc]]\n"                                               \
      : [w0] "+r"(p0), [w1] "+r"(p1), [w2] "+r"(p2), [w3] "+r"(p3), [x0] "+r"(x0),   \
        [x1] "+r"(x1), [x2] "+r"(x2), [x3] "+r"(x3), [d0] "+r"(d0), [k] "+r"(k)      \
      : [acc] "r"(ap), [o1] "r"(o1), [o2] "r"(o2), [o3] "r"(o3)                     \
      : "cc", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9",  \
        "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", \
        "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31")
// clang-format on

template <bool kQ4>
void quant4x4(const uint8_t* w0, size_t rb, const Acts& a, int t0, float* out, int64_t os) {
  const int64_t nb = a.cols / 32;
  alignas(16) float acc[4][4] = {};
  const uint8_t *p0 = w0, *p1 = w0 + rb, *p2 = w0 + 2 * rb, *p3 = w0 + 3 * rb;
  const int8_t* x0 = a.q + t0 * a.cols;
  const int8_t *x1 = x0 + a.cols, *x2 = x1 + a.cols, *x3 = x2 + a.cols;
  const float* d0 = a.d + t0 * nb;
  const int64_t o1 = nb * 4, o2 = 2 * o1, o3 = 3 * o1;
  float* ap = &acc[0][0];
  int64_t k = nb;
  if (k > 0) {
    if constexpr (kQ4) {
      INFERPI_QLOOP("movi v14.16b, #0x0f\n movi v15.16b, #8\n",
                    INFERPI_QW4(0, "w0", "v16", "v17") INFERPI_QW4(1, "w1", "v18", "v19")
                        INFERPI_QW4(2, "w2", "v20", "v21") INFERPI_QW4(3, "w3", "v22", "v23"),
                    INFERPI_QROWS4);
    } else {
      INFERPI_QLOOP("",
                    INFERPI_QW8(0, "w0", "v16", "v17") INFERPI_QW8(1, "w1", "v18", "v19")
                        INFERPI_QW8(2, "w2", "v20", "v21") INFERPI_QW8(3, "w3", "v22", "v23"),
                    INFERPI_QROWS8);
    }
  }
  for (int t = 0; t < 4; t++) memcpy(out + t * os, acc[t], sizeof acc[t]);
}

// Rows [r0, r1) for all tokens of `a`: 4 rows at a time, then the last (r1 - r0) % 4 rows
// one by one. kPrefill: 4 tokens at a time with quant4x4 first, the last n % 4 tokens with
// the decode kernel. Two separate functions so that the decode loop keeps its registers
// (inlined together, GCC spills in it); `a`'s fields are copied to locals for the same
// reason (the asm's memory clobber would force reloads).
template <bool kQ4, bool kPrefill>
__attribute__((noinline)) void quant_rows(const Tensor& W, const Acts& a, float* out, int64_t os,
                                          int64_t r0, int64_t r1) {
  constexpr int64_t kBlk = kQ4 ? 18 : 34;
  const int64_t nb = a.cols / 32;
  const size_t rb = size_t(nb * kBlk);
  const int8_t* q = a.q;
  const float* d = a.d;
  const int32_t* s = a.s;
  const int64_t cols = a.cols;
  const int n = a.n;
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const uint8_t* w0 = W.data + size_t(r) * rb;
    int t = 0;
    if constexpr (kPrefill)
      for (; t + 4 <= n; t += 4) quant4x4<kQ4>(w0, rb, a, t, out + t * os + r, os);
    for (; t < n; t++)
      quant4x1<kQ4>(w0, rb, q + t * cols, d + t * nb, s + t * nb, nb, out + t * os + r);
  }
  for (; r < r1; r++) {
    const uint8_t* w = W.data + size_t(r) * rb;
    for (int t = 0; t < n; t++) {
      const int8_t* xq = q + t * cols;
      float acc = 0;
      for (int64_t b = 0; b < nb; b++) {
        const uint8_t* blk = w + b * kBlk;
        int8x16_t x0 = vld1q_s8(xq + b * 32), x1 = vld1q_s8(xq + b * 32 + 16);
        int32_t isum = vaddvq_s32(kQ4 ? idot_q4(blk, x0, x1) : idot_q8(blk, x0, x1));
        if constexpr (kQ4) isum -= 8 * s[t * nb + b];
        float dw = vgetq_lane_f32(F16W::load1(blk, 0), 0);
        acc = __builtin_fmaf(dw * d[t * nb + b], float(isum), acc);
      }
      out[t * os + r] = acc;
    }
  }
}

template <bool kQ4>
void rows_quant(const Tensor& W, const Acts& a, float* out, int64_t os, int64_t r0, int64_t r1) {
  by_token_tiles(a.n, [&](auto tiled) { quant_rows<kQ4, tiled>(W, a, out, os, r0, r1); });
}

}  // namespace

// One row at a time, one accumulator, f16 widened 8 at a time: the seed's kernel shape.
void rows_baseline_f16(const Tensor& W, const Acts& a, float* out, int64_t os, int64_t r0,
                       int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    for (int t = 0; t < a.n; t++)
      out[t * os + r] = dot1_float<F16W>(W.row(r), a.x + t * a.cols, a.cols);
  }
}

RowsFn rows_fn(DType t) {
  constexpr RowKernelSet kSet{.f32 = rows_float<F32W>,
                              .f16 = rows_float<F16W>,
                              .bf16 = rows_float<BF16W>,
                              .q8_0 = rows_quant<false>,
                              .q4_0 = rows_quant<true>};
  return kSet[t] ? kSet[t] : kquant_rows_fn(t);
}

}  // namespace inferpi::kernels::neon
#endif  // __ARM_NEON
