// nanochat's calculator tool (docs/nanochat.md §5.3, engine.py use_calculator), without
// eval: a small parser for exactly what nanochat accepts, with Python's semantics.
//   * commas are removed; then either
//   * arithmetic over "0123456789*+-/.() " (no "**"; nanochat's set has no "%"): ints
//     (64-bit here; Python's are unbounded: an overflow gives no result), floats, + - * /
//     //, unary +/-, parentheses; / is true division, // floors like Python; printed like Python's
//     str(): "10", "5.0", "0.2", "3.3333333333333335", "1e-05";
//   * or 'text'.count('x') (quotes ' or "): the number of non-overlapping occurrences.
// Anything else (or an error such as division by zero) returns false: no tool output.
#pragma once
#include <cstddef>

namespace inferpi {

bool nanochat_calculator(const char* expr, size_t len, char* out, size_t cap);

// Python's repr() of a double: the shortest digits that read back to the same value.
size_t python_float_repr(double v, char* out, size_t cap);

}  // namespace inferpi
