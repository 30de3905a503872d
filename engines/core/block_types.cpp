// The block-type table and the scalar reference decoders (docs/formats.md §6.8). These
// define what every fast kernel must reproduce. Byte layouts are ggml's.
#include "engines/core/block_types.h"

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

// Q8_0 (34 B / 32): d | int8 q[32]; x = d * q.
void dequantize_block_q8_0(const uint8_t* b, float* y) {
  float d = h(b);
  for (int i = 0; i < 32; i++) y[i] = d * float(int8_t(b[2 + i]));
}

// Q4_0 (18 B / 32): d | 16 bytes of nibbles (low nibbles = elements 0..15), minus 8.
void dequantize_block_q4_0(const uint8_t* b, float* y) {
  float d = h(b);
  for (int i = 0; i < 16; i++) {
    y[i] = d * float(int(b[2 + i] & 0x0f) - 8);
    y[i + 16] = d * float(int(b[2 + i] >> 4) - 8);
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
// Q5_K (176 B / 256): d | dmin | scales[12] | qh[32] | qs[128]; like Q4_K plus a 5th bit:
// bit j of qh[l] belongs to element 32·j + l.
template <bool kFifthBit>
void dequantize_block_k45(const uint8_t* b, float* y) {
  float d = h(b), dmin = h(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* qs = kFifthBit ? b + 48 : b + 16;
  for (int c = 0; c < 4; c++) {
    uint8_t sc0, m0, sc1, m1;
    k_scale_min(2 * c, scales, &sc0, &m0);
    k_scale_min(2 * c + 1, scales, &sc1, &m1);
    float d0 = d * float(sc0), mm0 = dmin * float(m0);
    float d1 = d * float(sc1), mm1 = dmin * float(m1);
    for (int l = 0; l < 32; l++) {
      int q0 = qs[32 * c + l] & 15, q1 = qs[32 * c + l] >> 4;
      if (kFifthBit) {
        q0 |= ((qh[l] >> (2 * c)) & 1) << 4;
        q1 |= ((qh[l] >> (2 * c + 1)) & 1) << 4;
      }
      y[64 * c + l] = d0 * float(q0) - mm0;
      y[64 * c + 32 + l] = d1 * float(q1) - mm1;
    }
  }
}
void dequantize_block_q4_k(const uint8_t* b, float* y) { dequantize_block_k45<false>(b, y); }
void dequantize_block_q5_k(const uint8_t* b, float* y) { dequantize_block_k45<true>(b, y); }

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

// ---- the table ---------------------------------------------------------------------------

namespace {

// Runs of blocks: the plain float types element by element, the quantized ones block by block
// (the block decoder inlined into the loop).
void decode_f32(const uint8_t* src, int64_t n, float* out) { memcpy(out, src, size_t(n) * 4); }
void decode_f16(const uint8_t* src, int64_t n, float* out) {
  for (int64_t i = 0; i < n; i++) out[i] = f16_to_f32(load_u16(src + 2 * i));
}
void decode_bf16(const uint8_t* src, int64_t n, float* out) {
  for (int64_t i = 0; i < n; i++) out[i] = bf16_to_f32(load_u16(src + 2 * i));
}
template <void (*Block)(const uint8_t*, float*), uint32_t Elems, uint32_t Bytes>
void decode_blocks(const uint8_t* src, int64_t n, float* out) {
  for (int64_t b = 0; b < n; b++) Block(src + b * Bytes, out + b * Elems);
}

// Each quantized type's geometry is spelled once: here.
#define INFERPI_BLOCK_TYPE(T, name, elems, bytes, block) \
  DTypeInfo { DType::T, name, elems, bytes, decode_blocks<block, elems, bytes> }
constexpr DTypeInfo kTypes[] = {
    {DType::F32, "f32", 1, 4, decode_f32},
    {DType::F16, "f16", 1, 2, decode_f16},
    {DType::BF16, "bf16", 1, 2, decode_bf16},
    INFERPI_BLOCK_TYPE(Q8_0, "q8_0", 32, 34, dequantize_block_q8_0),
    INFERPI_BLOCK_TYPE(Q4_0, "q4_0", 32, 18, dequantize_block_q4_0),
    INFERPI_BLOCK_TYPE(Q4_1, "q4_1", 32, 20, dequantize_block_q4_1),
    INFERPI_BLOCK_TYPE(Q5_0, "q5_0", 32, 22, dequantize_block_q5_0),
    INFERPI_BLOCK_TYPE(Q5_1, "q5_1", 32, 24, dequantize_block_q5_1),
    INFERPI_BLOCK_TYPE(Q4_K, "q4_K", 256, 144, dequantize_block_q4_k),
    INFERPI_BLOCK_TYPE(Q5_K, "q5_K", 256, 176, dequantize_block_q5_k),
    INFERPI_BLOCK_TYPE(Q6_K, "q6_K", 256, 210, dequantize_block_q6_k),
};
#undef INFERPI_BLOCK_TYPE

// ggml ids are small: index them directly (dtype_info is on every matvec's path).
constexpr uint32_t kMaxId = 31;
struct TypesById {
  const DTypeInfo* by_id[kMaxId + 1] = {};
  constexpr TypesById() {
    for (const DTypeInfo& t : kTypes) by_id[uint32_t(t.type)] = &t;
  }
};
constexpr TypesById kById;

}  // namespace

const DTypeInfo* dtype_info(uint32_t id) { return id <= kMaxId ? kById.by_id[id] : nullptr; }

const char* dtype_name(DType t) {
  const DTypeInfo* info = dtype_info(t);
  return info ? info->name : "unknown";
}

size_t dtype_row_bytes(DType t, uint64_t cols) {
  const DTypeInfo* info = dtype_info(t);
  if (!info || cols % info->block_elems) return 0;
  return size_t(cols / info->block_elems) * info->block_bytes;
}

}  // namespace inferpi
