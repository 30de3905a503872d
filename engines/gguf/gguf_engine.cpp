// The engine factory for GGUF files: the container is parsed and validated here, then the
// Llama engine runs from the tensors where they lie in the loaded file.
#include "engines/core/engine.h"
#include "engines/gguf/gguf.h"
#include "engines/gguf/gguf_families.h"
#include "engines/gguf/gguf_llama.h"
#include "engines/llama/llama_engine.h"
#include "runtime/core/code_names.h"
#include "runtime/core/console.h"
#include "runtime/core/kstring.h"

namespace inferpi {

namespace {

bool gguf_probe(const uint8_t* head, size_t head_size) { return gguf::has_magic(head, head_size); }

// general.file_type (llama_ftype) → a short name for the menu; a hint only.
constexpr CodeName kFileTypes[] = {
    {0, "f32"},     {1, "f16"},   {2, "q4_0"},    {3, "q4_1"},    {7, "q8_0"},
    {8, "q5_0"},    {9, "q5_1"},  {14, "q4_K_S"}, {15, "q4_K_M"}, {16, "q5_K_S"},
    {17, "q5_K_M"}, {18, "q6_K"}, {32, "bf16"},
};

const char* file_type_name(uint32_t t) { return name_of(t, kFileTypes, "mixed"); }

Status gguf_describe(const uint8_t* head, size_t head_size, uint64_t file_size, ModelSummary* out) {
  *out = ModelSummary{};
  copy_string(out->engine, sizeof out->engine, "GGUF");
  gguf::HeadSummary s;
  INFERPI_TRY(gguf::summarize_head(head, head_size, &s));
  copy_string(out->architecture, sizeof out->architecture,
              s.architecture[0] ? s.architecture : "?");
  copy_string(out->dtype, sizeof out->dtype, file_type_name(s.file_type));
  if (s.architecture[0]) INFERPI_TRY(gguf::check_architecture(s.architecture));
  (void)file_size;  // parameter count needs the tensor infos; shown after loading
  // The KV cache per position (keys and values of every layer at the default KV type), when
  // the head has the hyperparameters: the loader counts it in its fit check before reading.
  if (s.block_count && s.embedding_length && s.head_count && s.block_count < 4096 &&
      s.head_count < 4096 && s.head_count_kv < 4096 && s.key_length < 65536 &&
      s.value_length < 65536 && s.embedding_length < (1u << 20)) {
    const uint64_t key = s.key_length ? s.key_length : s.embedding_length / s.head_count;
    const uint64_t value = s.value_length ? s.value_length : key;
    const uint64_t kv_heads = s.head_count_kv ? s.head_count_kv : s.head_count;
    out->kv_bytes_per_position =
        s.block_count * kv_heads * (key + value) * kv_element_bytes(EngineOptions{}.kv_type);
    out->context = s.context_length && s.context_length < (1u << 24) ? int(s.context_length) : 2048;
  }
  return Status::ok();
}

Status gguf_create(const ModelFiles& files, const EngineOptions& options, Arena& arena,
                   Engine** out) {
  *out = nullptr;
  auto* file = arena_new<gguf::GgufFile>(arena);
  if (!file) return Status::error("out of memory");
  Status st = file->parse(files.model, files.model_size, arena);
  if (!st) return st.with_context("GGUF");
  LlamaConfig config;
  LlamaWeights weights{};
  INFERPI_TRY(gguf::llama_config_from_gguf(*file, &config));
  INFERPI_TRY(gguf::llama_weights_from_gguf(*file, config, arena, &weights));
  Tokenizer* tok = nullptr;
  INFERPI_TRY(gguf::tokenizer_from_gguf(*file, config, arena, &tok));
  gguf::Str jinja{};
  bool recognised = false;
  if (file->get_string("tokenizer.chat_template", &jinja)) {
    gguf::chat_template_from_jinja(jinja, &recognised);
    if (!recognised) {
      kprint(
          "GGUF: chat template not recognised (not ChatML, Qwen3, Llama-2, Llama-3, Gemma, "
          "Zephyr or Alpaca): plain completion\n");
    }
  }
  auto* engine = arena_new<LlamaEngine>(arena);
  if (!engine) return Status::error("out of memory for the engine");
  INFERPI_TRY(engine->init(config, weights, tok, options, arena));
  *out = engine;
  return Status::ok();
}

}  // namespace

extern const EngineFactory kGgufEngineFactory;
const EngineFactory kGgufEngineFactory = {"GGUF", gguf_probe, gguf_describe, gguf_create};

}  // namespace inferpi
