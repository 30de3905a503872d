// The weight block types: one table (size, bytes, decoder) every consumer uses, and the
// scalar reference decoder of each block layout (docs/formats.md §6.8; ggml's byte layouts).
// The NEON and row kernels in engines/kernels/ are tested against these decoders.
#pragma once
#include <cstdint>

#include "engines/core/dtype.h"

namespace inferpi {

// One block in, DTypeInfo::block_elems floats out.
void dequantize_block_q8_0(const uint8_t* block, float* y);  // 32 values
void dequantize_block_q4_0(const uint8_t* block, float* y);  // 32
void dequantize_block_q4_1(const uint8_t* block, float* y);  // 32
void dequantize_block_q5_0(const uint8_t* block, float* y);  // 32
void dequantize_block_q5_1(const uint8_t* block, float* y);  // 32
void dequantize_block_q4_k(const uint8_t* block, float* y);  // 256
void dequantize_block_q5_k(const uint8_t* block, float* y);  // 256
void dequantize_block_q6_k(const uint8_t* block, float* y);  // 256

// K-quant sub-block j (0..7) 6-bit scale and min from the 12 packed bytes of Q4_K/Q5_K.
void k_scale_min(int j, const uint8_t* scales, uint8_t* sc, uint8_t* m);

}  // namespace inferpi
