// Tokens processed in a measured time: a chat turn's prompt and reply, the /bench decode run.
#pragma once
#include <cstdint>

namespace inferpi {

struct TokenTiming {
  int tokens = 0;
  uint64_t us = 0;
  double per_second() const { return us ? double(tokens) * 1e6 / double(us) : 0.0; }
  double ms() const { return double(us) / 1000.0; }
};

}  // namespace inferpi
