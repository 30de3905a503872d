#include "engines/core/engine.h"

namespace inferpi {

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
