// Sampler: logits -> next token. Greedy at temperature 0; otherwise temperature, top-k,
// top-p (nucleus) and an optional repetition penalty, driven by a seedable xorshift64*
// RNG so the same seed and prompt give the same tokens on every board.
#pragma once
#include <cstdint>

#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

struct SamplerSettings {
  float temperature = 0.8f;
  float top_p = 0.95f;
  int top_k = 40;                   // 0 = off
  float repetition_penalty = 1.0f;  // 1 = off
  int repetition_window = 64;       // how many recent tokens the penalty looks at
  uint64_t seed = 42;
};

class Sampler {
 public:
  // Scratch for vocab_size candidates comes from the arena.
  Status init(int vocab_size, Arena& arena);
  void configure(const SamplerSettings& s);
  const SamplerSettings& settings() const { return settings_; }
  void reseed(uint64_t seed) { rng_state_ = seed ? seed : 0x9e3779b97f4a7c15ULL; }

  // Picks the next token. `logits` is modified (penalty, temperature). `recent` holds the
  // last `n_recent` tokens (for the repetition penalty; may be null).
  int sample(float* logits, const int* recent, int n_recent);

  static int argmax(const float* logits, int n);
  uint32_t random_u32();
  float random_f32();  // [0, 1)

 private:
  struct Candidate {
    float prob;
    int index;
  };
  int vocab_size_ = 0;
  Candidate* candidates_ = nullptr;
  SamplerSettings settings_;
  uint64_t rng_state_ = 42;
};

}  // namespace inferpi
