// Matrix-vector kernels for the GGUF-only block types Q4_1, Q5_0, Q5_1 (F32/F16/BF16/Q8_0/
// Q4_0 and the K-quants belong to the row kernels, engines/kernels/row_kernels.h). Dispatch
// tries gguf_matvec() first; it returns false for any other type. On aarch64 the NEON
// versions run; everywhere else (and in tests) the scalar reference: dequantize a block, then
// dot, in natural order — exactly ref::matvec's arithmetic.
#pragma once
#include <cstdint>

#include "engines/core/tensor.h"

namespace inferpi::kernels {

bool gguf_handles(DType t);

// out[r] = W[r, :] · x for every row, on the calling core. False (and nothing
// written) when W's type is not one of ours.
bool gguf_matvec(float* out, const Tensor& W, const float* x);

// Rows [r0, r1) on the calling core; out[r - r0]. For dispatchers that split work
// themselves. `x_sums` holds x summed per 32 elements (gguf_x_sums) or is null.
void gguf_matvec_rows(float* out, const Tensor& W, const float* x, const float* x_sums, int64_t r0,
                      int64_t r1);
void gguf_x_sums(const float* x, int64_t n, float* sums);  // sums[n/32]

// The two implementations, callable directly for tests.
void gguf_matvec_rows_scalar(float* out, const Tensor& W, const float* x, int64_t r0, int64_t r1);
#if defined(__ARM_NEON)
void gguf_matvec_rows_neon(float* out, const Tensor& W, const float* x, const float* x_sums,
                           int64_t r0, int64_t r1);
#endif

}  // namespace inferpi::kernels
