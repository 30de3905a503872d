// Arena: a bump allocator over one contiguous block of memory, with mark()/reset().
// The app takes a mark before loading a model and resets to it on /exit, which throws
// away the model, its KV cache and every buffer it made, in O(1), with no fragmentation.
// Allocation failure returns nullptr (never panics): callers turn it into a Status that
// says how much was asked for and how much is left.
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi {

class Arena {
 public:
  Arena() = default;
  Arena(void* base, size_t size) { init(base, size); }
  void init(void* base, size_t size);

  // Returns `bytes` bytes aligned to `align` (a power of two), or nullptr when full.
  void* alloc(size_t bytes, size_t align = 64);
  // Zero-filled allocation.
  void* alloc_zeroed(size_t bytes, size_t align = 64);
  template <typename T>
  T* alloc_array(size_t count, size_t align = alignof(T) < 64 ? 64 : alignof(T)) {
    if (count > SIZE_MAX / sizeof(T)) return nullptr;
    return static_cast<T*>(alloc(count * sizeof(T), align));
  }

  using Mark = size_t;
  Mark mark() const { return used_; }
  void reset(Mark m) { used_ = m <= used_ ? m : used_; }
  void reset_all() { used_ = 0; }

  uint8_t* base() const { return base_; }
  size_t capacity() const { return size_; }
  size_t used() const { return used_; }
  size_t remaining() const { return size_ - used_; }
  size_t high_water() const { return high_water_; }
  // Largest block alloc(…, align) can still return.
  size_t largest_free(size_t align = 64) const;

 private:
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
  size_t used_ = 0;
  size_t high_water_ = 0;
};

}  // namespace inferpi
