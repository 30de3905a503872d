// Weight element types. The numeric values are ggml's `ggml_type` ids on purpose: our
// model.bin records them per tensor and a GGUF file can be used without translation.
// Quantized types use GGUF's block layouts byte for byte (docs/formats.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace inferpi {

enum class DType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  BF16 = 30,
};

struct DTypeInfo {
  DType type;
  const char* name;
  uint32_t block_elems;  // elements per block (1 for plain float types)
  uint32_t block_bytes;  // bytes per block
  // Decodes n consecutive blocks into n * block_elems floats (the scalar reference).
  void (*decode)(const uint8_t* blocks, int64_t n, float* out);
};

// The one table of weight types (engines/core/block_types.cpp). Returns nullptr for ids we
// do not know (callers report "unsupported type N").
const DTypeInfo* dtype_info(uint32_t id);
inline const DTypeInfo* dtype_info(DType t) { return dtype_info(uint32_t(t)); }
const char* dtype_name(DType t);

// Bytes for one row of `cols` elements, or 0 if cols is not a multiple of the block size.
size_t dtype_row_bytes(DType t, uint64_t cols);

// IEEE half and bfloat16 <-> float, exact in software (same bits on every board).
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);  // round to nearest even
inline float bf16_to_f32(uint16_t b) {
  uint32_t u = uint32_t(b) << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}
uint16_t f32_to_bf16(float f);  // round to nearest even

}  // namespace inferpi
