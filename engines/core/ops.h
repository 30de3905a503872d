// The operations a transformer forward pass is made of. Every op has a plain scalar
// reference implementation (namespace ref) that tests compare against; the functions in
// namespace ops are what engines call and may dispatch to NEON kernels and the worker pool
// (engines/kernels). Shapes are in the comments; all activations are float32.
#pragma once
#include <cstdint>

#include "engines/core/kv_cache.h"
#include "engines/core/tensor.h"

namespace inferpi {

namespace ops {

// out[r] = sum_c W[r, c] * x[c] for r in [0, W.rows).  W: [rows, cols], x: [cols].
void matvec(float* out, const Tensor& W, const float* x);
// Batched form for prefill: out[t, r] = W[r, :] . x[t, :] for t in [0, n).
// x: [n, cols] (row stride cols), out: [n, rows] (row stride rows).
void matmul(float* out, const Tensor& W, const float* x, int n);

// out = x / sqrt(mean(x^2) + eps) * weight   (weight may be empty: no scale).
void rmsnorm(float* out, const float* x, const Tensor& weight, int n, float eps);
// out = (x - mean) / sqrt(var + eps) * weight + bias (weight/bias may be empty).
void layernorm(float* out, const float* x, const Tensor& weight, const Tensor& bias, int n,
               float eps);
// In-place softmax over n values (max-subtracted).
void softmax(float* x, int n);
// x += y
void add(float* x, const float* y, int n);
// x[i] += bias[i] (bias is a 1-row tensor of any float type)
void add_bias(float* x, const Tensor& bias, int n);
// gate[i] = silu(gate[i]) * up[i]
void swiglu(float* gate, const float* up, int n);
// gate[i] = gelu_tanh(gate[i]) * up[i], GELU's tanh approximation (Gemma's GeGLU)
void geglu_tanh(float* gate, const float* up, int n);
// x[i] = relu(x[i])^2
void relu_squared(float* x, int n);

// Rotary embedding tables: cos/sin of pos * theta^(-2i/rot_dim) for i in [0, rot_dim/2).
// Scaled RoPE: the angle is further multiplied by freq_scale (linear scaling, 1/factor) and
// divided by divisors[i] when given (Llama 3's per-frequency factors, GGUF rope_freqs).
void rope_table(float* cos_out, float* sin_out, int pos, int rot_dim, double theta,
                float freq_scale = 1.0f, const float* divisors = nullptr);
// Rotate one head vector in place. Interleaved (llama2.c / GGUF llama): pairs (2i, 2i+1).
// Half-split (NeoX, HF Qwen2, nanochat): pairs (i, i + rot_dim/2).
void rope_interleaved(float* head, const float* cos_t, const float* sin_t, int rot_dim);
void rope_half_split(float* head, const float* cos_t, const float* sin_t, int rot_dim);

// Causal attention of one query head over a key/value cache.
//   q: [head_dim]; keys/values: positions [first, last] of one KV head, each row
//   `kv_stride` elements (f16 or f32, `kv_type`) apart starting at k_base/v_base (position p
//   at base + p*kv_stride); scores: scratch of at least last+1 floats; out: [head_dim].
void attend(float* out, const float* q, const void* k_base, const void* v_base, KvType kv_type,
            int kv_stride, int head_dim, int first, int last, float scale, float* scores);

// Attention of a chunk of n tokens at positions pos0.. over every query head, the
// (token, head) pairs split over the worker pool (each pair is independent, so the result
// is the same on any number of workers; one barrier). Query head h reads KV head
// h / (n_heads / n_kv_heads). window > 0 limits token p to keys [p - window, p] (nanochat's
// sliding windows); 0 = all of [0, p].
struct AttentionChunk {
  float* out;      // [n][n_heads * head_dim]
  const float* q;  // [n][n_heads * head_dim]
  const void* k;   // one layer's keys (KvCache::keys): position p at element p * kv_dim
  const void* v;   // one layer's values, same layout
  KvType kv_type;
  int n_heads, n_kv_heads, head_dim;
  int pos0, window;
  float scale;
  float* scores;  // scratch: kAttentionWorkers * context floats
  int context;
};
constexpr int kAttentionWorkers = 8;  // scratch rows; the pools have at most 8 workers
void attend_chunk(const AttentionChunk& a, int n);

float dot(const float* a, const float* b, int n);

}  // namespace ops

namespace ref {
// Scalar reference versions (one accumulator, natural order); ops:: may be faster.
void matvec(float* out, const Tensor& W, const float* x);
}  // namespace ref

}  // namespace inferpi
