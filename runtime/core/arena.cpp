#include "runtime/core/arena.h"

#include <cstring>

namespace inferpi {

void Arena::init(void* base, size_t size) {
  base_ = static_cast<uint8_t*>(base);
  size_ = size;
  used_ = 0;
  high_water_ = 0;
}

static size_t padding_for(uintptr_t addr, size_t align) {
  return (align - (addr & (align - 1))) & (align - 1);
}

void* Arena::alloc(size_t bytes, size_t align) {
  if (align == 0 || (align & (align - 1))) return nullptr;
  uintptr_t cur = reinterpret_cast<uintptr_t>(base_) + used_;
  size_t pad = padding_for(cur, align);
  if (pad > size_ - used_ || bytes > size_ - used_ - pad) return nullptr;
  used_ += pad + bytes;
  if (used_ > high_water_) high_water_ = used_;
  return reinterpret_cast<void*>(cur + pad);
}

void* Arena::alloc_zeroed(size_t bytes, size_t align) {
  void* p = alloc(bytes, align);
  if (p) memset(p, 0, bytes);
  return p;
}

size_t Arena::largest_free(size_t align) const {
  uintptr_t cur = reinterpret_cast<uintptr_t>(base_) + used_;
  size_t pad = padding_for(cur, align);
  return pad > size_ - used_ ? 0 : size_ - used_ - pad;
}

}  // namespace inferpi
