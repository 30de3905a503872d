#include "engines/gguf/gguf_families.h"

#include "runtime/core/format.h"
#include "runtime/core/kmath.h"

namespace inferpi::gguf {

namespace {

const char* const kArchitectures[] = {"llama", "qwen2", "qwen3", "gemma3"};

bool streq(const char* a, const char* b) { return strcmp(a, b) == 0; }

const char* arch_key(char* buf, size_t cap, const char* arch, const char* suffix) {
  format(buf, cap, "%s.%s", arch, suffix);
  return buf;
}

// Linear RoPE scaling (`<arch>.rope.scaling.type` linear + factor): angles × 1/factor, as
// llama.cpp's freq_scale. YaRN and LongRoPE change more than the frequencies: refused.
Status rope_scaling(const GgufFile& f, const char* arch, LlamaConfig* c) {
  char key[96];
  Str type{};
  const bool typed = f.get_string(arch_key(key, sizeof key, arch, "rope.scaling.type"), &type);
  if (typed && !type.equals("none") && !type.equals("linear")) {
    char s[24];
    return Status::error("unsupported: rope scaling '%s' (InferPi does linear and Llama 3)",
                         type.copy_to(s, sizeof s));
  }
  double factor = 0;
  if (!f.get_float(arch_key(key, sizeof key, arch, "rope.scaling.factor"), &factor)) {
    f.get_float(arch_key(key, sizeof key, arch, "rope.scale_linear"), &factor);
  }
  if (typed && type.equals("none")) factor = 0;
  if (factor != 0.0 && factor != 1.0) {
    if (!(factor > 0.0 && factor < 1e6)) return Status::error("rope scaling factor %g", factor);
    c->rope_freq_scale = float(1.0 / factor);
  }
  return Status::ok();
}

// Gemma3 (llama.cpp LLM_ARCH_GEMMA3): sandwich norms, q/k norms, GeGLU, sqrt(D)-scaled
// embeddings; every 6th layer global, the others local with a sliding window and RoPE base
// 10000 (unscaled); q scaled by 1/sqrt(head_dim), or 1/sqrt(D/H) for the 62-layer 27B.
Status gemma3_config(const GgufFile& f, LlamaConfig* c) {
  c->qk_norm = c->post_norms = c->scale_embeddings = true;
  c->ffn_activation = FfnActivation::GeluTanh;
  c->attn_scale = 1.0f / kmath::sqrtf(float(c->n_layers == 62 ? c->dim / c->n_heads : c->head_dim));
  uint64_t window = 0;
  Status st;
  if (f.get_uint("gemma3.attention.sliding_window", &window, &st) && window > 0) {
    if (window > 0x7fffffff) return Status::error("gemma3.attention.sliding_window out of range");
    c->sliding_window = int(window);
    c->sliding_pattern = 6;
    c->rope_theta_local = 10000.0f;
    double base = 0;
    if (f.get_float("gemma3.rope.freq_base_swa", &base) && base > 0)
      c->rope_theta_local = float(base);
  } else if (!st) {
    return st;
  }
  double softcap = 0;
  if (f.get_float("gemma3.final_logit_softcapping", &softcap) && softcap != 0.0) {
    return Status::error("unsupported: gemma3 final logit softcapping %g", softcap);
  }
  return Status::ok();
}

}  // namespace

Status check_architecture(const char* arch) {
  for (const char* a : kArchitectures) {
    if (streq(a, arch)) return Status::ok();
  }
  return Status::error(
      "unsupported: architecture '%s' (InferPi runs llama, qwen2, qwen3 and gemma3 GGUFs)", arch);
}

Status family_config_from_gguf(const GgufFile& f, const char* arch, LlamaConfig* c) {
  INFERPI_TRY(check_architecture(arch));
  const bool llama = streq(arch, "llama"), qwen2 = streq(arch, "qwen2");
  INFERPI_TRY(rope_scaling(f, arch, c));
  // Llama 3.1/3.2: per-frequency divisors in a tensor (the weights loader maps it).
  if (f.find_tensor("rope_freqs.weight") && !llama) {
    return Status::error("unsupported: rope_freqs.weight in a %s file", arch);
  }
  // GGUF llama Q/K rows are already in interleaved (NORM) order; the other families are in
  // HF order and llama.cpp rotates them NeoX-style (docs/formats.md §6.7).
  c->rope_pairing = llama ? RopePairing::Interleaved : RopePairing::HalfSplit;
  c->tied_output = f.find_tensor("output.weight") == nullptr;
  c->qkv_bias = f.find_tensor("blk.0.attn_q.bias") != nullptr;
  if (qwen2 && !c->qkv_bias) return Status::error("qwen2 file without blk.0.attn_q.bias");
  if (!llama && !qwen2 && c->qkv_bias) {
    return Status::error("unsupported: q/k/v biases in a %s file", arch);
  }
  if (f.find_tensor("blk.0.attn_output.bias") || f.find_tensor("blk.0.ffn_up.bias")) {
    return Status::error("unsupported: biases on attn_output/ffn (not a %s layout)", arch);
  }
  if (streq(arch, "qwen3")) {
    c->qk_norm = true;
  } else if (streq(arch, "gemma3")) {
    INFERPI_TRY(gemma3_config(f, c));
  }
  return Status::ok();
}

}  // namespace inferpi::gguf
