// Scalar row kernels: the reference arithmetic (order documented in row_kernels.h). Also
// what a host without NEON runs, so the host CLI and the Pi produce the same logits.
#include <cstring>

#include "engines/kernels/row_kernels.h"

// On x86-64 hosts without -mfma, fmaf is a libm call per multiply-add; a second copy of
// the hot loops compiled for FMA (picked at load time when the CPU has it) computes the same
// fused results inline.
#if defined(__x86_64__) && !defined(__FMA__)
#define INFERPI_FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define INFERPI_FMA_CLONES
#endif

namespace inferpi::kernels::scalar {
namespace {

inline __attribute__((always_inline)) float fma_(float a, float b, float c) {
  return __builtin_fmaf(a, b, c);
}

// Weight element loaders for the float types.
struct F32W {
  static float at(const uint8_t* row, int64_t c) {
    float v;
    memcpy(&v, row + c * 4, 4);
    return v;
  }
};
struct F16W {
  static float at(const uint8_t* row, int64_t c) { return f16_to_f32(load_u16(row + c * 2)); }
};
struct BF16W {
  static float at(const uint8_t* row, int64_t c) { return bf16_to_f32(load_u16(row + c * 2)); }
};

template <class W>
inline __attribute__((always_inline)) float dot_float(const uint8_t* row, const float* x,
                                                      int64_t n) {
  float l[4] = {0, 0, 0, 0};
  int64_t n4 = n & ~int64_t(3);
  int64_t c = 0;
  for (; c < n4; c++) l[c & 3] = fma_(W::at(row, c), x[c], l[c & 3]);
  float s = (l[0] + l[1]) + (l[2] + l[3]);
  for (; c < n; c++) s = fma_(W::at(row, c), x[c], s);
  return s;
}

template <class W>
INFERPI_FMA_CLONES void rows_float(const Tensor& W_, const Acts& a, float* out, int64_t os,
                                   int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t* row = W_.row(r);
    for (int t = 0; t < a.n; t++) out[t * os + r] = dot_float<W>(row, a.x + t * a.cols, a.cols);
  }
}

// The 32-element blocks with int8 activations: an integer dot of one weight block with the
// token's 32 quantized activations, scaled by both blocks' d. Q8_0: d | int8 q[32].
struct Q8_0Dot {
  static constexpr int64_t kBytes = 34;
  static int32_t dot(const uint8_t* blk, const int8_t* q) {
    int32_t isum = 0;
    for (int i = 0; i < 32; i++) isum += int32_t(int8_t(blk[2 + i])) * q[i];
    return isum;
  }
};
// Q4_0: d | 16 bytes of nibbles (low nibbles = elements 0..15), minus 8.
struct Q4_0Dot {
  static constexpr int64_t kBytes = 18;
  static int32_t dot(const uint8_t* blk, const int8_t* q) {
    int32_t isum = 0;
    for (int i = 0; i < 16; i++) {
      isum += (int32_t(blk[2 + i] & 0x0f) - 8) * q[i];
      isum += (int32_t(blk[2 + i] >> 4) - 8) * q[16 + i];
    }
    return isum;
  }
};

// Rows [r0, r1) x all tokens, blocks in order: acc += (d_w * d_x) * isum.
template <class Block>
INFERPI_FMA_CLONES void rows_int8(const Tensor& W, const Acts& a, float* out, int64_t os,
                                  int64_t r0, int64_t r1) {
  const int64_t nb = a.cols / 32;
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t* row = W.row(r);
    for (int t = 0; t < a.n; t++) {
      const int8_t* q = a.q + t * a.cols;
      const float* d = a.d + t * nb;
      float acc = 0;
      for (int64_t b = 0; b < nb; b++) {
        const uint8_t* blk = row + b * Block::kBytes;
        const int32_t isum = Block::dot(blk, q + b * 32);
        acc = fma_(f16_to_f32(load_u16(blk)) * d[b], float(isum), acc);
      }
      out[t * os + r] = acc;
    }
  }
}

}  // namespace

void quantize_int8(const float* x, int64_t n, int block, int group, int8_t* q, float* d,
                   int32_t* s) {
  for (int64_t b = 0; b < n / block; b++) {
    const float* xb = x + b * block;
    float amax = 0;
    for (int i = 0; i < block; i++) {
      float v = xb[i] < 0 ? -xb[i] : xb[i];
      amax = v > amax ? v : amax;
    }
    const float db = amax / 127.0f;
    const float id = db != 0 ? 1.0f / db : 0.0f;
    for (int g = 0; g < block / group; g++) {
      int32_t sum = 0;
      for (int i = g * group; i < (g + 1) * group; i++) {
        float v = __builtin_roundf(xb[i] * id);  // half away from zero, like ggml's roundf
        int32_t qi = v > 127.0f ? 127 : v < -127.0f ? -127 : v == v ? int32_t(v) : 0;
        q[b * block + i] = int8_t(qi);
        sum += qi;
      }
      s[b * (block / group) + g] = sum;
    }
    d[b] = db;
  }
}

void quantize_q8_0(const float* x, int64_t n, int8_t* q, float* d, int32_t* s) {
  quantize_int8(x, n, 32, 32, q, d, s);
}

void rows_baseline_f16(const Tensor& W, const Acts& a, float* out, int64_t os, int64_t r0,
                       int64_t r1) {
  rows_float<F16W>(W, a, out, os, r0, r1);
}

RowsFn rows_fn(DType t) {
  constexpr RowKernelSet kSet{.f32 = rows_float<F32W>,
                              .f16 = rows_float<F16W>,
                              .bf16 = rows_float<BF16W>,
                              .q8_0 = rows_int8<Q8_0Dot>,
                              .q4_0 = rows_int8<Q4_0Dot>};
  return kSet[t] ? kSet[t] : kquant_rows_fn(t);
}

}  // namespace inferpi::kernels::scalar
