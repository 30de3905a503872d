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
#include "engines/core/block_types.h"
#include "engines/kernels/row_kernels.h"

namespace inferpi::kernels::scalar {
namespace {

inline float h(const uint8_t* p) { return f16_to_f32(load_u16(p)); }

// A super-block's quants, unsigned, in element order, and its integer scales (and mins):
// unpacked once per row and super-block, then used by every token.
struct Unpacked {
  int8_t q[256];
  int32_t sc[16], m[8];
};

template <bool kFive>
void unpack_k45(const uint8_t* blk, Unpacked& u) {
  const uint8_t* qs = blk + (kFive ? 48 : 16);
  const uint8_t* qh = blk + 16;
  for (int c = 0; c < 4; c++) {
    for (int l = 0; l < 32; l++) {
      int lo = qs[32 * c + l] & 15, hi = qs[32 * c + l] >> 4;
      if constexpr (kFive) {
        lo |= ((qh[l] >> (2 * c)) & 1) << 4;
        hi |= ((qh[l] >> (2 * c + 1)) & 1) << 4;
      }
      u.q[64 * c + l] = int8_t(lo);
      u.q[64 * c + 32 + l] = int8_t(hi);
    }
  }
  for (int j = 0; j < 8; j++) {
    uint8_t sc, m;
    k_scale_min(j, blk + 4, &sc, &m);
    u.sc[j] = sc;
    u.m[j] = m;
  }
}

// Q6_K (docs/formats.md §6.8): element 128·half + 32·g + l takes a nibble of ql and two bits
// of qh; group k of 16 elements has the int8 scale sc[k].
void unpack_q6_k(const uint8_t* blk, Unpacked& u) {
  for (int half = 0; half < 2; half++) {
    const uint8_t* ql = blk + 64 * half;
    const uint8_t* qh = blk + 128 + 32 * half;
    int8_t* q = u.q + 128 * half;
    for (int l = 0; l < 32; l++) {
      q[l] = int8_t((ql[l] & 15) | ((qh[l] & 3) << 4));
      q[32 + l] = int8_t((ql[32 + l] & 15) | (((qh[l] >> 2) & 3) << 4));
      q[64 + l] = int8_t((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
      q[96 + l] = int8_t((ql[32 + l] >> 4) | ((qh[l] >> 6) << 4));
    }
  }
  for (int k = 0; k < 16; k++) u.sc[k] = int8_t(blk[192 + k]);
}

inline int32_t dot(const int8_t* a, const int8_t* b, int n) {
  int32_t s = 0;
  for (int i = 0; i < n; i++) s += int32_t(a[i]) * b[i];
  return s;
}

// Rows [r0, r1) x all tokens; out doubles as each (row, token)'s accumulator, which sees the
// super-blocks in order.
template <DType T>
void rows_k(const Tensor& W, const Acts& a, float* out, int64_t os, int64_t r0, int64_t r1) {
  const DTypeInfo* info = dtype_info(T);
  const int64_t nsb = a.cols / 256;
  Unpacked u;
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t* row = W.row(r);
    for (int t = 0; t < a.n; t++) out[t * os + r] = 0;
    for (int64_t b = 0; b < nsb; b++) {
      const uint8_t* blk = row + b * info->block_bytes;
      if constexpr (T == DType::Q6_K) {
        unpack_q6_k(blk, u);
      } else {
        unpack_k45<T == DType::Q5_K>(blk, u);
      }
      for (int t = 0; t < a.n; t++) {
        const int8_t* xq = a.q + t * a.cols + b * 256;
        const int32_t* xs = a.s + t * (a.cols / 16) + b * 16;
        const float dx = a.d[t * nsb + b];
        float& acc = out[t * os + r];
        if constexpr (T == DType::Q6_K) {
          int32_t isum = 0, osum = 0;
          for (int k = 0; k < 16; k++) {
            isum += u.sc[k] * dot(u.q + 16 * k, xq + 16 * k, 16);
            osum += u.sc[k] * xs[k];
          }
          isum -= 32 * osum;
          acc = __builtin_fmaf(h(blk + 208) * dx, float(isum), acc);
        } else {
          int32_t isum = 0, msum = 0;
          for (int j = 0; j < 8; j++) {
            isum += u.sc[j] * dot(u.q + 32 * j, xq + 32 * j, 32);
            msum += u.m[j] * (xs[2 * j] + xs[2 * j + 1]);
          }
          acc = __builtin_fmaf(h(blk) * dx, float(isum), acc);
          acc = __builtin_fmaf(-(h(blk + 2) * dx), float(msum), acc);
        }
      }
    }
  }
}

}  // namespace

void quantize_q8_k(const float* x, int64_t n, int8_t* q, float* d, int32_t* s) {
  quantize_int8(x, n, 256, 16, q, d, s);
}

RowsFn kquant_rows_fn(DType t) {
  constexpr RowKernelSet kSet{
      .q4_k = rows_k<DType::Q4_K>, .q5_k = rows_k<DType::Q5_K>, .q6_k = rows_k<DType::Q6_K>};
  return kSet[t];
}

}  // namespace inferpi::kernels::scalar
