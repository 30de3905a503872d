#include "engines/core/tensor.h"

namespace inferpi {

float tensor_get(const Tensor& t, int64_t r, int64_t c) {
  const uint8_t* row = t.row(r);
  switch (t.type) {
    case DType::F32:
      return reinterpret_cast<const float*>(row)[c];
    case DType::F16:
      return f16_to_f32(load_u16(row + 2 * c));
    case DType::BF16:
      return bf16_to_f32(load_u16(row + 2 * c));
    default: {
      float tmp[256];  // largest block; dequantize the block holding c
      const DTypeInfo* info = dtype_info(t.type);
      int64_t block = c / info->block_elems;
      Tensor one_block{row + block * info->block_bytes, t.type, 1, info->block_elems};
      tensor_dequantize_row(one_block, 0, tmp);
      return tmp[c % info->block_elems];
    }
  }
}

void tensor_dequantize_row(const Tensor& t, int64_t r, float* out) {
  const uint8_t* row = t.row(r);
  const int64_t n = t.cols;
  switch (t.type) {
    case DType::F32:
      memcpy(out, row, size_t(n) * 4);
      return;
    case DType::F16:
      for (int64_t i = 0; i < n; i++) out[i] = f16_to_f32(load_u16(row + 2 * i));
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; i++) out[i] = bf16_to_f32(load_u16(row + 2 * i));
      return;
    case DType::Q8_0:  // block: f16 d, int8 q[32]; x = d * q
      for (int64_t b = 0; b < n / 32; b++) {
        const uint8_t* blk = row + b * 34;
        float d = f16_to_f32(load_u16(blk));
        for (int i = 0; i < 32; i++) out[b * 32 + i] = d * float(int8_t(blk[2 + i]));
      }
      return;
    case DType::Q4_0:  // block: f16 d, 16 bytes of nibbles; low nibbles are elements 0..15
      for (int64_t b = 0; b < n / 32; b++) {
        const uint8_t* blk = row + b * 18;
        float d = f16_to_f32(load_u16(blk));
        for (int i = 0; i < 16; i++) {
          out[b * 32 + i] = d * float(int(blk[2 + i] & 0x0f) - 8);
          out[b * 32 + i + 16] = d * float(int(blk[2 + i] >> 4) - 8);
        }
      }
      return;
    default:
      dequantize_row_extended(t.type, row, n, out);
      return;
  }
}

}  // namespace inferpi
