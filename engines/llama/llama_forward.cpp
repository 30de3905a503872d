// The Llama forward pass (llama2.c's run.c shape, batched over a chunk of T tokens), with the
// few switches the Llama-like families need (docs/formats.md "Architectures and keys"):
// Qwen2 q/k/v biases, Qwen3/Gemma3 per-head q/k norms, Gemma3's norms after attention and
// FFN, GeGLU, sqrt(D)-scaled embeddings and sliding-window local layers with their own RoPE.
#include <cstring>

#include "engines/core/ops.h"
#include "engines/llama/llama_engine.h"
#include "runtime/core/kmath.h"

namespace inferpi {

// Token embeddings of the chunk into s.x, and the rotary tables of its positions (global
// layers; local layers have their own base and no scaling).
void LlamaEngine::embed_chunk(const int* tokens, int T, int pos0) {
  const LlamaConfig& c = config_;
  LlamaState& s = state_;
  const int D = c.dim, half = c.head_dim / 2;
  const float* divisors = weights_.rope_freqs.empty() ? nullptr : weights_.rope_freqs.f32();
  for (int t = 0; t < T; t++) {
    float* x = s.x + size_t(t) * D;
    tensor_dequantize_row(weights_.token_embd, tokens[t], x);
    if (c.scale_embeddings) {
      const float scale = kmath::sqrtf(float(D));
      for (int i = 0; i < D; i++) x[i] *= scale;
    }
    ops::rope_table(s.rope_cos + t * half, s.rope_sin + t * half, pos0 + t, c.head_dim,
                    double(c.rope_theta), c.rope_freq_scale, divisors);
    if (s.rope_cos_local) {
      ops::rope_table(s.rope_cos_local + t * half, s.rope_sin_local + t * half, pos0 + t,
                      c.head_dim, double(c.rope_theta_local));
    }
  }
}

// x += wo(attention(norm(x))) for layer l, with k and v of the chunk appended to the cache.
void LlamaEngine::attention_block(int l, int T, int pos0) {
  const LlamaConfig& c = config_;
  const LlamaLayerWeights& w = weights_.layers[l];
  LlamaState& s = state_;
  const int D = c.dim, hs = c.head_dim, half = hs / 2;
  const int q_dim = c.n_heads * hs, kv_dim = c.n_kv_heads * hs;
  const bool local = is_local_layer(c, l);

  for (int t = 0; t < T; t++) {
    ops::rmsnorm(s.xb + size_t(t) * D, s.x + size_t(t) * D, w.attn_norm, D, c.rms_eps);
  }
  ops::matmul(s.q, w.wq, s.xb, T);
  ops::matmul(s.k, w.wk, s.xb, T);
  ops::matmul(s.v, w.wv, s.xb, T);
  auto rope =
      c.rope_pairing == RopePairing::Interleaved ? ops::rope_interleaved : ops::rope_half_split;
  for (int t = 0; t < T; t++) {
    float *q = s.q + size_t(t) * q_dim, *k = s.k + size_t(t) * kv_dim;
    float* v = s.v + size_t(t) * kv_dim;
    if (c.qkv_bias) {
      ops::add_bias(q, w.bq, q_dim);
      ops::add_bias(k, w.bk, kv_dim);
      ops::add_bias(v, w.bv, kv_dim);
    }
    if (c.qk_norm) {  // each head normalized on its own, before the rotation
      for (int h = 0; h < c.n_heads; h++)
        ops::rmsnorm(q + h * hs, q + h * hs, w.q_norm, hs, c.rms_eps);
      for (int h = 0; h < c.n_kv_heads; h++)
        ops::rmsnorm(k + h * hs, k + h * hs, w.k_norm, hs, c.rms_eps);
    }
    // RoPE on every query and key head, then k, v go into the cache at their position.
    const float* cos_t = (local ? s.rope_cos_local : s.rope_cos) + t * half;
    const float* sin_t = (local ? s.rope_sin_local : s.rope_sin) + t * half;
    for (int h = 0; h < c.n_heads; h++) rope(q + h * hs, cos_t, sin_t, hs);
    for (int h = 0; h < c.n_kv_heads; h++) rope(k + h * hs, cos_t, sin_t, hs);
    s.kv.store(l, pos0 + t, k, v);
  }
  // Causal attention: query head h of token t reads KV head h / kv_mul at 0..pos0+t (local
  // layers: the last sliding_window positions, i.e. a window of sliding_window - 1 before t).
  const float scale = c.attn_scale > 0.0f ? c.attn_scale : 1.0f / kmath::sqrtf(float(hs));
  const int window = local ? c.sliding_window - 1 : 0;
  ops::AttentionChunk att{s.att,     s.q,          s.kv.keys(l), s.kv.values(l), s.kv.type(),
                          c.n_heads, c.n_kv_heads, hs,           pos0,           window,
                          scale,     s.scores,     context_};
  ops::attend_chunk(att, T);
  ops::matmul(s.xb, w.wo, s.att, T);
  add_to_residual(w.attn_post_norm, T);
}

// x += w_down(act(w_gate(xn)) * w_up(xn)), xn = norm(x); SwiGLU or GeGLU.
void LlamaEngine::ffn_block(int l, int T) {
  const LlamaConfig& c = config_;
  const LlamaLayerWeights& w = weights_.layers[l];
  LlamaState& s = state_;
  const int D = c.dim, F = c.hidden_dim;
  for (int t = 0; t < T; t++) {
    ops::rmsnorm(s.xb + size_t(t) * D, s.x + size_t(t) * D, w.ffn_norm, D, c.rms_eps);
  }
  ops::matmul(s.hb, w.w_gate, s.xb, T);
  ops::matmul(s.hb2, w.w_up, s.xb, T);
  if (c.ffn_activation == FfnActivation::GeluTanh) {
    ops::geglu_tanh(s.hb, s.hb2, T * F);
  } else {
    ops::swiglu(s.hb, s.hb2, T * F);
  }
  ops::matmul(s.xb, w.w_down, s.hb, T);
  add_to_residual(w.ffn_post_norm, T);
}

// x += the branch output in xb, normalized first where the family has post-norms (Gemma 3).
void LlamaEngine::add_to_residual(const Tensor& post_norm, int T) {
  const LlamaConfig& c = config_;
  LlamaState& s = state_;
  const int D = c.dim;
  if (c.post_norms) {
    for (int t = 0; t < T; t++) {
      float* o = s.xb + size_t(t) * D;
      ops::rmsnorm(o, o, post_norm, D, c.rms_eps);
    }
  }
  ops::add(s.x, s.xb, T * D);
}

void LlamaEngine::forward_chunk(const int* tokens, int T, int pos0, float* chunk_logits,
                                bool last) {
  const LlamaConfig& c = config_;
  LlamaState& s = state_;
  const int D = c.dim;
  embed_chunk(tokens, T, pos0);
  for (int l = 0; l < c.n_layers; l++) {
    attention_block(l, T, pos0);
    ffn_block(l, T);
  }

  // Final norm and classifier: every position when asked, else only after the last token.
  const int V = c.vocab_size;
  if (chunk_logits) {
    for (int t = 0; t < T; t++) {
      ops::rmsnorm(s.xb + size_t(t) * D, s.x + size_t(t) * D, weights_.output_norm, D, c.rms_eps);
    }
    ops::matmul(chunk_logits, weights_.output, s.xb, T);
    memcpy(s.logits, chunk_logits + size_t(T - 1) * V, size_t(V) * sizeof(float));
  } else if (last) {
    ops::rmsnorm(s.xb, s.x + size_t(T - 1) * D, weights_.output_norm, D, c.rms_eps);
    ops::matvec(s.logits, weights_.output, s.xb);
  }
}

Status LlamaEngine::forward(const int* tokens, int n, float* all_logits) {
  INFERPI_TRY(check_forward_input(tokens, n, config_.vocab_size));
  for (int t0 = 0; t0 < n; t0 += kChunk) {
    int T = n - t0 < kChunk ? n - t0 : kChunk;
    float* chunk_logits =
        all_logits ? all_logits + size_t(t0) * size_t(config_.vocab_size) : nullptr;
    forward_chunk(tokens + t0, T, pos_, chunk_logits, t0 + T == n);
    pos_ += T;
  }
  return Status::ok();
}

Status LlamaEngine::skip_for_benchmark(int n) {
  if (n < 0 || n > context_ - pos_) return Status::error("skip: %d positions do not fit", n);
  state_.kv.zero(pos_, n);
  pos_ += n;
  return Status::ok();
}

}  // namespace inferpi
