// LlamaConfig + LlamaWeights: everything the Llama engine runs from. Loaders fill them from a
// file (our model.bin, llama2.c model.bin v0/v1 in llama_loader.cpp; GGUF in engines/gguf/);
// the engine never looks at a file format. Weights are views into the loaded file.
#pragma once
#include <cstdint>

#include "engines/core/chat_templates.h"
#include "engines/core/model_shape.h"
#include "engines/core/tensor.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

// Which components of a head rotate together (docs/formats.md §3.2, §6.7).
enum class RopePairing : uint32_t {
  Interleaved = 0,  // (2i, 2i+1): llama2.c, Meta, GGUF "llama" (HF Q/K rows permuted)
  HalfSplit = 1,    // (i, i + head_dim/2): HF rotate_half, GGUF "qwen2" (NeoX)
};

// The feed-forward nonlinearity applied to the gate before it multiplies the up projection.
enum class FfnActivation : uint32_t {
  SiLU = 0,      // SwiGLU: Llama, Qwen
  GeluTanh = 1,  // GeGLU with the tanh approximation of GELU: Gemma
};

enum class TokenizerKind : uint32_t {
  None = 0,           // the model file carries its own (GGUF): the loader supplies it
  SentencePiece = 1,  // llama2.c tokenizer.bin (+ our trailer)
  ByteLevelBpe = 2,   // our BPE tokenizer.bin (HF tokenizer.json byte-level models)
};

struct LlamaConfig : ModelShape {
  char architecture[16] = {};  // "llama", "qwen2", "qwen3", "gemma3" (for display)
  float rope_theta = 10000.0f;
  float rms_eps = 1e-5f;
  RopePairing rope_pairing = RopePairing::Interleaved;
  bool tied_output = false;  // classifier = token embedding
  bool qkv_bias = false;     // Qwen2: biases on q/k/v projections
  // Family variations (docs/formats.md "Architectures and keys"); all off = Llama 2.
  bool qk_norm = false;           // Qwen3, Gemma3: RMSNorm of every q and k head (before RoPE)
  bool post_norms = false;        // Gemma3: RMSNorm of the attention and FFN outputs
  bool scale_embeddings = false;  // Gemma: token embeddings multiplied by sqrt(D)
  FfnActivation ffn_activation = FfnActivation::SiLU;
  float attn_scale = 0.0f;       // q.k multiplier; 0 = 1/sqrt(head_dim)
  float rope_freq_scale = 1.0f;  // linear RoPE scaling: angles x this (1/factor), global layers
  // Interleaved local/global attention (Gemma3). Local layers see the last `sliding_window`
  // positions (their own included) and rotate with rope_theta_local; layer l is global when
  // (l + 1) % sliding_pattern == 0. sliding_window 0 = every layer global.
  int sliding_window = 0;
  int sliding_pattern = 0;
  float rope_theta_local = 0.0f;
  bool add_bos = true;  // BOS starts a conversation
  int bos_id = -1, eos_id = -1;
  static constexpr int kMaxStops = 4;
  int stop_ids[kMaxStops] = {-1, -1, -1, -1};
  int n_stop_ids = 0;
  TokenizerKind tokenizer = TokenizerKind::SentencePiece;
  ChatTemplateId chat_template = ChatTemplateId::Completion;
};

struct LlamaLayerWeights {
  Tensor attn_norm;       // [1, D]
  Tensor wq, wk, wv;      // [H*hs, D], [KV*hs, D], [KV*hs, D]
  Tensor bq, bk, bv;      // [1, H*hs], [1, KV*hs], [1, KV*hs] (empty unless qkv_bias)
  Tensor q_norm, k_norm;  // [1, hs] per-head RMSNorm weights (empty unless qk_norm)
  Tensor wo;              // [D, H*hs]
  Tensor attn_post_norm;  // [1, D] (empty unless post_norms)
  Tensor ffn_norm;        // [1, D]
  Tensor w_gate, w_up;    // [F, D]
  Tensor w_down;          // [D, F]
  Tensor ffn_post_norm;   // [1, D] (empty unless post_norms)
};

struct LlamaWeights {
  Tensor token_embd;          // [V, D]
  LlamaLayerWeights* layers;  // n_layers entries (arena)
  Tensor output_norm;         // [1, D]
  Tensor output;              // [V, D] (= token_embd when tied)
  Tensor rope_freqs;          // [1, hs/2] f32 divisors of the RoPE frequencies (Llama 3
                              // scaling), global layers; empty = none
};

// Whether layer l attends through a sliding window (Gemma3's local layers).
inline bool is_local_layer(const LlamaConfig& c, int l) {
  return c.sliding_window > 0 && c.sliding_pattern > 0 && (l + 1) % c.sliding_pattern != 0;
}

// Range checks on the header numbers, before anything is sized from them.
Status validate_llama_config(const LlamaConfig& c);
// Every tensor present with the shape the config implies and a type we can compute with.
Status check_llama_weights(const LlamaConfig& c, const LlamaWeights& w);

// Model formats the Llama engine reads (llama_loader.cpp).
enum class LlamaFileFormat { Unknown, InferPi, Llama2cV0, Llama2cV1 };
LlamaFileFormat detect_llama_format(const uint8_t* head, size_t head_size);
// The weight type of a llama2.c v0 file from its exact size (fp32 or fp16); false when the
// size fits neither (the loader then says why).
bool llama2c_v0_dtype(const uint8_t* head, size_t head_size, uint64_t file_size, DType* out);
// Parses `file` (size bytes) into config + weight views (the layer array comes from arena).
Status load_llama_model(const uint8_t* file, size_t size, Arena& arena, LlamaConfig* config,
                        LlamaWeights* weights);

}  // namespace inferpi
