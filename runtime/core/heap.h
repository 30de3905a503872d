// Heap: a first-fit free-list allocator over one block of memory, for the kernel's
// operator new/delete (long-lived, small objects: drivers, tables). Model weights and
// per-model buffers do NOT come from here; they come from an Arena (arena.h) so that one
// reset() throws a whole model away. Not thread-safe: the kernel wraps it in a lock.
// Portable (host-tested in tests/runtime/heap_test.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi {

class Heap {
 public:
  void init(void* base, size_t size);
  // nullptr when no free chunk fits (or align is not a power of two).
  void* alloc(size_t size, size_t align = 16);
  // false (and nothing changes) if p was not returned by alloc() or was already freed.
  bool free(void* p);

  size_t capacity() const { return capacity_; }
  size_t free_bytes() const;
  size_t largest_free() const;
  size_t allocations() const { return live_; }

 private:
  struct Chunk {
    size_t size;  // bytes, including this header; multiple of 16
    Chunk* next;  // next free chunk at a higher address
  };
  Chunk* free_list_ = nullptr;
  uint8_t* base_ = nullptr;
  size_t capacity_ = 0;
  size_t live_ = 0;
};

}  // namespace inferpi
