#include "engines/core/kv_cache.h"

#include <cstring>

#include "engines/core/kernels.h"

namespace inferpi {

const char* kv_type_name(KvType type) { return type == KvType::F16 ? "f16" : "f32"; }

bool parse_kv_type(const char* text, KvType* out) {
  if (strcmp(text, "f16") == 0) {
    *out = KvType::F16;
  } else if (strcmp(text, "f32") == 0) {
    *out = KvType::F32;
  } else {
    return false;
  }
  return true;
}

Status KvCache::init(KvType type, int layers, int context, int kv_dim, Arena& arena) {
  type_ = type;
  layers_ = layers, context_ = context, kv_dim_ = kv_dim;
  row_bytes_ = size_t(kv_dim) * kv_element_bytes(type);
  const size_t half = bytes() / 2;
  keys_ = static_cast<uint8_t*>(arena.alloc(half));
  values_ = keys_ ? static_cast<uint8_t*>(arena.alloc(half)) : nullptr;
  if (!keys_ || !values_) {
    return Status::error(
        "out of memory for the %s KV cache (%zu MiB for %d positions; %zu MiB free)",
        kv_type_name(type), bytes() >> 20, context, arena.remaining() >> 20);
  }
  return Status::ok();
}

void KvCache::store(int layer, int pos, const float* k, const float* v) {
  uint8_t *kd = at(keys_, layer, pos), *vd = at(values_, layer, pos);
  if (type_ == KvType::F16) {
    kernels::f32_to_f16_row(reinterpret_cast<uint16_t*>(kd), k, kv_dim_);
    kernels::f32_to_f16_row(reinterpret_cast<uint16_t*>(vd), v, kv_dim_);
  } else {
    memcpy(kd, k, row_bytes_);
    memcpy(vd, v, row_bytes_);
  }
}

void KvCache::zero(int pos, int n) {
  for (int l = 0; l < layers_; l++) {
    memset(at(keys_, l, pos), 0, size_t(n) * row_bytes_);
    memset(at(values_, l, pos), 0, size_t(n) * row_bytes_);
  }
}

}  // namespace inferpi
