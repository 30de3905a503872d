// Kernel dispatch: the fast implementations behind ops::matvec/matmul (engines/kernels/).
// f32/f16/bf16/Q8_0/Q4_0 weights have NEON kernels on aarch64 and scalar kernels with the
// same arithmetic elsewhere (bit-identical results, see engines/kernels/row_kernels.h);
// rows are split over the worker pool (parallel_for). Other types use ref::matvec.
#pragma once
#include "engines/core/tensor.h"

namespace inferpi::kernels {

void matvec(float* out, const Tensor& W, const float* x);
// x: [n, cols], out: [n, rows]. Each weight row is read from memory once per call.
void matmul(float* out, const Tensor& W, const float* x, int n);

// Attention's inner loops over the KV cache (engines/kernels/attention_kernels.cpp has
// the arithmetic order both implementations follow). n is any length.
// The f16 cache's versions take `count` rows `stride` halves apart (one head's positions):
//   dot_f16_rows:  out[r] = dot_f32(q, widened row r, n) * scale
//   axpy_f16_rows: for r in order: y = axpy_f32(y, w[r], widened row r, n)
// bit for bit (each half widened exactly). f32_to_f16_row writes a cache row (round to
// nearest even).
// One list of the signatures, declared for the dispatcher and for each implementation.
#define INFERPI_ATTENTION_KERNELS                                                               \
  float dot_f32(const float* a, const float* b, int n);                                         \
  void axpy_f32(float* y, float a, const float* x, int n);                                      \
  void dot_f16_rows(float* out, const float* q, const uint16_t* rows, size_t stride, int count, \
                    int n, float scale);                                                        \
  void axpy_f16_rows(float* y, const float* w, const uint16_t* rows, size_t stride, int count,  \
                     int n);                                                                    \
  void f32_to_f16_row(uint16_t* dst, const float* src, int n);
INFERPI_ATTENTION_KERNELS
namespace scalar {
INFERPI_ATTENTION_KERNELS
}  // namespace scalar
#if defined(__ARM_NEON)
namespace neon {
INFERPI_ATTENTION_KERNELS
}  // namespace neon
#endif
#undef INFERPI_ATTENTION_KERNELS

// Which implementation runs (tests and the benchmark switch it; engines never do).
enum class Impl {
  Best,      // NEON where available, else scalar
  Scalar,    // the scalar reference kernels (same results as Best)
  Baseline,  // benchmark only: f16 one row at a time, one accumulator (the seed's kernel)
};
void set_impl(Impl impl);
Impl current_impl();
// Serial mode: run every kernel on the calling core (benchmarks of one core, tests).
void set_serial(bool serial);

}  // namespace inferpi::kernels
