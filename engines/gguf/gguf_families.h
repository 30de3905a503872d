// The GGUF architectures the Llama engine runs and what each one changes in LlamaConfig
// (llama.cpp's loader, src/llama-model.cpp, is the reference for keys and defaults;
// docs/formats.md "Architectures and keys").
#pragma once
#include "engines/gguf/gguf.h"
#include "engines/llama/llama_config.h"

namespace inferpi::gguf {

// ok for "llama", "qwen2", "qwen3", "gemma3"; else the one-line reason the menu shows:
// "unsupported: architecture 'x' (InferPi runs llama, qwen2, qwen3 and gemma3 GGUFs)".
Status check_architecture(const char* arch);

// The family part of the config, after the common sizes (dim, heads, head_dim, theta, eps)
// are read: RoPE pairing and scaling, biases, q/k norms, Gemma3's sandwich norms, GeGLU,
// embedding scale, attention scale and sliding-window layers. "unsupported: …" for
// variants we cannot run.
Status family_config_from_gguf(const GgufFile& f, const char* arch, LlamaConfig* c);

}  // namespace inferpi::gguf
