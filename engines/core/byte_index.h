// An open-addressing index from byte strings to ids, shared by the tokenizers' vocabularies
// and the GGUF vocabulary import: one hash, one probe, one insert.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "runtime/core/arena.h"

namespace inferpi {

inline uint32_t hash_bytes(const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint32_t h = 2166136261u;  // FNV-1a
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

// Slots hold id + 1 (0 = empty); the owner allocates them zeroed, a power of two more than
// the ids, and keeps the strings: `bytes_of(id, &len)` returns id's bytes.
struct ByteIndex {
  uint32_t* slots = nullptr;
  uint32_t mask = 0;

  // Room for n_ids (at most half the slots used). False when the arena is out of memory.
  bool init(uint32_t n_ids, Arena& arena) {
    uint32_t n_slots = 1;
    while (n_slots < 2 * n_ids) n_slots <<= 1;
    slots = static_cast<uint32_t*>(arena.alloc_zeroed(size_t(n_slots) * 4));
    mask = n_slots - 1;
    return slots != nullptr;
  }
  template <typename BytesOf>
  int find(const void* p, size_t n, BytesOf bytes_of) const {  // -1 if none
    for (uint32_t h = hash_bytes(p, n) & mask; slots[h]; h = (h + 1) & mask) {
      size_t len = 0;
      const void* b = bytes_of(int(slots[h] - 1), &len);
      if (len == n && memcmp(b, p, n) == 0) return int(slots[h] - 1);
    }
    return -1;
  }
  void insert(const void* p, size_t n, uint32_t id) {
    uint32_t h = hash_bytes(p, n) & mask;
    while (slots[h]) h = (h + 1) & mask;
    slots[h] = id + 1;
  }
};

}  // namespace inferpi
