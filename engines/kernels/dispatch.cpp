#include "engines/core/kernels.h"
#include "engines/core/ops.h"

namespace inferpi::kernels {

void matvec(float* out, const Tensor& W, const float* x) { ref::matvec(out, W, x); }

void matmul(float* out, const Tensor& W, const float* x, int n) {
  for (int t = 0; t < n; t++) {
    ref::matvec(out + size_t(t) * size_t(W.rows), W, x + size_t(t) * size_t(W.cols));
  }
}

}  // namespace inferpi::kernels
