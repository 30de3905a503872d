// Scalar reference dequantizers for the GGUF block types beyond Q8_0/Q4_0 (docs/formats.md
// §6.8). These define what every fast kernel must reproduce. Byte layouts are ggml's.
#include "engines/core/dequant_ext.h"

#include "engines/core/tensor.h"

namespace inferpi {

namespace {

inline float h(const uint8_t* p) { return f16_to_f32(load_u16(p)); }

inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

}  // namespace

void k_scale_min(int j, const uint8_t* scales, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = scales[j] & 63;
    *m = scales[j + 4] & 63;
  } else {
    *sc = uint8_t((scales[j + 4] & 15) | ((scales[j - 4] >> 6) << 4));
    *m = uint8_t((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
  }
}

// Q4_1 (20 B / 32): d | m | 16 bytes of nibbles (low nibbles = elements 0..15).
void dequantize_block_q4_1(const uint8_t* b, float* y) {
  float d = h(b), m = h(b + 2);
  const uint8_t* qs = b + 4;
  for (int j = 0; j < 16; j++) {
    y[j] = d * float(qs[j] & 15) + m;
    y[j + 16] = d * float(qs[j] >> 4) + m;
  }
}

// Q5_0 (22 B / 32): d | qh (uint32, bit j = 5th bit of element j) | 16 bytes of nibbles.
void dequantize_block_q5_0(const uint8_t* b, float* y) {
  float d = h(b);
  uint32_t qh = load_u32(b + 2);
  const uint8_t* qs = b + 6;
  for (int j = 0; j < 16; j++) {
    int lo = int((qs[j] & 15) | (((qh >> j) & 1) << 4)) - 16;
    int hi = int((qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
    y[j] = d * float(lo);
    y[j + 16] = d * float(hi);
  }
}

// Q5_1 (24 B / 32): d | m | qh | 16 bytes of nibbles; unsigned 5-bit values plus m.
void dequantize_block_q5_1(const uint8_t* b, float* y) {
  float d = h(b), m = h(b + 2);
  uint32_t qh = load_u32(b + 4);
  const uint8_t* qs = b + 8;
  for (int j = 0; j < 16; j++) {
    uint32_t lo = (qs[j] & 15) | (((qh >> j) & 1) << 4);
    uint32_t hi = (qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    y[j] = d * float(lo) + m;
    y[j + 16] = d * float(hi) + m;
  }
}

// Q4_K (144 B / 256): d | dmin | scales[12] | qs[128]. Eight sub-blocks of 32 with 6-bit
// scale and min; 64 elements share 32 bytes (low nibbles first, then high nibbles).
void dequantize_block_q4_k(const uint8_t* b, float* y) {
  float d = h(b), dmin = h(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qs = b + 16;
  for (int c = 0; c < 4; c++) {
    uint8_t sc0, m0, sc1, m1;
    k_scale_min(2 * c, scales, &sc0, &m0);
    k_scale_min(2 * c + 1, scales, &sc1, &m1);
    float d0 = d * float(sc0), mm0 = dmin * float(m0);
    float d1 = d * float(sc1), mm1 = dmin * float(m1);
    for (int l = 0; l < 32; l++) {
      y[64 * c + l] = d0 * float(qs[32 * c + l] & 15) - mm0;
      y[64 * c + 32 + l] = d1 * float(qs[32 * c + l] >> 4) - mm1;
    }
  }
}

// Q5_K (176 B / 256): d | dmin | scales[12] | qh[32] | qs[128]; like Q4_K plus a 5th bit:
// bit j of qh[l] belongs to element 32·j + l.
void dequantize_block_q5_k(const uint8_t* b, float* y) {
  float d = h(b), dmin = h(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* qs = b + 48;
  for (int c = 0; c < 4; c++) {
    uint8_t sc0, m0, sc1, m1;
    k_scale_min(2 * c, scales, &sc0, &m0);
    k_scale_min(2 * c + 1, scales, &sc1, &m1);
    float d0 = d * float(sc0), mm0 = dmin * float(m0);
    float d1 = d * float(sc1), mm1 = dmin * float(m1);
    for (int l = 0; l < 32; l++) {
      int q0 = (qs[32 * c + l] & 15) | (((qh[l] >> (2 * c)) & 1) << 4);
      int q1 = (qs[32 * c + l] >> 4) | (((qh[l] >> (2 * c + 1)) & 1) << 4);
      y[64 * c + l] = d0 * float(q0) - mm0;
      y[64 * c + 32 + l] = d1 * float(q1) - mm1;
    }
  }
}

// Q6_K (210 B / 256): ql[128] | qh[64] | int8 scales[16] | d. Two halves of 128; in each,
// element 32·g + l takes a nibble of ql and two bits of qh, minus 32; one scale per 16.
void dequantize_block_q6_k(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  float d = h(b + 208);
  for (int half = 0; half < 2; half++) {
    const uint8_t* lq = ql + 64 * half;
    const uint8_t* hq = qh + 32 * half;
    float* out = y + 128 * half;
    const int8_t* s = sc + 8 * half;
    for (int l = 0; l < 32; l++) {
      int q0 = int((lq[l] & 15) | (((hq[l] >> 0) & 3) << 4)) - 32;
      int q1 = int((lq[l + 32] & 15) | (((hq[l] >> 2) & 3) << 4)) - 32;
      int q2 = int((lq[l] >> 4) | (((hq[l] >> 4) & 3) << 4)) - 32;
      int q3 = int((lq[l + 32] >> 4) | (((hq[l] >> 6) & 3) << 4)) - 32;
      int is = l / 16;
      out[l] = d * float(s[is]) * float(q0);
      out[l + 32] = d * float(s[is + 2]) * float(q1);
      out[l + 64] = d * float(s[is + 4]) * float(q2);
      out[l + 96] = d * float(s[is + 6]) * float(q3);
    }
  }
}

void dequantize_row_extended(DType type, const uint8_t* row, int64_t n, float* out) {
  void (*block)(const uint8_t*, float*) = nullptr;
  switch (type) {
    case DType::Q4_1:
      block = dequantize_block_q4_1;
      break;
    case DType::Q5_0:
      block = dequantize_block_q5_0;
      break;
    case DType::Q5_1:
      block = dequantize_block_q5_1;
      break;
    case DType::Q4_K:
      block = dequantize_block_q4_k;
      break;
    case DType::Q5_K:
      block = dequantize_block_q5_k;
      break;
    case DType::Q6_K:
      block = dequantize_block_q6_k;
      break;
    default:
      // Loaders refuse unknown types before a tensor is ever used; NaNs make a mistake
      // impossible to miss in any test.
      for (int64_t i = 0; i < n; i++) out[i] = __builtin_nanf("");
      return;
  }
  const DTypeInfo* info = dtype_info(type);
  for (int64_t b = 0; b < n / info->block_elems; b++) {
    block(row + b * info->block_bytes, out + b * info->block_elems);
  }
}

}  // namespace inferpi
