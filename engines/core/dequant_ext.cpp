#include "engines/core/tensor.h"

namespace inferpi {

// The GGUF work adds Q4_1/Q5_0/Q5_1/Q4_K/Q5_K/Q6_K here. Until a type is implemented,
// model loaders refuse it with "unsupported tensor type", so this is never reached with
// one; NaNs make a mistake impossible to miss in any test.
void dequantize_row_extended(DType, const uint8_t*, int64_t n, float* out) {
  for (int64_t i = 0; i < n; i++) out[i] = __builtin_nanf("");
}

}  // namespace inferpi
