// The NEON activation quantizers (Q8_0 for Q8_0/Q4_0 weights, Q8_K for K-quants): the
// vector form of scalar::quantize_int8, with the same results to the bit. Per `kBlock`
// floats one scale d = max|x| / 127; q = x * (1 / d) rounded half away from zero (FCVTAS,
// like roundf), clamped to ±127; the sum of q per `kGroup` floats.
#if defined(__ARM_NEON)
#include <arm_neon.h>

#include "engines/kernels/row_kernels.h"

namespace inferpi::kernels::neon {
namespace {

// max(|v|) lane-wise over 16 floats. FMAXNM skips NaN as the scalar `v > amax` does.
float32x4_t absmax16(float32x4x4_t v) {
  return vmaxnmq_f32(vmaxnmq_f32(vabsq_f32(v.val[0]), vabsq_f32(v.val[1])),
                     vmaxnmq_f32(vabsq_f32(v.val[2]), vabsq_f32(v.val[3])));
}

// 16 floats scaled by id, rounded, clamped and narrowed to int8; sum4: their sum in 4 lanes.
struct Int8x16 {
  int8x16_t q;
  int32x4_t sum4;
};
Int8x16 quantize16(float32x4x4_t v, float id) {
  const int32x4_t lim = vdupq_n_s32(127), nlim = vdupq_n_s32(-127);
  int32x4_t qv[4];
  for (int k = 0; k < 4; k++)
    qv[k] = vmaxq_s32(nlim, vminq_s32(lim, vcvtaq_s32_f32(vmulq_n_f32(v.val[k], id))));
  int16x8_t h0 = vcombine_s16(vmovn_s32(qv[0]), vmovn_s32(qv[1]));
  int16x8_t h1 = vcombine_s16(vmovn_s32(qv[2]), vmovn_s32(qv[3]));
  return {vcombine_s8(vmovn_s16(h0), vmovn_s16(h1)),
          vaddq_s32(vaddq_s32(qv[0], qv[1]), vaddq_s32(qv[2], qv[3]))};
}

// n floats (n % kBlock == 0) -> q[n], d[n / kBlock], s[n / kGroup].
template <int kBlock, int kGroup>
void quantize_int8(const float* x, int64_t n, int8_t* q, float* d, int32_t* s) {
  static_assert(kBlock % kGroup == 0 && kGroup % 16 == 0);
  constexpr int kGroups = kBlock / kGroup, kVecs = kGroup / 16;
  for (int64_t b = 0; b < n / kBlock; b++) {
    const float* xb = x + b * kBlock;
    float32x4_t m = absmax16(vld1q_f32_x4(xb));
    for (int i = 16; i < kBlock; i += 16) m = vmaxnmq_f32(m, absmax16(vld1q_f32_x4(xb + i)));
    float amax = vmaxnmvq_f32(m);
    if (!(amax >= 0)) amax = 0;  // all NaN: the scalar loop never raises amax either
    const float db = amax / 127.0f;
    const float id = db != 0 ? 1.0f / db : 0.0f;
    for (int g = 0; g < kGroups; g++) {
      // All of a group quantized before its stores: q may alias x as far as the compiler
      // knows, and a store between would make it load x again.
      Int8x16 v[kVecs];
      for (int i = 0; i < kVecs; i++) v[i] = quantize16(vld1q_f32_x4(xb + kGroup * g + 16 * i), id);
      int32x4_t sum = v[0].sum4;
      for (int i = 1; i < kVecs; i++) sum = vaddq_s32(sum, v[i].sum4);
      for (int i = 0; i < kVecs; i++) vst1q_s8(q + b * kBlock + kGroup * g + 16 * i, v[i].q);
      s[b * kGroups + g] = vaddvq_s32(sum);
    }
    d[b] = db;
  }
}

}  // namespace

void quantize_q8_0(const float* x, int64_t n, int8_t* q, float* d, int32_t* s) {
  quantize_int8<32, 32>(x, n, q, d, s);
}

void quantize_q8_k(const float* x, int64_t n, int8_t* q, float* d, int32_t* s) {
  quantize_int8<256, 16>(x, n, q, d, s);
}

}  // namespace inferpi::kernels::neon
#endif  // __ARM_NEON
