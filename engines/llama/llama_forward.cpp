// The Llama forward pass (llama2.c's run.c shape, batched over a chunk of T tokens).
#include <cstring>

#include "engines/core/ops.h"
#include "engines/llama/llama_engine.h"
#include "runtime/core/kmath.h"

namespace inferpi {

void LlamaEngine::forward_chunk(const int* tokens, int T, int pos0, float* chunk_logits,
                                bool last) {
  const LlamaConfig& c = config_;
  LlamaState& s = state_;
  const int D = c.dim, F = c.hidden_dim, hs = c.head_dim;
  const int q_dim = c.n_heads * hs, kv_dim = c.n_kv_heads * hs;
  const float scale = 1.0f / kmath::sqrtf(float(hs));

  // Token embeddings and the rotary tables of this chunk's positions.
  for (int t = 0; t < T; t++) {
    tensor_dequantize_row(weights_.token_embd, tokens[t], s.x + size_t(t) * D);
    ops::rope_table(s.rope_cos + t * hs / 2, s.rope_sin + t * hs / 2, pos0 + t, hs,
                    double(c.rope_theta));
  }
  for (int l = 0; l < c.n_layers; l++) {
    const LlamaLayerWeights& w = weights_.layers[l];

    // Attention: RMSNorm, then q/k/v for the whole chunk (+ Qwen2 biases).
    for (int t = 0; t < T; t++) {
      ops::rmsnorm(s.xb + size_t(t) * D, s.x + size_t(t) * D, w.attn_norm, D, c.rms_eps);
    }
    ops::matmul(s.q, w.wq, s.xb, T);
    ops::matmul(s.k, w.wk, s.xb, T);
    ops::matmul(s.v, w.wv, s.xb, T);
    for (int t = 0; t < T; t++) {
      float *q = s.q + size_t(t) * q_dim, *k = s.k + size_t(t) * kv_dim;
      float* v = s.v + size_t(t) * kv_dim;
      if (c.qkv_bias) {
        ops::add_bias(q, w.bq, q_dim);
        ops::add_bias(k, w.bk, kv_dim);
        ops::add_bias(v, w.bv, kv_dim);
      }
      // RoPE on every query and key head, then k, v go into the cache at their position.
      const float *cos_t = s.rope_cos + t * hs / 2, *sin_t = s.rope_sin + t * hs / 2;
      auto rope =
          c.rope_pairing == RopePairing::Interleaved ? ops::rope_interleaved : ops::rope_half_split;
      for (int h = 0; h < c.n_heads; h++) rope(q + h * hs, cos_t, sin_t, hs);
      for (int h = 0; h < c.n_kv_heads; h++) rope(k + h * hs, cos_t, sin_t, hs);
      s.kv.store(l, pos0 + t, k, v);
    }
    // Causal attention: query head h of token t reads KV head h / kv_mul at 0..pos0+t.
    ops::AttentionChunk att{s.att,     s.q,          s.kv.keys(l), s.kv.values(l), s.kv.type(),
                            c.n_heads, c.n_kv_heads, hs,           pos0,           0,
                            scale,     s.scores,     context_};
    ops::attend_chunk(att, T);
    // Output projection and residual.
    ops::matmul(s.xb, w.wo, s.att, T);
    ops::add(s.x, s.xb, T * D);

    // Feed-forward: x += w_down(silu(w_gate(xn)) * w_up(xn)).
    for (int t = 0; t < T; t++) {
      ops::rmsnorm(s.xb + size_t(t) * D, s.x + size_t(t) * D, w.ffn_norm, D, c.rms_eps);
    }
    ops::matmul(s.hb, w.w_gate, s.xb, T);
    ops::matmul(s.hb2, w.w_up, s.xb, T);
    ops::swiglu(s.hb, s.hb2, T * F);
    ops::matmul(s.xb, w.w_down, s.hb, T);
    ops::add(s.x, s.xb, T * D);
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
  if (n <= 0) return Status::error("forward: no tokens");
  if (n > context_ - pos_) {
    return Status::error("context full: %d tokens in the cache + %d new > %d", pos_, n, context_);
  }
  for (int i = 0; i < n; i++) {
    if (tokens[i] < 0 || tokens[i] >= config_.vocab_size) {
      return Status::error("token id %d outside the vocabulary (0..%d)", tokens[i],
                           config_.vocab_size - 1);
    }
  }
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
