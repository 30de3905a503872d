// LlamaConfig + LlamaWeights: everything the Llama engine runs from. Loaders fill them from a
// file (our model.bin, llama2.c model.bin v0/v1 in llama_loader.cpp; GGUF in engines/gguf/);
// the engine never looks at a file format. Weights are views into the loaded file.
#pragma once
#include <cstdint>

#include "engines/core/chat_templates.h"
#include "engines/core/tensor.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

// Which components of a head rotate together (docs/formats.md §3.2, §6.7).
enum class RopePairing : uint32_t {
  Interleaved = 0,  // (2i, 2i+1): llama2.c, Meta, GGUF "llama" (HF Q/K rows permuted)
  HalfSplit = 1,    // (i, i + head_dim/2): HF rotate_half, GGUF "qwen2" (NeoX)
};

enum class TokenizerKind : uint32_t {
  None = 0,           // the model file carries its own (GGUF): the loader supplies it
  SentencePiece = 1,  // llama2.c tokenizer.bin (+ our trailer)
  ByteLevelBpe = 2,   // our BPE tokenizer.bin (HF tokenizer.json byte-level models)
};

struct LlamaConfig {
  char architecture[16] = {};  // "llama", "qwen2" (for display)
  int dim = 0;                 // D, hidden size
  int hidden_dim = 0;          // F, FFN inner size
  int n_layers = 0;            // L
  int n_heads = 0;             // H, query heads
  int n_kv_heads = 0;          // KV heads (GQA: H % KV == 0)
  int head_dim = 0;            // hs (usually D / H)
  int vocab_size = 0;          // V
  int context_length = 0;      // positions the model was trained for
  float rope_theta = 10000.0f;
  float rms_eps = 1e-5f;
  RopePairing rope_pairing = RopePairing::Interleaved;
  bool tied_output = false;  // classifier = token embedding
  bool qkv_bias = false;     // Qwen2: biases on q/k/v projections
  bool add_bos = true;       // BOS starts a conversation
  int bos_id = -1, eos_id = -1;
  static constexpr int kMaxStops = 4;
  int stop_ids[kMaxStops] = {-1, -1, -1, -1};
  int n_stop_ids = 0;
  TokenizerKind tokenizer = TokenizerKind::SentencePiece;
  ChatTemplateId chat_template = ChatTemplateId::Completion;
};

struct LlamaLayerWeights {
  Tensor attn_norm;     // [1, D]
  Tensor wq, wk, wv;    // [H*hs, D], [KV*hs, D], [KV*hs, D]
  Tensor bq, bk, bv;    // [1, H*hs], [1, KV*hs], [1, KV*hs] (empty unless qkv_bias)
  Tensor wo;            // [D, H*hs]
  Tensor ffn_norm;      // [1, D]
  Tensor w_gate, w_up;  // [F, D]
  Tensor w_down;        // [D, F]
};

struct LlamaWeights {
  Tensor token_embd;          // [V, D]
  LlamaLayerWeights* layers;  // n_layers entries (arena)
  Tensor output_norm;         // [1, D]
  Tensor output;              // [V, D] (= token_embd when tied)
};

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
