// GGUF files of architecture `llama` (Llama-2/3, TinyLlama, SmolLM2, our exports), `qwen2`,
// `qwen3` and `gemma3` (family switches in gguf_families.cpp) → the Llama engine's
// LlamaConfig + LlamaWeights, the tokenizer from the file's metadata, and the chat template
// recognised from tokenizer.chat_template
// (docs/formats.md §6.4–§6.7, §6.10, §7 and "GGUF in InferPi").
#pragma once
#include "engines/core/tokenizer.h"
#include "engines/gguf/gguf.h"
#include "engines/llama/llama_config.h"

namespace inferpi::gguf {

// Hyperparameters, RoPE pairing (llama: interleaved, qwen2: NeoX half-split), tying,
// biases, special ids and stop ids. Anything we cannot run → "unsupported: …".
Status llama_config_from_gguf(const GgufFile& f, LlamaConfig* c);

// Tensor views into the file (the layer array comes from the arena).
Status llama_weights_from_gguf(const GgufFile& f, const LlamaConfig& c, Arena& arena,
                               LlamaWeights* w);

// tokenizer.ggml.model "llama" (SentencePiece: pieces, scores, token types, byte pieces)
// or "gpt2" (byte-level BPE: GPT-2-alphabet tokens, merges, tokenizer.ggml.pre).
Status tokenizer_from_gguf(const GgufFile& f, const LlamaConfig& c, Arena& arena, Tokenizer** out);

Status bpe_tokenizer_from_gguf(const GgufFile& f, const LlamaConfig& c, Arena& arena,
                               Tokenizer** out);

// Maps a HF Jinja chat template to one of the built-ins. Unknown (or absent) → Completion,
// with `*recognised` false so the caller can say so.
ChatTemplateId chat_template_from_jinja(const Str& jinja, bool* recognised);

}  // namespace inferpi::gguf
