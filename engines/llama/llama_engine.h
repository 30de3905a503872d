// LlamaEngine: llama2.c / HF Llama (2, 3.x with RoPE scaling) / Qwen2 / Qwen3 / Gemma3 models
// (RMSNorm, RoPE in either pairing, GQA attention with optional q/k/v biases or q/k norms,
// sliding-window layers, SwiGLU or GeGLU FFN, tied or separate classifier).
// Runs from a LlamaConfig + LlamaWeights, whichever loader produced them.
#pragma once
#include "engines/core/engine.h"
#include "engines/llama/llama_config.h"
#include "engines/tokenizers/spm_tokenizer.h"

namespace inferpi {

// Activations for one prefill chunk and the KV cache; all allocated once at load.
struct LlamaState {
  float* x;               // [T, D] residual stream
  float* xb;              // [T, D] normalized input / projection output
  float* q;               // [T, H*hs]
  float* k;               // [T, KV*hs]
  float* v;               // [T, KV*hs]
  float* att;             // [T, H*hs] attention output (all heads)
  float* hb;              // [T, F] gate
  float* hb2;             // [T, F] up
  float* scores;          // [kAttentionWorkers, context] attention weights, one row per worker
  float* rope_cos;        // [T, hs/2] global layers
  float* rope_sin;        // [T, hs/2]
  float* rope_cos_local;  // [T, hs/2] local (sliding-window) layers; null without them
  float* rope_sin_local;
  KvCache kv;     // [L, context, KV*hs] keys and values
  float* logits;  // [V] after the last token
};

class LlamaEngine : public Engine {
 public:
  static constexpr int kChunk = 64;  // tokens per batched prefill step (weights read once)

  // Builds the engine from loaded config + weights (views) and a tokenizer.
  Status init(const LlamaConfig& config, const LlamaWeights& weights, Tokenizer* tokenizer,
              const EngineOptions& options, Arena& arena);

  const ModelInfo& info() const override { return info_; }
  const Tokenizer& tokenizer() const override { return *tokenizer_; }
  ChatFormat& chat_format() override { return *chat_; }
  int position() const override { return pos_; }
  int context_length() const override { return context_; }
  void reset() override { pos_ = 0; }
  Status forward(const int* tokens, int n, float* all_logits = nullptr) override;
  const float* logits() const override { return state_.logits; }
  Status skip_for_benchmark(int n) override;

  const LlamaConfig& config() const { return config_; }

 private:
  void forward_chunk(const int* tokens, int T, int pos0, float* chunk_logits, bool last);
  void embed_chunk(const int* tokens, int T, int pos0);
  void attention_block(int layer, int T, int pos0);
  void ffn_block(int layer, int T);
  void add_to_residual(const Tensor& post_norm, int T);
  Status choose_context(const EngineOptions& options, const Arena& arena);

  LlamaConfig config_;
  LlamaWeights weights_{};
  LlamaState state_{};
  Tokenizer* tokenizer_ = nullptr;
  ChatFormat* chat_ = nullptr;
  ModelInfo info_;
  int context_ = 0;
  int requested_context_ = 0;
  uint64_t bytes_per_position_ = 0;
  int pos_ = 0;
};

extern const EngineFactory kLlamaEngineFactory;

}  // namespace inferpi
