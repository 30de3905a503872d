// Tensor: a typed, read-only view of a 2-D weight matrix that lives where the model file
// was loaded (no copy). Row-major [rows, cols]; rows are `row_bytes` apart. 1-D tensors
// (norm weights, biases) are rows == 1.
#pragma once
#include <cstdint>

#include "engines/core/dtype.h"

namespace inferpi {

struct Tensor {
  const uint8_t* data = nullptr;
  DType type = DType::F32;
  int64_t rows = 0;
  int64_t cols = 0;

  size_t row_bytes() const { return dtype_row_bytes(type, uint64_t(cols)); }
  size_t bytes() const { return row_bytes() * size_t(rows); }
  const uint8_t* row(int64_t r) const { return data + size_t(r) * row_bytes(); }
  bool empty() const { return data == nullptr; }
  const float* f32() const { return reinterpret_cast<const float*>(data); }
};

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}

// Element r,c as float, any type (tests and slow paths only).
float tensor_get(const Tensor& t, int64_t r, int64_t c);
// Dequantizes one whole row into `out` (cols floats) with the type's table decoder
// (engines/core/block_types.h). Handles every DType.
void tensor_dequantize_row(const Tensor& t, int64_t r, float* out);

}  // namespace inferpi
