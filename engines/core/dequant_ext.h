// Block dequantizers for Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K (docs/formats.md §6.8):
// one block of the type's bytes in, block_elems floats out. The scalar reference that the
// NEON kernels in engines/kernels/gguf_*.cpp are tested against.
#pragma once
#include <cstdint>

namespace inferpi {

void dequantize_block_q4_1(const uint8_t* block, float* y);  // 32 values
void dequantize_block_q5_0(const uint8_t* block, float* y);  // 32
void dequantize_block_q5_1(const uint8_t* block, float* y);  // 32
void dequantize_block_q4_k(const uint8_t* block, float* y);  // 256
void dequantize_block_q5_k(const uint8_t* block, float* y);  // 256
void dequantize_block_q6_k(const uint8_t* block, float* y);  // 256

// K-quant sub-block j (0..7) 6-bit scale and min from the 12 packed bytes of Q4_K/Q5_K.
void k_scale_min(int j, const uint8_t* scales, uint8_t* sc, uint8_t* m);

}  // namespace inferpi
