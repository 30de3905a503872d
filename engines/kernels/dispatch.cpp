#include "engines/core/kernels.h"
#include "engines/core/ops.h"
#include "engines/kernels/gguf_kernels.h"

namespace inferpi::kernels {

void matvec(float* out, const Tensor& W, const float* x) {
  if (gguf_matvec(out, W, x)) return;  // Q4_1/Q5_x/K-quants (engines/kernels/gguf_*.cpp)
  ref::matvec(out, W, x);
}

void matmul(float* out, const Tensor& W, const float* x, int n) {
  for (int t = 0; t < n; t++) {
    matvec(out + size_t(t) * size_t(W.rows), W, x + size_t(t) * size_t(W.cols));
  }
}

}  // namespace inferpi::kernels
