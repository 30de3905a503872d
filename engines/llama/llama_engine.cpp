#include "engines/llama/llama_engine.h"

#include <cstring>

#include "engines/core/ops.h"
#include "engines/llama/llama_format.h"
#include "engines/tokenizers/bpe_tokenizer.h"
#include "runtime/core/kstring.h"

namespace inferpi {

Status LlamaEngine::init(const LlamaConfig& config, const LlamaWeights& weights,
                         Tokenizer* tokenizer, const EngineOptions& options, Arena& arena) {
  config_ = config;
  weights_ = weights;
  tokenizer_ = tokenizer;
  INFERPI_TRY(validate_llama_config(config_));
  INFERPI_TRY(check_llama_weights(config_, weights_));
  if (tokenizer_->vocab_size() != config_.vocab_size) {
    return Status::error("tokenizer has %d tokens, model has %d", tokenizer_->vocab_size(),
                         config_.vocab_size);
  }
  const size_t T = kChunk, D = size_t(config_.dim), F = size_t(config_.hidden_dim);
  const size_t hs = size_t(config_.head_dim), q_dim = size_t(config_.n_heads) * hs;
  const size_t kv_dim = size_t(config_.n_kv_heads) * hs;
  INFERPI_TRY(choose_context(options, arena));
  LlamaState& s = state_;
  s.x = arena.alloc_array<float>(T * D);
  s.xb = arena.alloc_array<float>(T * D);
  s.q = arena.alloc_array<float>(T * q_dim);
  s.k = arena.alloc_array<float>(T * kv_dim);
  s.v = arena.alloc_array<float>(T * kv_dim);
  s.att = arena.alloc_array<float>(T * q_dim);
  s.hb = arena.alloc_array<float>(T * F);
  s.hb2 = arena.alloc_array<float>(T * F);
  s.scores = arena.alloc_array<float>(size_t(ops::kAttentionWorkers) * size_t(context_));
  s.rope_cos = arena.alloc_array<float>(T * hs / 2);
  s.rope_sin = arena.alloc_array<float>(T * hs / 2);
  s.logits = arena.alloc_array<float>(size_t(config_.vocab_size));
  if (!s.x || !s.xb || !s.q || !s.k || !s.v || !s.att || !s.hb || !s.hb2 || !s.scores ||
      !s.rope_cos || !s.rope_sin || !s.logits) {
    return Status::error("out of memory for the activations (%zu MB free)",
                         arena.remaining() >> 20);
  }
  INFERPI_TRY(s.kv.init(options.kv_type, config_.n_layers, context_, int(kv_dim), arena));
  memset(s.logits, 0, size_t(config_.vocab_size) * sizeof(float));
  // Rotary tables of the local (sliding-window) layers, which have their own base.
  s.rope_cos_local = s.rope_sin_local = nullptr;
  if (config_.sliding_window > 0) {
    s.rope_cos_local = arena.alloc_array<float>(T * hs / 2);
    s.rope_sin_local = arena.alloc_array<float>(T * hs / 2);
    if (!s.rope_cos_local || !s.rope_sin_local) return Status::error("out of memory for RoPE");
  }

  const ChatTemplateSpec* spec = chat_template_spec(uint32_t(config_.chat_template));
  if (!spec) return Status::error("unknown chat template id %u", uint32_t(config_.chat_template));
  INFERPI_TRY(make_chat_format(*spec, *tokenizer_, config_.add_bos, config_.stop_ids,
                               config_.n_stop_ids, arena, &chat_));

  // What the menu and /stats show.
  ModelInfo& m = info_;
  m.describe("Llama", config_.architecture, weights_.layers[0].wq.type, config_);
  m.requested_context = requested_context_;
  m.bytes_per_position = bytes_per_position_;
  auto elems = [](const Tensor& t) { return t.empty() ? 0 : uint64_t(t.rows) * uint64_t(t.cols); };
  uint64_t params = elems(weights_.token_embd) + elems(weights_.output_norm);
  uint64_t bytes = weights_.output.bytes();
  if (!config_.tied_output) params += elems(weights_.output);
  for (int l = 0; l < config_.n_layers; l++) {
    const LlamaLayerWeights& w = weights_.layers[l];
    const Tensor* all[] = {&w.attn_norm,
                           &w.wq,
                           &w.wk,
                           &w.wv,
                           &w.bq,
                           &w.bk,
                           &w.bv,
                           &w.q_norm,
                           &w.k_norm,
                           &w.wo,
                           &w.attn_post_norm,
                           &w.ffn_norm,
                           &w.w_gate,
                           &w.w_up,
                           &w.w_down,
                           &w.ffn_post_norm};
    for (const Tensor* t : all) {
      params += elems(*t);
      if (!t->empty()) bytes += t->bytes();
    }
  }
  m.n_params = params;
  m.weight_bytes = bytes;
  pos_ = 0;
  return Status::ok();
}

// The context: the model's own (or the one asked for), unless its KV cache does not fit in
// memory; then the largest that does (asked for explicitly: an error saying what fits).
Status LlamaEngine::choose_context(const EngineOptions& options, const Arena& arena) {
  const uint64_t T = kChunk, D = uint64_t(config_.dim), F = uint64_t(config_.hidden_dim);
  const uint64_t hs = uint64_t(config_.head_dim), q_dim = uint64_t(config_.n_heads) * hs;
  const uint64_t kv_dim = uint64_t(config_.n_kv_heads) * hs, V = uint64_t(config_.vocab_size);
  const uint64_t kv_elem = kv_element_bytes(options.kv_type);
  // Per position: keys + values of every layer, an attention score per worker and the chat
  // session's two token arrays. Fixed: one prefill chunk's activations, the logits, and
  // for the chat session, sampler and template about four vocabulary-sized arrays + 1 MiB.
  bytes_per_position_ = 2 * uint64_t(config_.n_layers) * kv_dim * kv_elem +
                        uint64_t(ops::kAttentionWorkers) * 4 + 2 * sizeof(int);
  const uint64_t fixed =
      4 * (T * (2 * D + 2 * q_dim + 2 * kv_dim + 2 * F + hs) + V) + 4 * V * 8 + (1u << 20);
  const bool asked = options.max_context > 0;
  requested_context_ = asked && options.max_context < config_.max_context ? options.max_context
                                                                          : config_.max_context;
  const uint64_t available = arena.largest_free();
  context_ = context_that_fits(requested_context_, fixed, bytes_per_position_, available);
  if (context_ == requested_context_) return Status::ok();
  const int minimum = requested_context_ < 64 ? requested_context_ : 64;
  if (asked || context_ < minimum) {
    const uint64_t need = fixed + bytes_per_position_ * uint64_t(requested_context_);
    return Status::error(
        "a context of %d tokens needs %llu MB for the KV cache and activations, %llu MB is "
        "free (%d tokens fit)",
        requested_context_, (unsigned long long)(need >> 20), (unsigned long long)(available >> 20),
        context_);
  }
  return Status::ok();
}

// ---- factory --------------------------------------------------------------------------------

static bool llama_probe(const uint8_t* head, size_t head_size) {
  return detect_llama_format(head, head_size) != LlamaFileFormat::Unknown;
}

static Status llama_describe(const uint8_t* head, size_t head_size, uint64_t file_size,
                             ModelSummary* out) {
  *out = ModelSummary{};
  copy_string(out->engine, sizeof(out->engine), "Llama");
  LlamaFileFormat f = detect_llama_format(head, head_size);
  if (f == LlamaFileFormat::Unknown) return Status::error("not a Llama model file");
  if (f != LlamaFileFormat::InferPi) {
    copy_string(out->architecture, sizeof(out->architecture), "llama2.c");
    DType t = DType::F32;
    if (f == LlamaFileFormat::Llama2cV0) llama2c_v0_dtype(head, head_size, file_size, &t);
    copy_string(out->dtype, sizeof(out->dtype), dtype_name(t));
    out->n_params = file_size / (t == DType::F16 ? 2 : 4);
    const size_t at = f == LlamaFileFormat::Llama2cV1 ? 8 : 0;  // the 7 ints
    if (head_size >= at + 28) {
      const int64_t dim = int32_t(load_le32(head + at)), layers = int32_t(load_le32(head + at + 8));
      const int64_t heads = int32_t(load_le32(head + at + 12));
      const int64_t kv_heads = int32_t(load_le32(head + at + 16));
      const int64_t ctx = int32_t(load_le32(head + at + 24));
      if (dim > 0 && layers > 0 && heads > 0 && kv_heads > 0 && ctx > 0 && layers < 4096 &&
          dim < 65536 && heads <= dim) {
        out->kv_bytes_per_position = uint64_t(2 * layers * kv_heads * (dim / heads)) *
                                     kv_element_bytes(EngineOptions{}.kv_type);
        out->context = int(ctx);
      }
    }
    return Status::ok();
  }
  using namespace llama_format;
  if (head_size < kHeaderSize) return Status::error("model.bin: header truncated");
  const char* arch = arch_name(load_le32(head + kOffArch));
  copy_string(out->architecture, sizeof(out->architecture), arch ? arch : "?");
  uint64_t table = load_le64(head + kOffTableOffset);
  // The first tensor is the token embedding; its type names the file's dtype.
  if (table + kEntrySize <= head_size) {
    copy_string(out->dtype, sizeof(out->dtype), dtype_name(DType(load_le32(head + table + 32))));
  }
  uint64_t D = load_le32(head + kOffDim), F = load_le32(head + kOffHiddenDim);
  uint64_t L = load_le32(head + kOffLayers), V = load_le32(head + kOffVocab);
  uint64_t hs = load_le32(head + kOffHeadDim);
  uint64_t q = load_le32(head + kOffHeads) * hs, kv = load_le32(head + kOffKvHeads) * hs;
  bool tied = load_le32(head + kOffFlags) & kFlagTied;
  out->n_params = V * D * (tied ? 1 : 2) + D + L * (2 * D + 2 * D * q + 2 * D * kv + 3 * D * F);
  out->kv_bytes_per_position = 2 * L * kv * kv_element_bytes(EngineOptions{}.kv_type);
  out->context = int(load_le32(head + kOffContext) & 0x7fffffff);
  return Status::ok();
}

static Status llama_create(const ModelFiles& files, const EngineOptions& options, Arena& arena,
                           Engine** out) {
  *out = nullptr;
  LlamaConfig config;
  LlamaWeights weights{};
  INFERPI_TRY(load_llama_model(files.model, files.model_size, arena, &config, &weights));
  if (!files.tokenizer) return Status::error("tokenizer.bin is missing");
  Tokenizer* tok = nullptr;
  if (config.tokenizer == TokenizerKind::SentencePiece) {
    auto* spm = arena_new<SpmTokenizer>(arena);
    if (!spm) return Status::error("out of memory for the tokenizer");
    Status st = spm->load(files.tokenizer, files.tokenizer_size, config.vocab_size, config.bos_id,
                          config.eos_id, arena);
    if (!st) return st;
    tok = spm;
  } else if (config.tokenizer == TokenizerKind::ByteLevelBpe) {
    auto* bpe = arena_new<BpeTokenizer>(arena);
    if (!bpe) return Status::error("out of memory for the tokenizer");
    Status st = bpe->load(files.tokenizer, files.tokenizer_size, config.vocab_size, arena);
    if (!st) return st.with_context("tokenizer.bin");
    tok = bpe;
  } else {
    return Status::error("model.bin names no tokenizer type");
  }
  auto* engine = arena_new<LlamaEngine>(arena);
  if (!engine) return Status::error("out of memory for the engine");
  INFERPI_TRY(engine->init(config, weights, tok, options, arena));
  *out = engine;
  return Status::ok();
}

const EngineFactory kLlamaEngineFactory = {"Llama", llama_probe, llama_describe, llama_create};

}  // namespace inferpi
