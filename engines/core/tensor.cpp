#include "engines/core/tensor.h"

namespace inferpi {

float tensor_get(const Tensor& t, int64_t r, int64_t c) {
  const uint8_t* row = t.row(r);
  switch (t.type) {  // the plain types inline: norms read their weights element by element
    case DType::F32:
      return reinterpret_cast<const float*>(row)[c];
    case DType::F16:
      return f16_to_f32(load_u16(row + 2 * c));
    case DType::BF16:
      return bf16_to_f32(load_u16(row + 2 * c));
    default: {
      const DTypeInfo* info = dtype_info(t.type);
      if (!info) return __builtin_nanf("");
      float block[256];  // the largest block: decode the one holding c
      info->decode(row + c / info->block_elems * info->block_bytes, 1, block);
      return block[c % info->block_elems];
    }
  }
}

void tensor_dequantize_row(const Tensor& t, int64_t r, float* out) {
  const DTypeInfo* info = dtype_info(t.type);
  if (!info) {
    // Loaders refuse unknown types before a tensor is ever used; NaNs make a mistake
    // impossible to miss in any test.
    for (int64_t i = 0; i < t.cols; i++) out[i] = __builtin_nanf("");
    return;
  }
  info->decode(t.row(r), t.cols / info->block_elems, out);
}

}  // namespace inferpi
