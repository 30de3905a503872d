#include "engines/gpt2/gpt2_engine.h"

#include "engines/core/ops.h"
#include "runtime/core/format.h"
#include "runtime/core/kmath.h"
#include "runtime/core/kstring.h"

namespace inferpi {

using namespace gpt2;

namespace {

float sigmoid(float x) { return 1.0f / (1.0f + kmath::expf(-x)); }

// y = x / sqrt(mean(x^2) + eps), no weight (nanochat's norm()).
void rms(float* out, const float* x, int n, float eps) {
  static const Tensor kNoWeight{};
  ops::rmsnorm(out, x, kNoWeight, n, eps);
}

// nanochat's rotary embedding: half-split pairs (i, i + half) rotated by -theta.
void rope_neg(float* head, const float* cos_t, const float* sin_t, int head_dim) {
  const int half = head_dim / 2;
  for (int i = 0; i < half; i++) {
    float a = head[i], b = head[i + half];
    head[i] = a * cos_t[i] + b * sin_t[i];
    head[i + half] = -a * sin_t[i] + b * cos_t[i];
  }
}

}  // namespace

// ---- the forward pass (docs/nanochat.md §3) -------------------------------------------

Status Gpt2Engine::forward(const int* tokens, int n, float* all_logits) {
  INFERPI_TRY(check_forward_input(tokens, n, cfg_.vocab_size));
  for (int done = 0; done < n; done += kChunk) {
    int m = n - done < kChunk ? n - done : kChunk;
    forward_chunk(tokens + done, m,
                  all_logits ? all_logits + size_t(done) * cfg_.vocab_size : nullptr);
  }
  return Status::ok();
}

Status Gpt2Engine::skip_for_benchmark(int n) {
  if (n < 0 || n > ctx_ - pos_) return Status::error("skip: %d positions do not fit", n);
  kv_.zero(pos_, n);
  if (pos_ == 0 && n > 0) memset(prev_emb_, 0, size_t(cfg_.dim) * sizeof(float));
  pos_ += n;
  return Status::ok();
}

// Runs n <= kChunk tokens at positions pos_..pos_+n-1.
void Gpt2Engine::forward_chunk(const int* tokens, int n, float* out_logits) {
  const int D = cfg_.dim;
  embed(tokens, n);  // x = x0 = smeared, normalized embeddings
  for (int l = 0; l < cfg_.n_layer; l++) {
    const Layer& L = layers_[l];
    for (int i = 0; i < n * D; i++) x_[i] = resid_lambdas_[l] * x_[i] + x0_lambdas_[l] * x0_[i];
    attention(L, l, tokens, n);  // x += attn(norm(x))
    mlp(L, n);                   // x += mlp(norm(x))
    if ((cfg_.flags & kFlagBackout) && l == cfg_.backout_layer) {
      for (int i = 0; i < n * D; i++) backout_[i] = x_[i];
    }
  }
  if (cfg_.flags & kFlagBackout) {
    for (int i = 0; i < n * D; i++) x_[i] -= backout_lambda_ * backout_[i];
  }
  norm_rows(x_, x_, n, D);

  // lm_head (every row when the caller wants all logits, else only the last), softcap.
  const int first = out_logits ? 0 : n - 1, rows = n - first, V = cfg_.vocab_size;
  ops::matmul(chunk_logits_, lm_head_, x_ + size_t(first) * D, rows);
  const float cap = cfg_.softcap;
  for (int r = 0; r < rows; r++) {
    float* z = chunk_logits_ + size_t(r) * cfg_.padded_vocab;
    for (int i = 0; i < V; i++) z[i] = cap > 0 ? cap * kmath::tanhf(z[i] / cap) : z[i];
    if (out_logits) memcpy(out_logits + size_t(r) * V, z, size_t(V) * 4);
    if (r == rows - 1) memcpy(logits_, z, size_t(V) * 4);
  }
  pos_ += n;
}

// x[t] = norm(wte[tok]) + smear_lambda * sigmoid(smear_gate . e[t][:24]) * e[t-1], where e
// is the normalized, un-smeared embedding; e[-1] is carried from the previous call.
void Gpt2Engine::embed(const int* tokens, int n) {
  const int D = cfg_.dim;
  for (int t = 0; t < n; t++) {
    tensor_dequantize_row(wte_, tokens[t], x_ + size_t(t) * D);
    rms(emb_ + size_t(t) * D, x_ + size_t(t) * D, D, cfg_.norm_eps);
  }
  memcpy(x_, emb_, size_t(n) * D * 4);
  if (cfg_.flags & kFlagSmear) {
    for (int t = 0; t < n; t++) {
      const float* prev = t > 0 ? emb_ + size_t(t - 1) * D : (pos_ > 0 ? prev_emb_ : nullptr);
      if (!prev) continue;  // the very first token has nothing to smear in
      const float* e = emb_ + size_t(t) * D;
      float g = smear_lambda_ * sigmoid(ops::dot(smear_gate_, e, cfg_.smear_gate_channels));
      for (int i = 0; i < D; i++) x_[size_t(t) * D + i] = e[i] + g * prev[i];
    }
    memcpy(prev_emb_, emb_ + size_t(n - 1) * D, size_t(D) * 4);
  }
  memcpy(x0_, x_, size_t(n) * D * 4);
}

void Gpt2Engine::attention(const Layer& L, int layer, const int* tokens, int n) {
  const int D = cfg_.dim, hd = cfg_.head_dim, H = cfg_.n_head, KV = cfg_.n_kv_head;
  const int kv_dim = KV * hd, half = hd / 2;
  norm_rows(h_, x_, n, D);
  ops::matmul(q_, L.c_q, h_, n);
  ops::matmul(k_, L.c_k, h_, n);
  ops::matmul(v_, L.c_v, h_, n);
  for (int t = 0; t < n; t++) {
    const int p = pos_ + t;
    float *q = q_ + size_t(t) * D, *k = k_ + size_t(t) * kv_dim, *v = v_ + size_t(t) * kv_dim;
    if (cfg_.has_ve[layer]) {  // v += scale * sigmoid(W_gate . h[:C]) * value_embed[tok]
      tensor_dequantize_row(L.value_embed, tokens[t], ve_row_);
      for (int g = 0; g < KV; g++) {
        float w[1024];
        for (int c = 0; c < cfg_.ve_gate_channels; c++) w[c] = tensor_get(L.ve_gate, g, c);
        float gate =
            cfg_.ve_gate_scale * sigmoid(ops::dot(w, h_ + size_t(t) * D, cfg_.ve_gate_channels));
        for (int i = 0; i < hd; i++) v[g * hd + i] += gate * ve_row_[g * hd + i];
      }
    }
    const float* cs = rope_cos_ + size_t(p) * half;
    const float* sn = rope_sin_ + size_t(p) * half;
    for (int h = 0; h < H; h++) {  // RoPE, QK norm, QK scale
      float* qh = q + h * hd;
      rope_neg(qh, cs, sn, hd);
      rms(qh, qh, hd, cfg_.norm_eps);
      for (int i = 0; i < hd; i++) qh[i] *= cfg_.qk_scale;
    }
    for (int g = 0; g < KV; g++) {
      float* kh = k + g * hd;
      rope_neg(kh, cs, sn, hd);
      rms(kh, kh, hd, cfg_.norm_eps);
      for (int i = 0; i < hd; i++) kh[i] *= cfg_.qk_scale;
    }
    kv_.store(layer, p, k, v);
  }
  // Causal attention with this layer's inclusive window: keys [p - window, p].
  const float scale = 1.0f / kmath::sqrtf(float(hd));
  ops::AttentionChunk att{y_,
                          q_,
                          kv_.keys(layer),
                          kv_.values(layer),
                          kv_.type(),
                          H,
                          KV,
                          hd,
                          pos_,
                          cfg_.window[layer],
                          scale,
                          scores_,
                          ctx_};
  ops::attend_chunk(att, n);
  ops::matmul(h_, L.c_proj, y_, n);
  for (int i = 0; i < n * D; i++) x_[i] += h_[i];
}

void Gpt2Engine::mlp(const Layer& L, int n) {
  const int D = cfg_.dim;
  norm_rows(h_, x_, n, D);
  ops::matmul(hid_, L.c_fc, h_, n);
  ops::relu_squared(hid_, n * cfg_.hidden);
  ops::matmul(h_, L.mlp_proj, hid_, n);
  for (int i = 0; i < n * D; i++) x_[i] += h_[i];
}

void Gpt2Engine::norm_rows(float* out, const float* x, int n, int width) {
  for (int t = 0; t < n; t++)
    rms(out + size_t(t) * width, x + size_t(t) * width, width, cfg_.norm_eps);
}

// ---- loading --------------------------------------------------------------------------

Status Gpt2Engine::init(const ModelFiles& files, const EngineOptions& options, Arena& arena) {
  INFERPI_TRY(file_.open(files.model, files.model_size));
  cfg_ = file_.config();
  if (!files.tokenizer) return Status::error("GPT2 model needs its tokenizer.bin");
  INFERPI_TRY(
      tokenizer_.load(files.tokenizer, files.tokenizer_size, arena).with_context("tokenizer.bin"));
  if (tokenizer_.vocab_size() != cfg_.vocab_size) {
    return Status::error("tokenizer.bin has %d tokens but model.bin expects %d",
                         tokenizer_.vocab_size(), cfg_.vocab_size);
  }
  INFERPI_TRY(chat_.init(tokenizer_, (cfg_.flags & kFlagChat) != 0));
  if (cfg_.smear_gate_channels > 64) return Status::error("model.bin: smear gate wider than 64");
  if (cfg_.ve_gate_channels > 1024) return Status::error("model.bin: ve gate wider than 1024");

  const int D = cfg_.dim, kv_dim = cfg_.n_kv_head * cfg_.head_dim, PV = cfg_.padded_vocab;
  INFERPI_TRY(file_.tensor("transformer.wte.weight", PV, D, &wte_));
  INFERPI_TRY(file_.tensor("lm_head.weight", PV, D, &lm_head_));
  layers_ = arena.alloc_array<Layer>(size_t(cfg_.n_layer));
  if (!layers_) return Status::error("out of memory for layer table");
  char name[64];
  for (int l = 0; l < cfg_.n_layer; l++) {
    Layer& L = layers_[l];
    L = Layer{};
    struct {
      const char* part;
      Tensor* t;
      int rows, cols;
    } parts[] = {{"attn.c_q", &L.c_q, D, D},
                 {"attn.c_k", &L.c_k, kv_dim, D},
                 {"attn.c_v", &L.c_v, kv_dim, D},
                 {"attn.c_proj", &L.c_proj, D, D},
                 {"mlp.c_fc", &L.c_fc, cfg_.hidden, D},
                 {"mlp.c_proj", &L.mlp_proj, D, cfg_.hidden}};
    for (auto& p : parts) {
      format(name, sizeof(name), "transformer.h.%d.%s.weight", l, p.part);
      INFERPI_TRY(file_.tensor(name, p.rows, p.cols, p.t));
    }
    if (cfg_.has_ve[l]) {
      format(name, sizeof(name), "value_embeds.%d.weight", l);
      INFERPI_TRY(file_.tensor(name, PV, kv_dim, &L.value_embed));
      format(name, sizeof(name), "transformer.h.%d.attn.ve_gate.weight", l);
      INFERPI_TRY(file_.tensor(name, cfg_.n_kv_head, cfg_.ve_gate_channels, &L.ve_gate));
    }
    resid_lambdas_[l] = 1.0f;  // variants without lambdas: x = 1*x + 0*x0
    x0_lambdas_[l] = 0.0f;
  }
  Tensor t;
  if (cfg_.flags & kFlagLambdas) {
    INFERPI_TRY(file_.tensor("resid_lambdas", 1, cfg_.n_layer, &t));
    for (int l = 0; l < cfg_.n_layer; l++) resid_lambdas_[l] = tensor_get(t, 0, l);
    INFERPI_TRY(file_.tensor("x0_lambdas", 1, cfg_.n_layer, &t));
    for (int l = 0; l < cfg_.n_layer; l++) x0_lambdas_[l] = tensor_get(t, 0, l);
  }
  if (cfg_.flags & kFlagSmear) {
    INFERPI_TRY(file_.tensor("smear_gate.weight", 1, cfg_.smear_gate_channels, &t));
    for (int c = 0; c < cfg_.smear_gate_channels; c++) smear_gate_[c] = tensor_get(t, 0, c);
    INFERPI_TRY(file_.tensor("smear_lambda", 1, 1, &t));
    smear_lambda_ = tensor_get(t, 0, 0);
  }
  if (cfg_.flags & kFlagBackout) {
    INFERPI_TRY(file_.tensor("backout_lambda", 1, 1, &t));
    backout_lambda_ = tensor_get(t, 0, 0);
  }

  // Context: the trained length unless asked otherwise; never past nanochat's RoPE table.
  ctx_ = options.max_context > 0 ? options.max_context : cfg_.seq_len;
  if (options.max_context <= 0 && ctx_ > EngineOptions::kDefaultContextCap)
    ctx_ = EngineOptions::kDefaultContextCap;
  if (ctx_ > cfg_.max_positions) ctx_ = cfg_.max_positions;

  // RoPE tables, computed as torch does in fp32: inv_freq = 1 / base^(2i/hd), angle = p * inv_freq.
  const int half = cfg_.head_dim / 2;
  INFERPI_TRY(kv_.init(options.kv_type, cfg_.n_layer, ctx_, kv_dim, arena));
  rope_cos_ = arena.alloc_array<float>(size_t(ctx_) * half);
  rope_sin_ = arena.alloc_array<float>(size_t(ctx_) * half);
  prev_emb_ = arena.alloc_array<float>(size_t(D));
  const size_t C = kChunk;
  x_ = arena.alloc_array<float>(C * D);
  x0_ = arena.alloc_array<float>(C * D);
  emb_ = arena.alloc_array<float>(C * D);
  h_ = arena.alloc_array<float>(C * D);
  q_ = arena.alloc_array<float>(C * D);
  k_ = arena.alloc_array<float>(C * kv_dim);
  v_ = arena.alloc_array<float>(C * kv_dim);
  y_ = arena.alloc_array<float>(C * D);
  hid_ = arena.alloc_array<float>(C * cfg_.hidden);
  backout_ = arena.alloc_array<float>(C * D);
  scores_ = arena.alloc_array<float>(size_t(ops::kAttentionWorkers) * size_t(ctx_));
  ve_row_ = arena.alloc_array<float>(size_t(kv_dim));
  chunk_logits_ = arena.alloc_array<float>(C * PV);
  logits_ = arena.alloc_array<float>(size_t(cfg_.vocab_size));
  if (!rope_cos_ || !rope_sin_ || !prev_emb_ || !x_ || !x0_ || !emb_ || !h_ || !q_ || !k_ || !v_ ||
      !y_ || !hid_ || !backout_ || !scores_ || !ve_row_ || !chunk_logits_ || !logits_) {
    return Status::error("out of memory for the buffers (%zu MiB left)", arena.remaining() >> 20);
  }
  for (int i = 0; i < half; i++) {
    float e = float(2 * i) / float(cfg_.head_dim);
    float inv_freq = 1.0f / float(kmath::pow(double(cfg_.rope_base), double(e)));
    for (int p = 0; p < ctx_; p++) {
      double s, c;
      kmath::sincos(double(float(p) * inv_freq), &s, &c);
      rope_cos_[size_t(p) * half + i] = float(c);
      rope_sin_[size_t(p) * half + i] = float(s);
    }
  }
  memset(logits_, 0, size_t(cfg_.vocab_size) * 4);

  char architecture[32];
  format(architecture, sizeof architecture, "nanochat-v%u", cfg_.variant);
  info_.describe("GPT2", architecture, layers_[0].c_q.type,
                 {.dim = D,
                  .hidden_dim = cfg_.hidden,
                  .n_layers = cfg_.n_layer,
                  .n_heads = cfg_.n_head,
                  .n_kv_heads = cfg_.n_kv_head,
                  .head_dim = cfg_.head_dim,
                  .vocab_size = cfg_.vocab_size,
                  .max_context = cfg_.seq_len});
  info_.n_params = file_.n_params();
  // Streamed per decoded token: everything except the embedding tables (one row each).
  uint64_t tables = wte_.bytes();
  for (int l = 0; l < cfg_.n_layer; l++)
    tables += layers_[l].value_embed.empty() ? 0 : layers_[l].value_embed.bytes();
  info_.weight_bytes = file_.weight_bytes() - tables;
  pos_ = 0;
  return Status::ok();
}

// ---- factory --------------------------------------------------------------------------

namespace {

bool probe(const uint8_t* head, size_t size) { return size >= 4 && load_le32(head) == kMagic; }

Status describe(const uint8_t* head, size_t size, uint64_t, ModelSummary* out) {
  Config c{};
  uint64_t n_tensors = 0;
  INFERPI_TRY(ModelFile::read_config(head, size, &c, &n_tensors));
  copy_string(out->engine, sizeof(out->engine), "GPT2");
  format(out->architecture, sizeof(out->architecture), "nanochat-v%u%s", c.variant,
         (c.flags & kFlagChat) ? " chat" : "");
  copy_string(out->dtype, sizeof(out->dtype), dtype_name(DType(c.matrix_dtype)));
  uint64_t D = uint64_t(c.dim), kv = uint64_t(c.n_kv_head) * c.head_dim;
  out->n_params = uint64_t(c.n_layer) * (2 * D * D + 2 * kv * D + 2 * D * uint64_t(c.hidden)) +
                  2 * uint64_t(c.padded_vocab) * D;
  return Status::ok();
}

Status create(const ModelFiles& files, const EngineOptions& options, Arena& arena, Engine** out) {
  Arena::Mark mark = arena.mark();
  Gpt2Engine* e = arena_new<Gpt2Engine>(arena);
  if (!e) return Status::error("out of memory for the engine");
  Status st = e->init(files, options, arena);
  if (!st) {
    arena.reset(mark);
    return st;
  }
  *out = e;
  return Status::ok();
}

}  // namespace

const EngineFactory kGpt2EngineFactory = {"GPT2", probe, describe, create};

}  // namespace inferpi
