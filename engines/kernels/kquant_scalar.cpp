// Scalar K-quant row kernels (Q4_K, Q5_K, Q6_K x Q8_K activations): the reference
// arithmetic the NEON kernels (kquant_neon.cpp) reproduce to the bit.
//
// Activations are quantized per 256-element super-block (quantize_q8_k: one float scale
// d_x, int8 q, the sum of q per 16 elements), so a whole super-block's dot product is one
// exact integer sum, as in llama.cpp's Q8_K kernels:
// - Q4_K/Q5_K (w = d·sc_j·q − dmin·m_j per 32-element sub-block j):
//     isum = Σ_j sc_j · Σ q·x_q,  msum = Σ_j m_j · Σ x_q
//     acc = fma(d·d_x, isum, acc); acc = fma(−(dmin·d_x), msum, acc)
// - Q6_K (w = d·sc_k·(q − 32) per 16-element group k; q unsigned 0..63):
//     isum = Σ_k sc_k · Σ q·x_q − 32 · Σ_k sc_k · Σ x_q;  acc = fma(d·d_x, isum, acc)
// over super-blocks in order, starting at 0. The integer parts are exact (bounds: Q5_K
// 63·31·127·256 < 2^26, Q6_K 127·63·127·256 < 2^29), so only the float steps have an order.
#include "engines/core/dequant_ext.h"
#include "engines/kernels/row_kernels.h"

namespace inferpi::kernels::scalar {
namespace {

inline float h(const uint8_t* p) { return f16_to_f32(load_u16(p)); }

// Element i (0..255) of a Q4_K (kFive = false) or Q5_K super-block, unsigned.
template <bool kFive>
inline int32_t k45_q(const uint8_t* blk, int i) {
  const int chunk = i / 64, l = i % 32, high = (i / 32) & 1;
  const uint8_t* qs = blk + (kFive ? 48 : 16);
  int32_t q = (qs[32 * chunk + l] >> (4 * high)) & 15;
  if constexpr (kFive) q |= ((blk[16 + l] >> (2 * chunk + high)) & 1) << 4;
  return q;
}

// Element i of a Q6_K super-block, unsigned 0..63 (docs/formats.md §6.8 layout).
inline int32_t q6k_q(const uint8_t* blk, int i) {
  const int half = i / 128, g = (i % 128) / 32, l = i % 32;
  const uint8_t* ql = blk + 64 * half + 32 * (g & 1);
  const uint8_t qh = blk[128 + 32 * half + l];
  return int32_t(((ql[l] >> (4 * (g >> 1))) & 15) | (((qh >> (2 * g)) & 3) << 4));
}

template <bool kFive>
void rows_k45(const Tensor& W, const Acts& a, float* out, int64_t os, int64_t r0, int64_t r1) {
  constexpr int64_t kBlk = kFive ? 176 : 144;
  const int64_t nsb = a.cols / 256;
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t* row = W.row(r);
    for (int t = 0; t < a.n; t++) {
      float acc = 0;
      for (int64_t b = 0; b < nsb; b++) {
        const uint8_t* blk = row + b * kBlk;
        const int8_t* xq = a.q + t * a.cols + b * 256;
        const int32_t* xs = a.s + t * (a.cols / 16) + b * 16;
        int32_t isum = 0, msum = 0;
        for (int j = 0; j < 8; j++) {
          uint8_t sc, m;
          k_scale_min(j, blk + 4, &sc, &m);
          int32_t dot = 0;
          for (int i = 32 * j; i < 32 * j + 32; i++) dot += k45_q<kFive>(blk, i) * xq[i];
          isum += int32_t(sc) * dot;
          msum += int32_t(m) * (xs[2 * j] + xs[2 * j + 1]);
        }
        const float dx = a.d[t * nsb + b];
        acc = __builtin_fmaf(h(blk) * dx, float(isum), acc);
        acc = __builtin_fmaf(-(h(blk + 2) * dx), float(msum), acc);
      }
      out[t * os + r] = acc;
    }
  }
}

void rows_q6_k(const Tensor& W, const Acts& a, float* out, int64_t os, int64_t r0, int64_t r1) {
  const int64_t nsb = a.cols / 256;
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t* row = W.row(r);
    for (int t = 0; t < a.n; t++) {
      float acc = 0;
      for (int64_t b = 0; b < nsb; b++) {
        const uint8_t* blk = row + b * 210;
        const int8_t* xq = a.q + t * a.cols + b * 256;
        const int32_t* xs = a.s + t * (a.cols / 16) + b * 16;
        const int8_t* sc = reinterpret_cast<const int8_t*>(blk + 192);
        int32_t isum = 0, osum = 0;
        for (int k = 0; k < 16; k++) {
          int32_t dot = 0;
          for (int i = 16 * k; i < 16 * k + 16; i++) dot += q6k_q(blk, i) * xq[i];
          isum += sc[k] * dot;
          osum += sc[k] * xs[k];
        }
        isum -= 32 * osum;
        acc = __builtin_fmaf(h(blk + 208) * a.d[t * nsb + b], float(isum), acc);
      }
      out[t * os + r] = acc;
    }
  }
}

}  // namespace

void quantize_q8_k(const float* x, int64_t n, int8_t* q, float* d, int32_t* s) {
  for (int64_t b = 0; b < n / 256; b++) {
    const float* xb = x + b * 256;
    float amax = 0;
    for (int i = 0; i < 256; i++) {
      float v = xb[i] < 0 ? -xb[i] : xb[i];
      amax = v > amax ? v : amax;
    }
    const float db = amax / 127.0f;
    const float id = db != 0 ? 1.0f / db : 0.0f;
    for (int g = 0; g < 16; g++) {
      int32_t sum = 0;
      for (int i = 16 * g; i < 16 * g + 16; i++) {
        float v = __builtin_roundf(xb[i] * id);  // half away from zero, as quantize_q8_0
        int32_t qi = v > 127.0f ? 127 : v < -127.0f ? -127 : v == v ? int32_t(v) : 0;
        q[b * 256 + i] = int8_t(qi);
        sum += qi;
      }
      s[b * 16 + g] = sum;
    }
    d[b] = db;
  }
}

RowsFn kquant_rows_fn(DType t) {
  switch (t) {
    case DType::Q4_K:
      return rows_k45<false>;
    case DType::Q5_K:
      return rows_k45<true>;
    case DType::Q6_K:
      return rows_q6_k;
    default:
      return nullptr;
  }
}

}  // namespace inferpi::kernels::scalar
