// Model files the Llama engine reads, all turned into LlamaConfig + LlamaWeights views:
//   - InferPi model.bin v1 ("IPLM"): header + tensor table (docs/formats.md, "InferPi llama
//     model.bin");
//   - llama2.c v0 (no magic, negative vocab = untied classifier; fp32, or fp16 as the seed
//     publishes it, told apart by the file size) and v1 ("ak42", fp32) (docs/formats.md §1).
// Every number read from the file is range-checked and every tensor is checked against the
// file size before a view is made.
#include <cstring>

#include "engines/llama/llama_config.h"
#include "engines/llama/llama_format.h"
#include "runtime/core/kstring.h"

namespace inferpi {

static bool in_range(int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; }

Status validate_llama_config(const LlamaConfig& c) {
  if (!in_range(c.dim, 1, 65536) || !in_range(c.hidden_dim, 1, 1 << 20) ||
      !in_range(c.n_layers, 1, 1024) || !in_range(c.n_heads, 1, 1024) ||
      !in_range(c.n_kv_heads, 1, 1024) || !in_range(c.head_dim, 2, 1024) ||
      !in_range(c.vocab_size, 1, 1 << 22) || !in_range(c.max_context, 1, 1 << 22)) {
    return Status::error(
        "model header has out-of-range sizes (dim %d, hidden %d, layers %d, "
        "heads %d/%d, head_dim %d, vocab %d, context %d)",
        c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.head_dim, c.vocab_size,
        c.max_context);
  }
  if (c.n_heads % c.n_kv_heads != 0) {
    return Status::error("model header: %d query heads is not a multiple of %d KV heads", c.n_heads,
                         c.n_kv_heads);
  }
  if (c.head_dim % 2) return Status::error("model header: odd head_dim %d", c.head_dim);
  if (!(c.rope_theta > 0.0f && c.rope_theta < 1e12f)) {
    return Status::error("model header: bad rope theta");
  }
  if (!(c.rms_eps > 0.0f && c.rms_eps < 1.0f)) return Status::error("model header: bad rms eps");
  if (!(c.attn_scale >= 0.0f && c.attn_scale < 1e6f) ||
      !(c.rope_freq_scale > 0.0f && c.rope_freq_scale <= 1e6f)) {
    return Status::error("model header: bad attention scale or RoPE frequency scale");
  }
  if (c.sliding_window < 0 || c.sliding_pattern < 0 ||
      (c.sliding_window > 0 &&
       (c.sliding_pattern < 1 || !(c.rope_theta_local > 0.0f && c.rope_theta_local < 1e12f)))) {
    return Status::error("model header: bad sliding window (%d, pattern %d, local theta)",
                         c.sliding_window, c.sliding_pattern);
  }
  if (c.bos_id >= c.vocab_size || c.eos_id >= c.vocab_size) {
    return Status::error("model header: BOS/EOS id outside the vocabulary of %d", c.vocab_size);
  }
  for (int i = 0; i < c.n_stop_ids; i++) {
    if (c.stop_ids[i] < 0 || c.stop_ids[i] >= c.vocab_size) {
      return Status::error("model header: stop id %d outside the vocabulary", c.stop_ids[i]);
    }
  }
  return Status::ok();
}

static Status check_tensor(const Tensor& t, const char* what, int layer, int64_t rows,
                           int64_t cols) {
  if (t.empty()) return Status::error("tensor %s (layer %d) is missing", what, layer);
  if (t.rows != rows || t.cols != cols) {
    return Status::error("tensor %s (layer %d) is [%lld, %lld], expected [%lld, %lld]", what, layer,
                         (long long)t.rows, (long long)t.cols, (long long)rows, (long long)cols);
  }
  if (t.row_bytes() == 0) {
    return Status::error("tensor %s (layer %d): type %s cannot hold rows of %lld", what, layer,
                         dtype_name(t.type), (long long)cols);
  }
  return Status::ok();
}

Status check_llama_weights(const LlamaConfig& c, const LlamaWeights& w) {
  const int64_t D = c.dim, F = c.hidden_dim, V = c.vocab_size;
  const int64_t q = int64_t(c.n_heads) * c.head_dim, kv = int64_t(c.n_kv_heads) * c.head_dim;
  INFERPI_TRY(check_tensor(w.token_embd, "token_embd", -1, V, D));
  INFERPI_TRY(check_tensor(w.output_norm, "output_norm", -1, 1, D));
  INFERPI_TRY(check_tensor(w.output, "output", -1, V, D));
  for (int l = 0; l < c.n_layers; l++) {
    const LlamaLayerWeights& L = w.layers[l];
    INFERPI_TRY(check_tensor(L.attn_norm, "attn_norm", l, 1, D));
    INFERPI_TRY(check_tensor(L.wq, "attn_q", l, q, D));
    INFERPI_TRY(check_tensor(L.wk, "attn_k", l, kv, D));
    INFERPI_TRY(check_tensor(L.wv, "attn_v", l, kv, D));
    INFERPI_TRY(check_tensor(L.wo, "attn_output", l, D, q));
    INFERPI_TRY(check_tensor(L.ffn_norm, "ffn_norm", l, 1, D));
    INFERPI_TRY(check_tensor(L.w_gate, "ffn_gate", l, F, D));
    INFERPI_TRY(check_tensor(L.w_up, "ffn_up", l, F, D));
    INFERPI_TRY(check_tensor(L.w_down, "ffn_down", l, D, F));
    if (c.qkv_bias) {
      INFERPI_TRY(check_tensor(L.bq, "attn_q.bias", l, 1, q));
      INFERPI_TRY(check_tensor(L.bk, "attn_k.bias", l, 1, kv));
      INFERPI_TRY(check_tensor(L.bv, "attn_v.bias", l, 1, kv));
    }
    if (c.qk_norm) {
      INFERPI_TRY(check_tensor(L.q_norm, "attn_q_norm", l, 1, c.head_dim));
      INFERPI_TRY(check_tensor(L.k_norm, "attn_k_norm", l, 1, c.head_dim));
    }
    if (c.post_norms) {
      INFERPI_TRY(check_tensor(L.attn_post_norm, "post_attention_norm", l, 1, D));
      INFERPI_TRY(check_tensor(L.ffn_post_norm, "post_ffw_norm", l, 1, D));
    }
  }
  if (!w.rope_freqs.empty()) {  // read as floats by the RoPE tables
    INFERPI_TRY(check_tensor(w.rope_freqs, "rope_freqs", -1, 1, c.head_dim / 2));
    if (w.rope_freqs.type != DType::F32) return Status::error("rope_freqs must be f32");
    for (int i = 0; i < c.head_dim / 2; i++) {
      float f;
      memcpy(&f, w.rope_freqs.data + 4 * size_t(i), 4);
      if (!(f > 0.0f && f < 1e6f))
        return Status::error("rope_freqs[%d] = %g is not usable", i, double(f));
    }
  }
  return Status::ok();
}

// ---- InferPi model.bin v1 -----------------------------------------------------------------

static Status load_inferpi(const uint8_t* file, size_t size, Arena& arena, LlamaConfig* c,
                           LlamaWeights* w) {
  using namespace llama_format;
  if (size < kHeaderSize)
    return Status::error("model.bin: %zu bytes, shorter than the header", size);
  const uint8_t* h = file;
  uint32_t version = load_le32(h + kOffVersion);
  if (version != kVersion) {
    return Status::error("model.bin: format version %u, this build reads version %u", version,
                         kVersion);
  }
  if (load_le32(h + kOffHeaderSize) != kHeaderSize)
    return Status::error("model.bin: bad header size");
  uint32_t arch = load_le32(h + kOffArch);
  if (!arch_name(arch)) return Status::error("model.bin: unknown architecture id %u", arch);
  *c = LlamaConfig{};
  copy_string(c->architecture, sizeof(c->architecture), arch_name(arch));
  auto i32 = [&](size_t off) { return int32_t(load_le32(h + off)); };
  auto f32 = [&](size_t off) {
    float f;
    memcpy(&f, h + off, 4);
    return f;
  };
  auto clamp_int = [](uint32_t v) { return v > 0x7fffffffu ? -1 : int(v); };
  c->dim = clamp_int(load_le32(h + kOffDim));
  c->hidden_dim = clamp_int(load_le32(h + kOffHiddenDim));
  c->n_layers = clamp_int(load_le32(h + kOffLayers));
  c->n_heads = clamp_int(load_le32(h + kOffHeads));
  c->n_kv_heads = clamp_int(load_le32(h + kOffKvHeads));
  c->head_dim = clamp_int(load_le32(h + kOffHeadDim));
  c->vocab_size = clamp_int(load_le32(h + kOffVocab));
  c->max_context = clamp_int(load_le32(h + kOffContext));
  c->rope_theta = f32(kOffRopeTheta);
  c->rms_eps = f32(kOffRmsEps);
  uint32_t pairing = load_le32(h + kOffRopePairing);
  if (pairing > 1) return Status::error("model.bin: unknown rope pairing %u", pairing);
  c->rope_pairing = RopePairing(pairing);
  uint32_t flags = load_le32(h + kOffFlags);
  c->tied_output = flags & kFlagTied;
  c->qkv_bias = flags & kFlagQkvBias;
  c->add_bos = flags & kFlagAddBos;
  c->qk_norm = flags & kFlagQkNorm;
  c->post_norms = flags & kFlagPostNorms;
  c->scale_embeddings = flags & kFlagScaleEmbeddings;
  if (flags & ~kKnownFlags) return Status::error("model.bin: unknown flags 0x%x", flags);
  uint32_t act = load_le32(h + kOffFfnActivation);
  if (act > 1) return Status::error("model.bin: unknown FFN activation %u", act);
  c->ffn_activation = FfnActivation(act);
  c->attn_scale = f32(kOffAttnScale);
  float freq_scale = f32(kOffRopeFreqScale);
  c->rope_freq_scale = freq_scale == 0.0f ? 1.0f : freq_scale;  // files before the field: 0
  c->sliding_window = clamp_int(load_le32(h + kOffSlidingWindow));
  c->sliding_pattern = clamp_int(load_le32(h + kOffSlidingPattern));
  c->rope_theta_local = f32(kOffRopeThetaLocal);
  c->bos_id = i32(kOffBos);
  c->eos_id = i32(kOffEos);
  c->n_stop_ids = 0;
  for (int i = 0; i < LlamaConfig::kMaxStops; i++) {
    int id = i32(kOffStops + 4 * size_t(i));
    if (id >= 0) c->stop_ids[c->n_stop_ids++] = id;
  }
  uint32_t tok = load_le32(h + kOffTokenizer);
  if (tok != 1 && tok != 2) return Status::error("model.bin: unknown tokenizer type %u", tok);
  c->tokenizer = TokenizerKind(tok);
  uint32_t tmpl = load_le32(h + kOffChatTemplate);
  if (!chat_template_spec(tmpl)) return Status::error("model.bin: unknown chat template %u", tmpl);
  c->chat_template = ChatTemplateId(tmpl);
  INFERPI_TRY(validate_llama_config(*c));

  uint32_t n_tensors = load_le32(h + kOffTensorCount);
  uint64_t table = load_le64(h + kOffTableOffset);
  uint64_t declared_size = load_le64(h + kOffFileSize);
  if (declared_size != size) {
    return Status::error(
        "model.bin: header says %llu bytes, file has %zu (truncated or "
        "corrupt)",
        (unsigned long long)declared_size, size);
  }
  if (n_tensors > 16 + 16 * uint32_t(c->n_layers) || table < kHeaderSize || table > size ||
      (size - table) / kEntrySize < n_tensors) {
    return Status::error("model.bin: tensor table (%u entries at %llu) does not fit the file",
                         n_tensors, (unsigned long long)table);
  }
  w->layers = arena.alloc_array<LlamaLayerWeights>(size_t(c->n_layers));
  if (!w->layers) return Status::error("out of memory for %d layers", c->n_layers);
  for (int l = 0; l < c->n_layers; l++) w->layers[l] = LlamaLayerWeights{};
  w->token_embd = w->output_norm = w->output = w->rope_freqs = Tensor{};

  for (uint32_t i = 0; i < n_tensors; i++) {
    const uint8_t* e = file + table + size_t(i) * kEntrySize;
    char name[kNameBytes + 1];
    memcpy(name, e, kNameBytes);
    name[kNameBytes] = 0;
    uint32_t type = load_le32(e + 32), rows = load_le32(e + 36), cols = load_le32(e + 40);
    uint64_t off = load_le64(e + 48), nbytes = load_le64(e + 56);
    const DTypeInfo* info = dtype_info(type);
    if (!info) return Status::error("model.bin: tensor %s has unsupported type %u", name, type);
    size_t row_bytes = dtype_row_bytes(DType(type), cols);
    if (row_bytes == 0 || rows == 0 || nbytes / row_bytes != rows || nbytes % row_bytes) {
      return Status::error("model.bin: tensor %s: %u x %u %s does not make %llu bytes", name, rows,
                           cols, info->name, (unsigned long long)nbytes);
    }
    if (off > size || nbytes > size - off || off % kAlignment) {
      return Status::error(
          "model.bin: tensor %s at %llu + %llu bytes is outside the %zu-byte "
          "file (or misaligned)",
          name, (unsigned long long)off, (unsigned long long)nbytes, size);
    }
    Tensor t{file + off, DType(type), int64_t(rows), int64_t(cols)};
    Tensor* slot = nullptr;
    int layer = -1;
    char kind[32] = {};
    if (strcmp(name, "token_embd.weight") == 0) {
      slot = &w->token_embd;
    } else if (strcmp(name, "output_norm.weight") == 0) {
      slot = &w->output_norm;
    } else if (strcmp(name, "output.weight") == 0) {
      slot = &w->output;
    } else if (strcmp(name, "rope_freqs.weight") == 0) {
      slot = &w->rope_freqs;
    } else if (starts_with(name, "blk.")) {
      const char* p = name + 4;
      layer = 0;
      while (*p >= '0' && *p <= '9' && layer < 100000) layer = layer * 10 + (*p++ - '0');
      if (*p == '.' && layer < c->n_layers) {
        copy_string(kind, sizeof(kind), p + 1);
        LlamaLayerWeights& L = w->layers[layer];
        struct {
          const char* name;
          Tensor* slot;
        } const kinds[] = {
            {"attn_norm.weight", &L.attn_norm},
            {"attn_q.weight", &L.wq},
            {"attn_k.weight", &L.wk},
            {"attn_v.weight", &L.wv},
            {"attn_q.bias", &L.bq},
            {"attn_k.bias", &L.bk},
            {"attn_v.bias", &L.bv},
            {"attn_q_norm.weight", &L.q_norm},
            {"attn_k_norm.weight", &L.k_norm},
            {"attn_output.weight", &L.wo},
            {"attn_post_norm.weight", &L.attn_post_norm},  // GGUF: post_attention_norm
            {"ffn_norm.weight", &L.ffn_norm},
            {"ffn_post_norm.weight", &L.ffn_post_norm},  // GGUF: post_ffw_norm
            {"ffn_gate.weight", &L.w_gate},
            {"ffn_up.weight", &L.w_up},
            {"ffn_down.weight", &L.w_down},
        };
        for (const auto& k : kinds) {
          if (strcmp(kind, k.name) == 0) slot = k.slot;
        }
      }
    }
    if (!slot) return Status::error("model.bin: unexpected tensor '%s'", name);
    if (!slot->empty()) return Status::error("model.bin: tensor '%s' appears twice", name);
    *slot = t;
  }
  if (c->tied_output) {
    if (!w->output.empty()) return Status::error("model.bin: tied model has an output tensor");
    w->output = w->token_embd;
  }
  // Norm weights and biases are read element by element with tensor_get: plain float types.
  return check_llama_weights(*c, *w);
}

// ---- llama2.c v0 / v1 -----------------------------------------------------------------------

static Status load_llama2c(const uint8_t* file, size_t size, bool v1, Arena& arena, LlamaConfig* c,
                           LlamaWeights* w) {
  const size_t header = v1 ? 256 : 28;
  if (size < header) return Status::error("model.bin: %zu bytes, shorter than the header", size);
  const uint8_t* cfg = file + (v1 ? 8 : 0);
  int32_t v[7];
  for (int i = 0; i < 7; i++) v[i] = int32_t(load_le32(cfg + 4 * i));
  bool shared = v1 ? file[36] != 0 : v[5] > 0;
  *c = LlamaConfig{};
  copy_string(c->architecture, sizeof(c->architecture), "llama");
  c->dim = v[0];
  c->hidden_dim = v[1];
  c->n_layers = v[2];
  c->n_heads = v[3];
  c->n_kv_heads = v[4];
  c->vocab_size = v[5] < 0 ? (v[5] == INT32_MIN ? -1 : -v[5]) : v[5];
  c->max_context = v[6];
  c->head_dim = c->n_heads > 0 ? c->dim / c->n_heads : 0;
  // llama2.c's run.c hardcodes these (docs/formats.md §1.5, §2.4).
  c->rope_theta = 10000.0f;
  c->rms_eps = 1e-5f;
  c->rope_pairing = RopePairing::Interleaved;
  c->tied_output = shared;
  c->bos_id = 1;
  c->eos_id = 2;
  c->stop_ids[0] = 2;
  c->n_stop_ids = 1;
  c->add_bos = true;
  c->tokenizer = TokenizerKind::SentencePiece;
  c->chat_template = ChatTemplateId::Completion;
  INFERPI_TRY(validate_llama_config(*c));
  if (c->head_dim * c->n_heads != c->dim) {
    return Status::error("model.bin: dim %d is not a multiple of %d heads", c->dim, c->n_heads);
  }
  const uint64_t D = uint64_t(c->dim), F = uint64_t(c->hidden_dim), L = uint64_t(c->n_layers);
  const uint64_t V = uint64_t(c->vocab_size), S = uint64_t(c->max_context);
  const uint64_t kv = uint64_t(c->n_kv_heads) * uint64_t(c->head_dim), hs = uint64_t(c->head_dim);
  // Value counts in file order (all < 2^22 * 2^20 by the range checks: no overflow).
  const uint64_t values = V * D + L * (2 * D + D * D + 2 * D * kv + D * D + 3 * D * F) + D +
                          (v1 ? 0 : S * hs) + (shared ? 0 : V * D);
  // The header has no dtype. Possible layouts: v1 is fp32 only; v0 is fp32 (llama2.c) or
  // fp16 (every array incl. the RoPE tables, as the seed publishes it). The exact size picks
  // one; a size that two layouts explain is refused rather than guessed.
  const uint64_t body = size - header;
  const bool is_f32 = body == values * 4, is_f16 = !v1 && body == values * 2;
  if (is_f32 && is_f16) {
    return Status::error(
        "model.bin: llama2.c file of %llu bytes fits both fp32 and fp16 (ambiguous)",
        (unsigned long long)body);
  }
  if (!is_f32 && !is_f16) {
    if (v1) {
      return Status::error(
          "model.bin: llama2.c v1 header implies %llu bytes of fp32 weights, file has %llu "
          "(truncated or wrong sizes in the header)",
          (unsigned long long)(values * 4), (unsigned long long)body);
    }
    return Status::error(
        "model.bin: llama2.c v0 header implies %llu bytes of weights as fp32 or %llu as fp16, "
        "file has %llu (truncated or wrong sizes in the header)",
        (unsigned long long)(values * 4), (unsigned long long)(values * 2),
        (unsigned long long)body);
  }
  const DType dtype = is_f16 ? DType::F16 : DType::F32;
  const uint64_t elem = is_f16 ? 2 : 4;
  w->layers = arena.alloc_array<LlamaLayerWeights>(size_t(L));
  if (!w->layers) return Status::error("out of memory for %d layers", c->n_layers);
  for (uint64_t l = 0; l < L; l++) w->layers[l] = LlamaLayerWeights{};
  const uint8_t* p = file + header;
  auto take = [&](uint64_t rows, uint64_t cols) {
    Tensor t{p, dtype, int64_t(rows), int64_t(cols)};
    p += rows * cols * elem;
    return t;
  };
  auto per_layer = [&](Tensor LlamaLayerWeights::*field, uint64_t rows, uint64_t cols) {
    for (uint64_t l = 0; l < L; l++) w->layers[l].*field = take(rows, cols);
  };
  if (!v1) w->token_embd = take(V, D);
  per_layer(&LlamaLayerWeights::attn_norm, 1, D);
  if (v1) {  // v1 order: norms first (docs/formats.md §1.3)
    per_layer(&LlamaLayerWeights::ffn_norm, 1, D);
    w->output_norm = take(1, D);
    w->token_embd = take(V, D);
  }
  per_layer(&LlamaLayerWeights::wq, D, D);
  per_layer(&LlamaLayerWeights::wk, kv, D);
  per_layer(&LlamaLayerWeights::wv, kv, D);
  per_layer(&LlamaLayerWeights::wo, D, D);
  if (!v1) per_layer(&LlamaLayerWeights::ffn_norm, 1, D);
  per_layer(&LlamaLayerWeights::w_gate, F, D);
  per_layer(&LlamaLayerWeights::w_down, D, F);
  per_layer(&LlamaLayerWeights::w_up, F, D);
  if (!v1) {
    w->output_norm = take(1, D);
    p += S * hs * elem;  // freq_cis_real + freq_cis_imag: unused leftovers
  }
  w->output = shared ? w->token_embd : take(V, D);
  return check_llama_weights(*c, *w);
}

static bool plausible_llama2c_v0(const uint8_t* head, size_t n) {
  if (n < 28) return false;
  int32_t v[7];
  for (int i = 0; i < 7; i++) v[i] = int32_t(load_le32(head + 4 * i));
  int32_t vocab = v[5] < 0 ? -v[5] : v[5];
  return v[0] > 0 && v[0] <= 65536 && v[1] > 0 && v[1] <= (1 << 20) && v[2] > 0 && v[2] <= 1024 &&
         v[3] > 0 && v[3] <= 1024 && v[4] > 0 && v[4] <= v[3] && v[3] % v[4] == 0 &&
         v[0] % v[3] == 0 && vocab > 0 && vocab <= (1 << 22) && v[6] > 0 && v[6] <= (1 << 22);
}

bool llama2c_v0_dtype(const uint8_t* head, size_t head_size, uint64_t file_size, DType* out) {
  if (!plausible_llama2c_v0(head, head_size) || file_size < 28) return false;
  int32_t v[7];
  for (int i = 0; i < 7; i++) v[i] = int32_t(load_le32(head + 4 * i));
  const uint64_t D = uint64_t(v[0]), F = uint64_t(v[1]), L = uint64_t(v[2]);
  const uint64_t V = uint64_t(v[5] < 0 ? -int64_t(v[5]) : v[5]), S = uint64_t(v[6]);
  const uint64_t hs = D / uint64_t(v[3]), kv = uint64_t(v[4]) * hs;
  const uint64_t values = V * D + L * (2 * D + D * D + 2 * D * kv + D * D + 3 * D * F) + D +
                          S * hs + (v[5] > 0 ? 0 : V * D);
  if (file_size - 28 == values * 4) {
    *out = DType::F32;
  } else if (file_size - 28 == values * 2) {
    *out = DType::F16;
  } else {
    return false;
  }
  return true;
}

LlamaFileFormat detect_llama_format(const uint8_t* head, size_t head_size) {
  if (head_size >= 4 && memcmp(head, llama_format::kMagic, 4) == 0) return LlamaFileFormat::InferPi;
  if (head_size >= 8 && load_le32(head) == 0x616B3432u) {
    return load_le32(head + 4) == 1 ? LlamaFileFormat::Llama2cV1 : LlamaFileFormat::Unknown;
  }
  return plausible_llama2c_v0(head, head_size) ? LlamaFileFormat::Llama2cV0
                                               : LlamaFileFormat::Unknown;
}

Status load_llama_model(const uint8_t* file, size_t size, Arena& arena, LlamaConfig* config,
                        LlamaWeights* weights) {
  switch (detect_llama_format(file, size)) {
    case LlamaFileFormat::InferPi:
      return load_inferpi(file, size, arena, config, weights);
    case LlamaFileFormat::Llama2cV0:
      return load_llama2c(file, size, false, arena, config, weights);
    case LlamaFileFormat::Llama2cV1:
      return load_llama2c(file, size, true, arena, config, weights);
    case LlamaFileFormat::Unknown:
      break;
  }
  if (size >= 8 && load_le32(file) == 0x616B3432u) {
    return Status::error(
        "model.bin: llama2.c version %u is not supported (only v0 fp32/fp16 and v1 fp32)",
        load_le32(file + 4));
  }
  return Status::error("model.bin: not a Llama model file we know");
}

}  // namespace inferpi
