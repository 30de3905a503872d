// KvCache: the keys and values of every position an engine has seen, one row of kv_dim
// numbers per (layer, position). Stored as f16 by default: a decode step reads the whole
// cache, and at long contexts that is as many bytes as the weights (docs/performance.md
// §2.2), so halving it is what keeps the rate up at context 1024. f32 stays selectable
// (EngineOptions::kv_type) for tests that compare with f32 references.
// Rows are written through kernels::f32_to_f16_row (round to nearest even) and read by
// ops::attend_chunk, whose f16 kernels widen each half exactly before the f32 arithmetic.
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

enum class KvType : uint8_t { F16, F32 };
const char* kv_type_name(KvType type);
inline size_t kv_element_bytes(KvType type) { return type == KvType::F16 ? 2 : 4; }
// Parses "f16" / "f32" (settings, command-line options); false for anything else.
bool parse_kv_type(const char* text, KvType* out);

class KvCache {
 public:
  // Bytes of keys + values for `layers` × `context` rows of `kv_dim`.
  static size_t bytes_for(KvType type, int layers, int context, int kv_dim) {
    return 2 * size_t(layers) * size_t(context) * size_t(kv_dim) * kv_element_bytes(type);
  }
  Status init(KvType type, int layers, int context, int kv_dim, Arena& arena);

  // Row `pos` of `layer`: k and v are kv_dim floats each.
  void store(int layer, int pos, const float* k, const float* v);
  // Rows pos..pos+n-1 of every layer set to zero (skip_for_benchmark).
  void zero(int pos, int n);

  KvType type() const { return type_; }
  size_t bytes() const { return bytes_for(type_, layers_, context_, kv_dim_); }
  // One layer's keys / values: position p's row starts at element p * kv_dim.
  const void* keys(int layer) const { return at(keys_, layer, 0); }
  const void* values(int layer) const { return at(values_, layer, 0); }

 private:
  uint8_t* at(uint8_t* base, int layer, int pos) const {
    return base + (size_t(layer) * size_t(context_) + size_t(pos)) * row_bytes_;
  }

  KvType type_ = KvType::F16;
  int layers_ = 0, context_ = 0, kv_dim_ = 0;
  size_t row_bytes_ = 0;
  uint8_t* keys_ = nullptr;
  uint8_t* values_ = nullptr;
};

}  // namespace inferpi
