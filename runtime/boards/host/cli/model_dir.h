// Host: loading a model folder (model.bin + tokenizer.bin, or a .gguf) into memory-mapped
// files and building its engine through the registry.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/engine.h"
#include "runtime/core/arena.h"

namespace inferpi::host {

struct MappedFile {
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool map(const std::string& path, std::string* error);
  ~MappedFile();
};

struct LoadedModel {
  MappedFile model, tokenizer;
  void* arena_memory = nullptr;
  size_t arena_size = 0;
  Arena arena;
  Engine* engine = nullptr;
  ~LoadedModel();
};

// True if `dir` holds a model we could load (model.bin or a .gguf file).
bool is_model_dir(const std::string& dir);
// Loads the folder; on failure returns false with a one-line message in *error.
bool load_model_dir(const std::string& dir, const EngineOptions& options, LoadedModel* out,
                    std::string* error);

}  // namespace inferpi::host
