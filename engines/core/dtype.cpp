#include "engines/core/dtype.h"

namespace inferpi {

const DTypeInfo* dtype_info(uint32_t id) {
  static const DTypeInfo f32{"f32", 1, 4}, f16{"f16", 1, 2}, bf16{"bf16", 1, 2},
      q4_0{"q4_0", 32, 18}, q4_1{"q4_1", 32, 20}, q5_0{"q5_0", 32, 22}, q5_1{"q5_1", 32, 24},
      q8_0{"q8_0", 32, 34}, q4_k{"q4_K", 256, 144}, q5_k{"q5_K", 256, 176}, q6_k{"q6_K", 256, 210};
  switch (DType(id)) {
    case DType::F32:
      return &f32;
    case DType::F16:
      return &f16;
    case DType::BF16:
      return &bf16;
    case DType::Q4_0:
      return &q4_0;
    case DType::Q4_1:
      return &q4_1;
    case DType::Q5_0:
      return &q5_0;
    case DType::Q5_1:
      return &q5_1;
    case DType::Q8_0:
      return &q8_0;
    case DType::Q4_K:
      return &q4_k;
    case DType::Q5_K:
      return &q5_k;
    case DType::Q6_K:
      return &q6_k;
  }
  return nullptr;
}

const char* dtype_name(DType t) {
  const DTypeInfo* info = dtype_info(t);
  return info ? info->name : "unknown";
}

size_t dtype_row_bytes(DType t, uint64_t cols) {
  const DTypeInfo* info = dtype_info(t);
  if (!info || cols % info->block_elems) return 0;
  return size_t(cols / info->block_elems) * info->block_bytes;
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal half: normalise into a float
      int e = -1;
      do {
        e++;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | (uint32_t(127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint16_t sign = uint16_t((x >> 16) & 0x8000);
  uint32_t exp = (x >> 23) & 0xff;
  uint32_t mant = x & 0x7fffff;
  if (exp == 0xff) return uint16_t(sign | 0x7c00 | (mant ? 0x200 : 0));  // inf / nan
  int e = int(exp) - 127 + 15;
  if (e >= 0x1f) return uint16_t(sign | 0x7c00);  // overflow -> inf
  if (e <= 0) {                                   // subnormal or zero half
    if (e < -10) return sign;
    mant |= 0x800000;
    uint32_t shift = uint32_t(14 - e);
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (half & 1))) half++;
    return uint16_t(sign | half);
  }
  uint32_t half = (uint32_t(e) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) half++;  // may carry into exponent: ok
  return uint16_t(sign | half);
}

uint16_t f32_to_bf16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000) return uint16_t((x >> 16) | 0x40);  // quiet nan
  x += 0x7fff + ((x >> 16) & 1);
  return uint16_t(x >> 16);
}

}  // namespace inferpi
