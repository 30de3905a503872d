// Gpt2Engine: nanochat's GPT (docs/nanochat.md §3) for every checkpoint variant V0..V4,
// driven by the explicit fields of model.bin (gpt2_model.h). fp32 activations and KV
// cache; weights are used in place in whatever type the file holds.
#pragma once
#include <new>  // engine.h's arena_new uses placement new

#include "engines/core/engine.h"
#include "engines/gpt2/gpt2_model.h"
#include "engines/gpt2/nanochat_chat.h"
#include "engines/tokenizers/tiktoken.h"

namespace inferpi {

extern const EngineFactory kGpt2EngineFactory;

class Gpt2Engine final : public Engine {
 public:
  static constexpr int kChunk = 64;  // prefill rows per batched matmul (weights read once)

  Status init(const ModelFiles& files, const EngineOptions& options, Arena& arena);

  const ModelInfo& info() const override { return info_; }
  const Tokenizer& tokenizer() const override { return tokenizer_; }
  ChatFormat& chat_format() override { return chat_; }
  int position() const override { return pos_; }
  int context_length() const override { return ctx_; }
  void reset() override { pos_ = 0; }  // also forgets the smear state (it needs pos_ > 0)
  Status forward(const int* tokens, int n, float* all_logits = nullptr) override;
  const float* logits() const override { return logits_; }
  Status skip_for_benchmark(int n) override;

  const gpt2::Config& config() const { return cfg_; }

 private:
  struct Layer {
    Tensor c_q, c_k, c_v, c_proj, c_fc, mlp_proj;
    Tensor value_embed, ve_gate;  // empty unless has_ve
  };
  void forward_chunk(const int* tokens, int n, float* out_logits);
  void embed(const int* tokens, int n);
  void attention(const Layer& L, int layer, const int* tokens, int n);
  void mlp(const Layer& L, int n);
  void norm_rows(float* out, const float* x, int n, int width);

  gpt2::ModelFile file_;
  gpt2::Config cfg_{};
  ModelInfo info_;
  TiktokenTokenizer tokenizer_;
  NanochatChatFormat chat_;
  int ctx_ = 0;
  int pos_ = 0;

  // Weights (views into the loaded file).
  Tensor wte_, lm_head_;
  Layer* layers_ = nullptr;
  float resid_lambdas_[gpt2::kMaxLayers], x0_lambdas_[gpt2::kMaxLayers];
  float smear_gate_[64] = {}, smear_lambda_ = 0, backout_lambda_ = 0;

  // State carried between calls: KV cache and the previous token's normalized embedding.
  KvCache kv_;                 // [n_layer][ctx][kv_dim] keys and values
  float* prev_emb_ = nullptr;  // [dim]
  float* rope_cos_ = nullptr;  // [ctx][head_dim/2]
  float* rope_sin_ = nullptr;

  // Scratch for one chunk of kChunk rows.
  float *x_, *x0_, *emb_, *h_, *q_, *k_, *v_, *y_, *hid_, *backout_, *scores_, *ve_row_;
  float* chunk_logits_ = nullptr;  // [kChunk][padded_vocab]
  float* logits_ = nullptr;        // [vocab] after the last token
};

}  // namespace inferpi
