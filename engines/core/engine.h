// Engine: one model family's forward pass behind one virtual interface. The app, the host
// CLI and the tests only ever talk to this. An engine owns a KV cache of `context_length()`
// positions; forward() appends tokens at position() and advances it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>

#include "engines/core/chat.h"
#include "engines/core/dtype.h"
#include "engines/core/kv_cache.h"
#include "engines/core/model_shape.h"
#include "engines/core/tokenizer.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

struct ModelInfo : ModelShape {
  char engine[16] = {};        // "GPT2", "Llama", ...
  char architecture[32] = {};  // "nanochat", "llama", "qwen2", ...
  char dtype[16] = {};         // dominant weight type, "f16", "q8_0", "mixed" ...
  uint64_t n_params = 0;
  uint64_t weight_bytes = 0;  // bytes of weights streamed per decoded token (for /bench)
  // Memory of one context position (KV cache of all layers + per-position scratch), and the
  // context the engine was asked for (the model's own, or an explicit request) before it
  // fitted it to memory: context_length() < requested_context means memory decided.
  uint64_t bytes_per_position = 0;
  int requested_context = 0;

  // Names and shape in one step (the strings are copied, cut to fit).
  void describe(const char* engine_name, const char* architecture_name, DType weight_type,
                const ModelShape& shape);
};

// The loaded files an engine is built from. Weights stay where they are (no copy).
struct ModelFiles {
  const uint8_t* model = nullptr;
  size_t model_size = 0;
  const uint8_t* tokenizer = nullptr;  // null when the model file carries it (GGUF)
  size_t tokenizer_size = 0;
};

struct EngineOptions {
  // 0 = the model's own context length, or the largest that fits in memory (Llama engine;
  // the GPT2 engine caps it at kDefaultContextCap). N > 0 = exactly min(N, the model's), or
  // an error saying how much fits.
  int max_context = 0;
  KvType kv_type = KvType::F16;  // f32: exact attention inputs, for reference comparisons
  static constexpr int kDefaultContextCap = 4096;
};

// Context planning (engines/core/context_fit.cpp): the largest context <= wanted whose
// memory (fixed + per_position * context) fits in `available` bytes; a multiple of 256
// above 256 tokens, of 16 below. 0 when not even 16 positions fit.
int context_that_fits(int wanted, uint64_t fixed, uint64_t per_position, uint64_t available);

class Engine {
 public:
  virtual ~Engine() = default;

  virtual const ModelInfo& info() const = 0;
  virtual const Tokenizer& tokenizer() const = 0;
  virtual ChatFormat& chat_format() = 0;

  // Tokens currently in the KV cache, and its capacity.
  virtual int position() const = 0;
  virtual int context_length() const = 0;
  // Forget the conversation (KV cache and any carried state such as nanochat's smear).
  virtual void reset() = 0;

  // Runs `n` tokens at positions position()..position()+n-1 and advances position().
  // Engines process them in chunks (batched prefill). Afterwards logits() holds the logits
  // after the last token. If `all_logits` is non-null it receives [n, vocab] logits for
  // every position (tests, perplexity). Fails cleanly when the context would overflow.
  virtual Status forward(const int* tokens, int n, float* all_logits = nullptr) = 0;
  virtual const float* logits() const = 0;

  // Benchmarks only (tools/bench): advances position() by n as if n tokens had been run,
  // with zeros in their KV cache rows. The cost of the next forward() depends on how many
  // positions it attends to, not on their values, so a decode step at context 1024 can be
  // measured without first running a 1023-token prefill.
  virtual Status skip_for_benchmark(int n) {
    (void)n;
    return Status::error("this engine cannot skip positions");
  }

 protected:
  // forward()'s input check, the same for every engine: at least one token, room for all of
  // them in the context, every id inside the vocabulary.
  Status check_forward_input(const int* tokens, int n, int vocab_size) const;
};

// The registry picks the engine for a model file from its magic/header. Adding an engine
// is one new EngineFactory and one line in registry.cpp.
struct ModelSummary {
  char engine[16] = {};
  char architecture[32] = {};
  char dtype[16] = {};
  uint64_t n_params = 0;
  // For the loader's fit check before reading the files (0 = not known from the header):
  // KV cache bytes per context position (at the default KV type, f16) and the model's context
  // length.
  uint64_t kv_bytes_per_position = 0;
  int context = 0;
};

struct EngineFactory {
  const char* name;
  // Cheap check on the first bytes of the model file (at least 4 KiB or the whole file).
  bool (*probe)(const uint8_t* head, size_t head_size);
  // Menu line information from the same bytes; may fail with a clear message.
  Status (*describe)(const uint8_t* head, size_t head_size, uint64_t file_size, ModelSummary* out);
  // Builds the engine; everything it needs (KV cache, scratch, the engine object itself)
  // comes from `arena`, so resetting the arena to a mark frees it all.
  Status (*create)(const ModelFiles& files, const EngineOptions& options, Arena& arena,
                   Engine** out);
};

const EngineFactory* find_engine(const uint8_t* head, size_t head_size);
Status describe_model(const uint8_t* head, size_t head_size, uint64_t file_size, ModelSummary* out);
Status create_engine(const ModelFiles& files, const EngineOptions& options, Arena& arena,
                     Engine** out);

// Placement helper: constructs a T inside the arena (never destroyed: the arena reset frees it).
template <typename T, typename... Args>
T* arena_new(Arena& arena, Args&&... args) {
  void* p = arena.alloc(sizeof(T), alignof(T) < 64 ? 64 : alignof(T));
  return p ? new (p) T(static_cast<Args&&>(args)...) : nullptr;
}

}  // namespace inferpi
