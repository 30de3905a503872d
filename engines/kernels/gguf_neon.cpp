// NEON matrix-vector kernels for Q4_1, Q5_0, Q5_1 on the Cortex-A72
// (ARMv8.0: no dot-product instructions, no fp16 arithmetic). Quants are widened to
// float32 and multiplied with x by fused multiply-adds; block scales are applied once per
// (sub-)block, and the min/offset terms use x summed per 32 elements (computed once per
// matvec): for y = d·q + m, Σ y·x = d·Σ q·x + m·Σ x. (K-quants: kquant_neon.cpp.)
#if defined(__ARM_NEON)
#include <arm_neon.h>

#include "engines/core/block_types.h"
#include "engines/kernels/gguf_kernels.h"

namespace inferpi::kernels {

namespace {

inline float h(const uint8_t* p) { return f16_to_f32(load_u16(p)); }

// acc += float(q[i]) * x[i] for 16 values already widened to 16 bits (lo: 0-7, hi: 8-15).
// Unsigned bytes widen to 0..255, which int16 holds exactly, so both byte kinds share this.
inline float32x4_t fma_i16(float32x4_t acc, int16x8_t lo, int16x8_t hi, const float* x) {
  acc = vfmaq_f32(acc, vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))), vld1q_f32(x));
  acc = vfmaq_f32(acc, vcvtq_f32_s32(vmovl_high_s16(lo)), vld1q_f32(x + 4));
  acc = vfmaq_f32(acc, vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))), vld1q_f32(x + 8));
  acc = vfmaq_f32(acc, vcvtq_f32_s32(vmovl_high_s16(hi)), vld1q_f32(x + 12));
  return acc;
}

// acc += float(q[i]) * x[i] for 16 unsigned bytes.
inline float32x4_t fma_u8(float32x4_t acc, uint8x16_t q, const float* x) {
  return fma_i16(acc, vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(q))),
                 vreinterpretq_s16_u16(vmovl_high_u8(q)), x);
}

// acc += float(q[i]) * x[i] for 16 signed bytes.
inline float32x4_t fma_s8(float32x4_t acc, int8x16_t q, const float* x) {
  return fma_i16(acc, vmovl_s8(vget_low_s8(q)), vmovl_high_s8(q), x);
}

// The 5th bit of 16 elements: 16 where bit `bit` of qh32 (element i ↔ bit i + base) is set.
inline uint8x16_t q5_high_bits(uint32_t qh, int base) {
  static const uint8_t kBit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  uint8x8_t b0 = vdup_n_u8(uint8_t(qh >> base)), b1 = vdup_n_u8(uint8_t(qh >> (base + 8)));
  uint8x16_t bytes = vcombine_u8(b0, b1);
  return vandq_u8(vtstq_u8(bytes, vld1q_u8(kBit)), vdupq_n_u8(16));
}

// A block's 32 quants as two vectors of 16 bytes: elements 0-15, 16-31.
inline uint8x16x2_t q4_values(const uint8_t* qs_bytes) {
  uint8x16_t qs = vld1q_u8(qs_bytes);
  return {vandq_u8(qs, vdupq_n_u8(15)), vshrq_n_u8(qs, 4)};
}
inline uint8x16x2_t q5_values(const uint8_t* qh_bytes, const uint8_t* qs_bytes) {
  uint32_t qh;
  memcpy(&qh, qh_bytes, 4);
  uint8x16x2_t q = q4_values(qs_bytes);
  return {vorrq_u8(q.val[0], q5_high_bits(qh, 0)), vorrq_u8(q.val[1], q5_high_bits(qh, 16))};
}

// Blocks of kBytes with y = d·q + m (Q4_1, Q5_1: d and m the block's first two halves):
// Σ y·x = d·Σ q·x + m·Σ x. `values(block)` gives the block's quants (q4_values/q5_values).
template <int kBytes, typename Values>
float row_affine(const uint8_t* row, int64_t nb, const float* x, const float* sums, Values values) {
  float32x4_t acc = vdupq_n_f32(0);
  float offset = 0;
  for (int64_t b = 0; b < nb; b++, row += kBytes, x += 32) {
    uint8x16x2_t q = values(row);
    float32x4_t s = fma_u8(fma_u8(vdupq_n_f32(0), q.val[0], x), q.val[1], x + 16);
    acc = vfmaq_n_f32(acc, s, h(row));
    offset += h(row + 2) * sums[b];
  }
  return vaddvq_f32(acc) + offset;
}

float row_q4_1(const uint8_t* row, int64_t nb, const float* x, const float* sums) {
  return row_affine<20>(row, nb, x, sums, [](const uint8_t* blk) { return q4_values(blk + 4); });
}

float row_q5_1(const uint8_t* row, int64_t nb, const float* x, const float* sums) {
  return row_affine<24>(row, nb, x, sums,
                        [](const uint8_t* blk) { return q5_values(blk + 4, blk + 8); });
}

// Q5_0: y = d·(q - 16), q - 16 as signed bytes.
float row_q5_0(const uint8_t* row, int64_t nb, const float* x) {
  float32x4_t acc = vdupq_n_f32(0);
  const int8x16_t sixteen = vdupq_n_s8(16);
  for (int64_t b = 0; b < nb; b++, row += 22, x += 32) {
    uint8x16x2_t q = q5_values(row + 2, row + 6);
    float32x4_t s = fma_s8(vdupq_n_f32(0), vsubq_s8(vreinterpretq_s8_u8(q.val[0]), sixteen), x);
    s = fma_s8(s, vsubq_s8(vreinterpretq_s8_u8(q.val[1]), sixteen), x + 16);
    acc = vfmaq_n_f32(acc, s, h(row));
  }
  return vaddvq_f32(acc);
}

}  // namespace

void gguf_matvec_rows_neon(float* out, const Tensor& W, const float* x, const float* x_sums,
                           int64_t r0, int64_t r1) {
  const DTypeInfo* info = dtype_info(W.type);
  const int64_t nb = W.cols / info->block_elems;
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t* row = W.row(r);
    float v = 0;
    switch (W.type) {
      case DType::Q4_1:
        v = row_q4_1(row, nb, x, x_sums);
        break;
      case DType::Q5_0:
        v = row_q5_0(row, nb, x);
        break;
      case DType::Q5_1:
        v = row_q5_1(row, nb, x, x_sums);
        break;
      default:
        break;
    }
    out[r - r0] = v;
  }
}

}  // namespace inferpi::kernels
#endif  // __ARM_NEON
