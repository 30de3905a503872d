#include "engines/core/sampler.h"

#include <algorithm>

#include "runtime/core/kmath.h"

namespace inferpi {

Status Sampler::init(int vocab_size, Arena& arena) {
  vocab_size_ = vocab_size;
  candidates_ = arena.alloc_array<Candidate>(size_t(vocab_size));
  if (!candidates_) return Status::error("sampler: out of memory for %d candidates", vocab_size);
  configure(settings_);
  return Status::ok();
}

void Sampler::configure(const SamplerSettings& s) {
  settings_ = s;
  reseed(s.seed);
}

uint32_t Sampler::random_u32() {  // xorshift64* (as llama2.c)
  rng_state_ ^= rng_state_ >> 12;
  rng_state_ ^= rng_state_ << 25;
  rng_state_ ^= rng_state_ >> 27;
  return uint32_t((rng_state_ * 0x2545F4914F6CDD1DULL) >> 32);
}

float Sampler::random_f32() { return float(random_u32() >> 8) / 16777216.0f; }

int Sampler::argmax(const float* logits, int n) {
  int best = 0;
  for (int i = 1; i < n; i++) {
    if (logits[i] > logits[best]) best = i;
  }
  return best;
}

int Sampler::sample(float* logits, const int* recent, int n_recent) {
  const int n = vocab_size_;
  if (settings_.repetition_penalty != 1.0f && recent) {
    int start = n_recent > settings_.repetition_window ? n_recent - settings_.repetition_window : 0;
    for (int i = start; i < n_recent; i++) {
      int t = recent[i];
      if (t < 0 || t >= n) continue;
      // CTRL-style penalty; applying it twice to a repeated token is intended (stronger).
      logits[t] = logits[t] > 0 ? logits[t] / settings_.repetition_penalty
                                : logits[t] * settings_.repetition_penalty;
    }
  }
  if (settings_.temperature <= 0.0f) return argmax(logits, n);

  // Softmax with temperature into the candidate list.
  float max = logits[argmax(logits, n)];
  float sum = 0;
  for (int i = 0; i < n; i++) {
    float p = kmath::expf((logits[i] - max) / settings_.temperature);
    candidates_[i] = {p, i};
    sum += p;
  }
  // Order by probability (ties by id, so the order is the same everywhere), then cut to
  // top-k and to the smallest prefix whose mass reaches top_p.
  int k = n;
  auto by_prob = [](const Candidate& a, const Candidate& b) {
    return a.prob > b.prob || (a.prob == b.prob && a.index < b.index);
  };
  if (settings_.top_k > 0 && settings_.top_k < n) {
    k = settings_.top_k;
    std::partial_sort(candidates_, candidates_ + k, candidates_ + n, by_prob);
  } else {
    std::sort(candidates_, candidates_ + n, by_prob);
  }
  float kept = 0;
  int cut = k;
  for (int i = 0; i < k; i++) {
    kept += candidates_[i].prob / sum;
    if (settings_.top_p < 1.0f && kept >= settings_.top_p) {
      cut = i + 1;
      break;
    }
  }
  float total = 0;
  for (int i = 0; i < cut; i++) total += candidates_[i].prob;
  float r = random_f32() * total;
  float acc = 0;
  for (int i = 0; i < cut; i++) {
    acc += candidates_[i].prob;
    if (r < acc) return candidates_[i].index;
  }
  return candidates_[cut - 1].index;
}

}  // namespace inferpi
