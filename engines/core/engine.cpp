#include "engines/core/engine.h"

#include "runtime/core/kstring.h"

namespace inferpi {

void ModelInfo::describe(const char* engine_name, const char* architecture_name, DType weight_type,
                         const ModelShape& shape) {
  copy_string(engine, sizeof engine, engine_name);
  copy_string(architecture, sizeof architecture, architecture_name);
  copy_string(dtype, sizeof dtype, dtype_name(weight_type));
  static_cast<ModelShape&>(*this) = shape;
}

Status Engine::check_forward_input(const int* tokens, int n, int vocab_size) const {
  if (n <= 0) return Status::error("forward: no tokens");
  if (n > context_length() - position()) {
    return Status::error("context full: %d tokens in the cache + %d new > %d", position(), n,
                         context_length());
  }
  for (int i = 0; i < n; i++) {
    if (tokens[i] < 0 || tokens[i] >= vocab_size) {
      return Status::error("token id %d outside the vocabulary (0..%d)", tokens[i], vocab_size - 1);
    }
  }
  return Status::ok();
}

}  // namespace inferpi
