// Kernel dispatch: the fast implementations behind ops::matvec/matmul. The scalar build
// calls the reference; the compute work (NEON, quantized types, worker pool) replaces the
// bodies in engines/kernels/ without touching any engine.
#pragma once
#include "engines/core/tensor.h"

namespace inferpi::kernels {

void matvec(float* out, const Tensor& W, const float* x);
void matmul(float* out, const Tensor& W, const float* x, int n);

}  // namespace inferpi::kernels
