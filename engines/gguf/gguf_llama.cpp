#include "engines/gguf/gguf_llama.h"

#include "engines/core/byte_index.h"
#include "engines/core/engine.h"
#include "engines/gguf/gguf_families.h"
#include "engines/tokenizers/bpe_tokenizer.h"
#include "engines/tokenizers/spm_tokenizer.h"
#include "runtime/core/format.h"
#include "runtime/core/kstring.h"

namespace inferpi::gguf {

namespace {

// "<arch>.<suffix>" into buf.
const char* arch_key(char* buf, size_t cap, const char* arch, const char* suffix) {
  format(buf, cap, "%s.%s", arch, suffix);
  return buf;
}

// A required or optional positive integer hyperparameter that must fit an int.
Status get_int(const GgufFile& f, const char* key, bool required, int fallback, int* out) {
  uint64_t v = 0;
  Status st;
  if (!f.get_uint(key, &v, &st)) {
    if (!st) return st;
    if (required) return Status::error("missing metadata %s", key);
    *out = fallback;
    return Status::ok();
  }
  if (v == 0 || v > 0x7fffffff) {
    return Status::error("metadata %s = %llu is out of range", key, (unsigned long long)v);
  }
  *out = int(v);
  return Status::ok();
}

Status get_token_id(const GgufFile& f, const char* key, int fallback, int* out) {
  uint64_t v = 0;
  Status st;
  if (!f.get_uint(key, &v, &st)) {
    if (!st) return st;
    *out = fallback;
    return Status::ok();
  }
  *out = v > 0x7fffffff ? -1 : int(v);
  return Status::ok();
}

// Token texts llama.cpp's vocabulary loader treats as end of generation (and as control
// tokens) whatever the file's token types say (src/llama-vocab.cpp, special_eog_ids); the
// ones of the model families we run.
bool is_end_of_generation_text(const Str& s) {
  static const char* const kTexts[] = {"<|eot_id|>",    "<|eom_id|>",        "<|end_of_text|>",
                                       "<|im_end|>",    "<|endoftext|>",     "<|end|>",
                                       "<end_of_turn>", "<|return|>",        "<EOT>",
                                       "<eos>",         "<end_of_utterance>"};
  for (const char* t : kTexts) {
    if (s.equals(t)) return true;
  }
  return false;
}

void add_stop(LlamaConfig* c, int id) {
  if (id < 0) return;
  for (int i = 0; i < c->n_stop_ids; i++) {
    if (c->stop_ids[i] == id) return;
  }
  if (c->n_stop_ids < LlamaConfig::kMaxStops) c->stop_ids[c->n_stop_ids++] = id;
}

}  // namespace

Status llama_config_from_gguf(const GgufFile& f, LlamaConfig* c) {
  *c = LlamaConfig{};
  Str arch_s;
  Status st;
  if (!f.get_string("general.architecture", &arch_s, &st)) {
    return st ? Status::error("missing metadata general.architecture") : st;
  }
  char arch[32];
  arch_s.copy_to(arch, sizeof arch);
  INFERPI_TRY(check_architecture(arch));
  copy_string(c->architecture, sizeof c->architecture, arch);

  char key[96];
  INFERPI_TRY(get_int(f, arch_key(key, sizeof key, arch, "embedding_length"), true, 0, &c->dim));
  INFERPI_TRY(get_int(f, arch_key(key, sizeof key, arch, "block_count"), true, 0, &c->n_layers));
  INFERPI_TRY(
      get_int(f, arch_key(key, sizeof key, arch, "feed_forward_length"), true, 0, &c->hidden_dim));
  INFERPI_TRY(
      get_int(f, arch_key(key, sizeof key, arch, "attention.head_count"), true, 0, &c->n_heads));
  INFERPI_TRY(get_int(f, arch_key(key, sizeof key, arch, "attention.head_count_kv"), false,
                      c->n_heads, &c->n_kv_heads));
  INFERPI_TRY(
      get_int(f, arch_key(key, sizeof key, arch, "context_length"), false, 2048, &c->max_context));
  INFERPI_TRY(get_int(f, arch_key(key, sizeof key, arch, "attention.key_length"), false,
                      c->dim / c->n_heads, &c->head_dim));
  int value_length = 0, rope_dims = 0;
  INFERPI_TRY(get_int(f, arch_key(key, sizeof key, arch, "attention.value_length"), false,
                      c->head_dim, &value_length));
  INFERPI_TRY(get_int(f, arch_key(key, sizeof key, arch, "rope.dimension_count"), false,
                      c->head_dim, &rope_dims));
  if (value_length != c->head_dim) {
    return Status::error("unsupported: key_length %d != value_length %d", c->head_dim,
                         value_length);
  }
  if (rope_dims != c->head_dim) {
    return Status::error("unsupported: partial rotary embedding (%d of %d dims)", rope_dims,
                         c->head_dim);
  }

  double v = 0;
  if (f.get_float(arch_key(key, sizeof key, arch, "attention.layer_norm_rms_epsilon"), &v, &st)) {
    c->rms_eps = float(v);
  } else if (!st) {
    return st;
  } else {
    return Status::error("missing metadata %s", key);
  }
  c->rope_theta = 10000.0f;
  if (f.get_float(arch_key(key, sizeof key, arch, "rope.freq_base"), &v, &st)) {
    c->rope_theta = float(v);
  } else if (!st) {
    return st;
  }
  // Per-family switches: RoPE pairing and scaling, biases, norms, activation, windows.
  INFERPI_TRY(family_config_from_gguf(f, arch, c));

  // Vocabulary and special tokens (llama.cpp's defaults when keys are missing, §6.10).
  Array tokens;
  if (!f.get_array("tokenizer.ggml.tokens", &tokens, &st)) {
    return st ? Status::error("missing metadata tokenizer.ggml.tokens") : st;
  }
  if (tokens.elem != ValueType::STRING)
    return Status::error("tokenizer.ggml.tokens is not strings");
  if (tokens.count == 0 || tokens.count > (1u << 22)) {
    return Status::error("tokenizer.ggml.tokens has %llu entries",
                         (unsigned long long)tokens.count);
  }
  c->vocab_size = int(tokens.count);
  Str model;
  if (!f.get_string("tokenizer.ggml.model", &model, &st)) {
    return st ? Status::error("missing metadata tokenizer.ggml.model") : st;
  }
  const bool spm = model.equals("llama");
  if (spm) {
    c->tokenizer = TokenizerKind::SentencePiece;
  } else if (model.equals("gpt2")) {
    c->tokenizer = TokenizerKind::ByteLevelBpe;
  } else {
    char m[24];
    return Status::error("unsupported: tokenizer model '%s'", model.copy_to(m, sizeof m));
  }
  INFERPI_TRY(get_token_id(f, "tokenizer.ggml.bos_token_id", spm ? 1 : 11, &c->bos_id));
  INFERPI_TRY(get_token_id(f, "tokenizer.ggml.eos_token_id", spm ? 2 : 11, &c->eos_id));
  int eot = -1;
  INFERPI_TRY(get_token_id(f, "tokenizer.ggml.eot_token_id", -1, &eot));
  bool add_bos = spm;
  if (!f.get_bool("tokenizer.ggml.add_bos_token", &add_bos, &st) && !st) return st;
  c->add_bos = add_bos;
  if (c->bos_id >= c->vocab_size) c->bos_id = -1;
  if (c->eos_id >= c->vocab_size) c->eos_id = -1;
  if (eot >= c->vocab_size) eot = -1;
  add_stop(c, c->eos_id);
  add_stop(c, eot);
  // End-of-generation tokens llama.cpp also recognises by their text (Llama 3 has three).
  StringCursor cur(tokens);
  Str s;
  for (int id = 0; cur.next(&s); id++) {
    if (is_end_of_generation_text(s)) add_stop(c, id);
  }

  Str jinja{};
  f.get_string("tokenizer.chat_template", &jinja);
  bool recognised = false;
  c->chat_template = chat_template_from_jinja(jinja, &recognised);
  return validate_llama_config(*c);
}

namespace {

// The tensors only some families have: qwen3/gemma3 q/k norms, gemma3's norms after
// attention and FFN (required exactly when the config says the family has them).
template <typename Get>
Status family_layer_weights(Get& get, const LlamaConfig& c, int l, LlamaLayerWeights* L) {
  const struct {
    const char* suffix;
    Tensor* t;
    bool required;
  } parts[] = {
      {"attn_q_norm.weight", &L->q_norm, c.qk_norm},
      {"attn_k_norm.weight", &L->k_norm, c.qk_norm},
      {"post_attention_norm.weight", &L->attn_post_norm, c.post_norms},
      {"post_ffw_norm.weight", &L->ffn_post_norm, c.post_norms},
  };
  char name[64];
  for (const auto& p : parts) {
    format(name, sizeof name, "blk.%d.%s", l, p.suffix);
    INFERPI_TRY(get(name, p.t, p.required));
  }
  return Status::ok();
}

}  // namespace

Status llama_weights_from_gguf(const GgufFile& f, const LlamaConfig& c, Arena& arena,
                               LlamaWeights* w) {
  *w = LlamaWeights{};
  auto get = [&](const char* name, Tensor* t, bool required) -> Status {
    const TensorInfo* info = f.find_tensor(name);
    if (!info) {
      return required ? Status::error("missing tensor %s", name) : Status::ok();
    }
    if (info->ne[2] != 1 || info->ne[3] != 1) {
      return Status::error("tensor %s has more than 2 dimensions", name);
    }
    *t = info->as_tensor();
    return Status::ok();
  };
  w->layers = arena.alloc_array<LlamaLayerWeights>(size_t(c.n_layers));
  if (!w->layers) return Status::error("out of memory for %d layer descriptors", c.n_layers);
  INFERPI_TRY(get("token_embd.weight", &w->token_embd, true));
  INFERPI_TRY(get("output_norm.weight", &w->output_norm, true));
  INFERPI_TRY(get("output.weight", &w->output, false));
  if (w->output.empty()) w->output = w->token_embd;  // tied classifier

  INFERPI_TRY(get("rope_freqs.weight", &w->rope_freqs, false));  // Llama 3 RoPE scaling
  char name[64];
  for (int l = 0; l < c.n_layers; l++) {
    LlamaLayerWeights& L = w->layers[l];
    L = LlamaLayerWeights{};
    struct {
      const char* suffix;
      Tensor* t;
      bool required;
    } parts[] = {
        {"attn_norm.weight", &L.attn_norm, true}, {"attn_q.weight", &L.wq, true},
        {"attn_k.weight", &L.wk, true},           {"attn_v.weight", &L.wv, true},
        {"attn_q.bias", &L.bq, c.qkv_bias},       {"attn_k.bias", &L.bk, c.qkv_bias},
        {"attn_v.bias", &L.bv, c.qkv_bias},       {"attn_output.weight", &L.wo, true},
        {"ffn_norm.weight", &L.ffn_norm, true},   {"ffn_gate.weight", &L.w_gate, true},
        {"ffn_up.weight", &L.w_up, true},         {"ffn_down.weight", &L.w_down, true},
    };
    for (auto& p : parts) {
      format(name, sizeof name, "blk.%d.%s", l, p.suffix);
      INFERPI_TRY(get(name, p.t, p.required));
    }
    INFERPI_TRY(family_layer_weights(get, c, l, &L));
  }
  return check_llama_weights(c, *w);
}

namespace {

// GPT-2's byte→unicode alphabet, inverted: code point → byte, or -1 (docs/formats.md §6.10).
int gpt2_byte_of(uint32_t cp) {
  auto kept = [](uint32_t b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  };
  if (cp < 0x100) return kept(cp) ? int(cp) : -1;
  if (cp > 0x143) return -1;
  int n = int(cp - 0x100);  // the n-th byte outside the kept ranges, in ascending order
  for (uint32_t b = 0; b < 256; b++) {
    if (!kept(b) && n-- == 0) return int(b);
  }
  return -1;
}

// Decodes a token's GPT-2-alphabet text into raw bytes; false if some character is not in
// the alphabet (the caller then keeps the text as it is, like an added token).
bool gpt2_decode(const Str& s, uint8_t* out, size_t* n) {
  size_t k = 0;
  for (size_t i = 0; i < s.size;) {
    uint8_t b0 = uint8_t(s.data[i]);
    uint32_t cp;
    size_t len;
    if (b0 < 0x80) {
      cp = b0, len = 1;
    } else if ((b0 & 0xE0) == 0xC0 && i + 1 < s.size) {
      cp = (uint32_t(b0 & 0x1F) << 6) | (uint8_t(s.data[i + 1]) & 0x3F), len = 2;
    } else {
      return false;
    }
    int b = gpt2_byte_of(cp);
    if (b < 0) return false;
    out[k++] = uint8_t(b);
    i += len;
  }
  *n = k;
  return true;
}

// tokenizer.ggml.pre → our PreTokenizer id (docs/formats.md §6.11 lists the families).
bool pre_tokenizer_id(const Str& pre, uint32_t* id) {
  static const struct {
    const char* name;
    PreTokenizer pre;
  } kPre[] = {
      {"gpt-2", PreTokenizer::Gpt2},
      {"mpt", PreTokenizer::Gpt2},
      {"olmo", PreTokenizer::Gpt2},
      {"jais", PreTokenizer::Gpt2},
      {"qwen2", PreTokenizer::Qwen2},
      {"stablelm2", PreTokenizer::Qwen2},
      {"deepseek-r1-qwen", PreTokenizer::Qwen2},
      {"megrez", PreTokenizer::Qwen2},
      {"llama-bpe", PreTokenizer::Llama3},
      {"llama3", PreTokenizer::Llama3},
      {"smollm", PreTokenizer::SmolLM},
      {"starcoder", PreTokenizer::SmolLM},
      {"refact", PreTokenizer::SmolLM},
      {"command-r", PreTokenizer::SmolLM},
      {"codeshell", PreTokenizer::SmolLM},
      {"exaone", PreTokenizer::SmolLM},
      {"minerva", PreTokenizer::SmolLM},
  };
  for (const auto& p : kPre) {
    if (pre.equals(p.name)) {
      *id = uint32_t(p.pre);
      return true;
    }
  }
  return false;
}

}  // namespace

// Byte-level BPE vocabulary: laid out as our "IPBT" tokenizer.bin (docs/formats.md, "InferPi
// BPE tokenizer.bin") in the arena — token texts back to raw bytes, merges as id triples in
// rank order — and indexed by BpeTokenizer.
Status bpe_tokenizer_from_gguf(const GgufFile& f, const LlamaConfig& c, Arena& arena,
                               Tokenizer** out) {
  Array tokens, types, merges;
  f.get_array("tokenizer.ggml.tokens", &tokens);
  const uint64_t V = tokens.count;
  if (!f.get_array("tokenizer.ggml.merges", &merges) || merges.elem != ValueType::STRING) {
    return Status::error("gpt2 tokenizer without tokenizer.ggml.merges");
  }
  bool have_types = f.get_array("tokenizer.ggml.token_type", &types);
  if (have_types && (types.count != V || !types.is_integer())) {
    return Status::error("tokenizer.ggml.token_type: %llu values for %llu tokens",
                         (unsigned long long)types.count, (unsigned long long)V);
  }
  Str pre{};
  uint32_t pre_id = 0;
  if (!f.get_string("tokenizer.ggml.pre", &pre) || !pre_tokenizer_id(pre, &pre_id)) {
    char name[32] = "(missing)";
    if (pre.data) pre.copy_to(name, sizeof name);
    return Status::error("unsupported: gpt2 pre-tokenizer '%s'", name);
  }
  const bool ignore_merges = pre_id == uint32_t(PreTokenizer::Llama3);

  const size_t cap =
      64 + 5 * size_t(V) + (tokens.bytes - 8 * size_t(V)) + 12 * size_t(merges.count);
  uint8_t* buf = arena.alloc_array<uint8_t>(cap);
  if (!buf) return Status::error("out of memory for the vocabulary (%zu KB)", cap >> 10);
  const Arena::Mark scratch = arena.mark();  // the text index is dropped after building
  Str* texts = arena.alloc_array<Str>(size_t(V));
  ByteIndex index;
  char* joined = arena.alloc_array<char>(1024);
  if (!texts || !index.init(uint32_t(V), arena) || !joined) {
    return Status::error("out of memory indexing the vocabulary");
  }
  auto text_of = [texts](int id, size_t* n) {
    *n = texts[id].size;
    return texts[id].data;
  };

  size_t pos = 64;
  StringCursor cur(tokens);
  for (uint64_t i = 0; i < V && cur.next(&texts[i]); i++) {
    const Str& t = texts[i];
    if (index.find(t.data, t.size, text_of) < 0) index.insert(t.data, t.size, uint32_t(i));
    // Normal and user-defined tokens are text; control and unknown ones are special
    // (parse_special); unused padding and byte tokens are neither. End-of-generation texts
    // are control whatever the file says, as llama.cpp forces them.
    using T = SplittingTokenizer;  // GGUF's token types are numbered as T::TokenType
    int64_t type = have_types ? types.int_at(i) : int64_t(T::kNormal);
    uint8_t kind = type == T::kNormal                           ? T::kNormal
                   : type == T::kUserDefined                    ? T::kUserDefined
                   : type == T::kUnknown || type == T::kControl ? T::kControl
                                                                : T::kUnused;
    if (is_end_of_generation_text(t)) kind = T::kControl;
    size_t n = 0;
    if (kind == T::kControl || kind == T::kUnused || !gpt2_decode(t, buf + pos + 5, &n)) {
      memcpy(buf + pos + 5, t.data, t.size);
      n = t.size;
    }
    buf[pos] = kind;
    uint32_t n32 = uint32_t(n);
    memcpy(buf + pos + 1, &n32, 4);
    pos += 5 + n;
  }
  uint32_t n_merges = 0;
  StringCursor mc(merges);
  Str m;
  while (mc.next(&m)) {
    size_t sp = 1;  // "left right", split at the first space after position 0
    while (sp < m.size && m.data[sp] != ' ') sp++;
    if (sp >= m.size || m.size > 1024) continue;
    int a = index.find(m.data, sp, text_of),
        b = index.find(m.data + sp + 1, m.size - sp - 1, text_of);
    memcpy(joined, m.data, sp);
    memcpy(joined + sp, m.data + sp + 1, m.size - sp - 1);
    int r = index.find(joined, m.size - 1, text_of);
    if (a < 0 || b < 0 || r < 0) continue;  // a merge whose parts are not tokens is unusable
    uint32_t triple[3] = {uint32_t(a), uint32_t(b), uint32_t(r)};
    memcpy(buf + pos, triple, 12);
    pos += 12;
    n_merges++;
  }
  arena.reset(scratch);
  uint32_t header[8] = {0,      BpeTokenizer::kVersion,  uint32_t(V),        n_merges,
                        pre_id, ignore_merges ? 1u : 0u, uint32_t(c.bos_id), uint32_t(c.eos_id)};
  memcpy(header, "IPBT", 4);
  memset(buf, 0, 64);
  memcpy(buf, header, sizeof header);
  auto* bpe = arena_new<BpeTokenizer>(arena);
  if (!bpe) return Status::error("out of memory for the tokenizer");
  INFERPI_TRY(bpe->load(buf, pos, c.vocab_size, arena));
  *out = bpe;
  return Status::ok();
}

// SentencePiece vocabulary: the SpmTokenizer reads llama2.c's tokenizer.bin layout plus our
// trailer (docs/formats.md "InferPi llama tokenizer.bin"), so we lay the GGUF arrays out that
// way in the arena — pieces with U+2581 turned into spaces — and let it index them.
Status tokenizer_from_gguf(const GgufFile& f, const LlamaConfig& c, Arena& arena, Tokenizer** out) {
  *out = nullptr;
  if (c.tokenizer == TokenizerKind::ByteLevelBpe) return bpe_tokenizer_from_gguf(f, c, arena, out);
  Array tokens, scores, types;
  f.get_array("tokenizer.ggml.tokens", &tokens);
  const uint64_t V = tokens.count;
  bool have_scores = f.get_array("tokenizer.ggml.scores", &scores);
  bool have_types = f.get_array("tokenizer.ggml.token_type", &types);
  if (have_scores && (scores.count != V || !scores.is_float())) {
    return Status::error("tokenizer.ggml.scores: %llu values for %llu tokens",
                         (unsigned long long)scores.count, (unsigned long long)V);
  }
  if (have_types && (types.count != V || !types.is_integer())) {
    return Status::error("tokenizer.ggml.token_type: %llu values for %llu tokens",
                         (unsigned long long)types.count, (unsigned long long)V);
  }
  bool add_space_prefix = true;
  f.get_bool("tokenizer.ggml.add_space_prefix", &add_space_prefix);

  // Upper bound: every piece keeps at most its own bytes (▁ → space only shrinks).
  const size_t cap = 4 + size_t(V) * 9 + (tokens.bytes - 8 * size_t(V)) + 16;
  uint8_t* buf = arena.alloc_array<uint8_t>(cap);
  if (!buf) return Status::error("out of memory for the vocabulary (%zu KB)", cap >> 10);
  size_t pos = 4, max_len = 0;
  StringCursor cur(tokens);
  Str s;
  for (uint64_t i = 0; i < V && cur.next(&s); i++) {
    float score = have_scores ? float(scores.float_at(i)) : 0.0f;
    memcpy(buf + pos, &score, 4);
    size_t len_at = pos + 4, n = 0;
    pos += 8;
    for (size_t k = 0; k < s.size;) {
      if (k + 3 <= s.size && memcmp(s.data + k, "\xe2\x96\x81", 3) == 0) {
        buf[pos + n++] = ' ';
        k += 3;
      } else {
        buf[pos + n++] = uint8_t(s.data[k++]);
      }
    }
    uint32_t n32 = uint32_t(n);
    memcpy(buf + len_at, &n32, 4);
    pos += n;
    if (n > max_len) max_len = n;
  }
  uint32_t max32 = uint32_t(max_len);
  memcpy(buf, &max32, 4);
  memcpy(buf + pos, "IPTX", 4);
  uint32_t trailer[3] = {1, uint32_t(V), add_space_prefix ? 1u : 0u};
  memcpy(buf + pos + 4, trailer, 12);
  pos += 16;
  for (uint64_t i = 0; i < V; i++) {
    using T = SplittingTokenizer;  // GGUF's token types are numbered as T::TokenType
    int64_t t = have_types ? types.int_at(i) : int64_t(T::kNormal);
    // Types outside the enum count as normal text.
    buf[pos++] = uint8_t(t >= T::kNormal && t <= T::kByte ? t : int64_t(T::kNormal));
  }
  auto* spm = arena_new<SpmTokenizer>(arena);
  if (!spm) return Status::error("out of memory for the tokenizer");
  INFERPI_TRY(spm->load(buf, pos, c.vocab_size, c.bos_id, c.eos_id, arena));
  *out = spm;
  return Status::ok();
}

ChatTemplateId chat_template_from_jinja(const Str& j, bool* recognised) {
  *recognised = true;
  if (j.size == 0) {
    *recognised = false;
    return ChatTemplateId::Completion;
  }
  if (j.contains("<start_of_turn>")) return ChatTemplateId::Gemma;
  if (j.contains("<|im_start|>")) {
    if (j.contains("enable_thinking")) return ChatTemplateId::ChatMLQwen3;
    if (j.contains("You are Qwen")) return ChatTemplateId::ChatMLQwen;
    if (j.contains("SmolLM")) return ChatTemplateId::ChatMLSmolLM;
    return ChatTemplateId::ChatML;
  }
  if (j.contains("<|start_header_id|>")) {
    return j.contains("Cutting Knowledge Date") ? ChatTemplateId::Llama31 : ChatTemplateId::Llama3;
  }
  if (j.contains("[INST]")) return ChatTemplateId::Llama2;
  if (j.contains("<|user|>") && j.contains("<|assistant|>")) return ChatTemplateId::Zephyr;
  if (j.contains("### Instruction:") && j.contains("### Response:")) {
    return j.contains("Below is an instruction") ? ChatTemplateId::AlpacaStanford
                                                 : ChatTemplateId::Alpaca;
  }
  *recognised = false;
  return ChatTemplateId::Completion;
}

}  // namespace inferpi::gguf
