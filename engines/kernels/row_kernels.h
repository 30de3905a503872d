// The row kernels behind kernels::matvec/matmul, in two implementations with the same
// arithmetic: a portable scalar one (namespace scalar, the reference every NEON kernel is
// tested against, and what non-NEON hosts run) and the NEON one (namespace neon, aarch64).
//
// The order of operations is part of the contract, so NEON and scalar agree to the bit:
// - float weights (f32/f16/bf16): four partial sums, column c goes to lane c % 4 with a
//   fused multiply-add, in ascending c over the first cols & ~3 columns; then
//   (l0 + l1) + (l2 + l3); then the last cols % 4 columns fused into that, in order.
// - Q8_0 / Q4_0 weights: activations are quantized to Q8_0 (Acts::q/d, float scale) once
//   per matvec; each 32-block gives an exact integer dot product; the row sum is
//   acc = fma(d_w * d_x, float(isum), acc) over blocks in order, starting at 0.
// - Q4_K / Q5_K / Q6_K weights: activations are quantized per 256 (Q8_K: one float d per
//   super-block); each super-block gives exact integer sums, then one or two fmas
//   (kquant_scalar.cpp has the formulas).
// Every kernel computes rows [r0, r1) for tokens [0, n): out[t * out_stride + r].
#pragma once
#include <cstdint>
#include <type_traits>

#include "engines/core/tensor.h"

namespace inferpi::kernels {

// Activations as a kernel sees them: n tokens of `cols` floats, plus (for quantized
// weights) their Q8_0 form: q[t*cols + c], d[t*blocks + b], s[t*blocks + b] = sum of the
// 32 q values of block b (Q4_0 uses it to fold the -8 offset into one subtraction); for
// K-quant weights their Q8_K form: d per 256 (d[t*cols/256 + b]), s per 16 (s[t*cols/16 + g]).
struct Acts {
  const float* x = nullptr;
  const int8_t* q = nullptr;
  const float* d = nullptr;
  const int32_t* s = nullptr;
  int64_t cols = 0;
  int n = 1;
};

using RowsFn = void (*)(const Tensor& W, const Acts& a, float* out, int64_t out_stride, int64_t r0,
                        int64_t r1);

// Calls rows(std::true_type) when there are 4 or more tokens (the kernels' 4-token tiles pay
// off) and rows(std::false_type) otherwise: the one place the quantized kernels choose.
template <typename F>
inline void by_token_tiles(int n_tokens, F rows) {
  if (n_tokens >= 4) {
    rows(std::true_type{});
  } else {
    rows(std::false_type{});
  }
}

// The kernels one set (scalar or NEON) has for each weight type; nullptr = none.
struct RowKernelSet {
  RowsFn f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k;
  constexpr RowsFn operator[](DType t) const {
    switch (t) {
      case DType::F32:
        return f32;
      case DType::F16:
        return f16;
      case DType::BF16:
        return bf16;
      case DType::Q8_0:
        return q8_0;
      case DType::Q4_0:
        return q4_0;
      case DType::Q4_K:
        return q4_k;
      case DType::Q5_K:
        return q5_k;
      case DType::Q6_K:
        return q6_k;
      default:
        return nullptr;
    }
  }
};

// Quantizes one row of n floats (n % 32 == 0) to Q8_0 as ggml's quantize_row_q8_0_ref does
// (d = max|x| / 127, q = roundf(x / d), half away from zero), keeping d as a float.
namespace scalar {
// Both, per `block` elements (one d each) with the sum of q per `group`.
void quantize_int8(const float* x, int64_t n, int block, int group, int8_t* q, float* d,
                   int32_t* s);
void quantize_q8_0(const float* x, int64_t n, int8_t* q, float* d, int32_t* s);
// The same per 256 elements with the sum of q per 16 (K-quant activations, n % 256 == 0).
void quantize_q8_k(const float* x, int64_t n, int8_t* q, float* d, int32_t* s);
RowsFn rows_fn(DType t);         // nullptr when the type has no kernel here
RowsFn kquant_rows_fn(DType t);  // Q4_K/Q5_K/Q6_K (kquant_scalar.cpp), else nullptr
void rows_baseline_f16(const Tensor& W, const Acts& a, float* out, int64_t out_stride, int64_t r0,
                       int64_t r1);
}  // namespace scalar

#if defined(__ARM_NEON)
namespace neon {
void quantize_q8_0(const float* x, int64_t n, int8_t* q, float* d, int32_t* s);
void quantize_q8_k(const float* x, int64_t n, int8_t* q, float* d, int32_t* s);
RowsFn rows_fn(DType t);
RowsFn kquant_rows_fn(DType t);  // kquant_neon.cpp
// The seed's approach, for the benchmark: one row at a time, f16 widened, one accumulator.
void rows_baseline_f16(const Tensor& W, const Acts& a, float* out, int64_t out_stride, int64_t r0,
                       int64_t r1);
}  // namespace neon
#endif

}  // namespace inferpi::kernels
