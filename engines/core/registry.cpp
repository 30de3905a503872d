#include "engines/core/engine.h"

namespace inferpi {

// One line per engine. Each engine's .cpp defines its factory. (Weak so that a build can
// leave an engine out; a missing one is skipped.)
[[gnu::weak]] extern const EngineFactory kLlamaEngineFactory;
[[gnu::weak]] extern const EngineFactory kGpt2EngineFactory;
[[gnu::weak]] extern const EngineFactory kGgufEngineFactory;

static const EngineFactory* const kFactories[] = {
    &kLlamaEngineFactory,
    &kGpt2EngineFactory,
    &kGgufEngineFactory,
};

const EngineFactory* find_engine(const uint8_t* head, size_t head_size) {
  for (const EngineFactory* f : kFactories) {
    if (f && f->probe(head, head_size)) return f;
  }
  return nullptr;
}

Status describe_model(const uint8_t* head, size_t head_size, uint64_t file_size,
                      ModelSummary* out) {
  const EngineFactory* f = find_engine(head, head_size);
  if (!f) return Status::error("not a model file we know (unrecognised header)");
  return f->describe(head, head_size, file_size, out);
}

Status create_engine(const ModelFiles& files, const EngineOptions& options, Arena& arena,
                     Engine** out) {
  *out = nullptr;
  const EngineFactory* f = find_engine(files.model, files.model_size);
  if (!f) return Status::error("not a model file we know (unrecognised header)");
  return f->create(files, options, arena, out);
}

}  // namespace inferpi
