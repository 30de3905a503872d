#include "runtime/core/heap.h"

namespace inferpi {

namespace {

// Sits right before every payload: where its chunk starts and how big it is.
struct AllocHeader {
  uint64_t chunk_size;
  uint32_t offset;  // payload header address - chunk start
  uint32_t magic;
};
static_assert(sizeof(AllocHeader) == 16);
constexpr uint32_t kLiveMagic = 0x48454150;  // "HEAP"
constexpr size_t kMinChunk = 32;

uintptr_t align_up(uintptr_t v, size_t a) { return (v + a - 1) & ~uintptr_t(a - 1); }

}  // namespace

void Heap::init(void* base, size_t size) {
  uintptr_t start = align_up(reinterpret_cast<uintptr_t>(base), 16);
  uintptr_t end = (reinterpret_cast<uintptr_t>(base) + size) & ~uintptr_t(15);
  base_ = reinterpret_cast<uint8_t*>(start);
  capacity_ = end > start ? end - start : 0;
  live_ = 0;
  free_list_ = nullptr;
  if (capacity_ >= kMinChunk) {
    free_list_ = reinterpret_cast<Chunk*>(start);
    free_list_->size = capacity_;
    free_list_->next = nullptr;
  }
}

void* Heap::alloc(size_t size, size_t align) {
  if (align == 0 || (align & (align - 1))) return nullptr;
  if (align < 16) align = 16;
  if (size > capacity_) return nullptr;
  size_t body = (size + 15) & ~size_t(15);
  if (body == 0) body = 16;
  for (Chunk** link = &free_list_; *link; link = &(*link)->next) {
    Chunk* c = *link;
    uintptr_t start = reinterpret_cast<uintptr_t>(c);
    uintptr_t payload = align_up(start + sizeof(AllocHeader), align);
    size_t need = payload + body - start;
    if (payload - start > UINT32_MAX || need > c->size) continue;
    Chunk* next = c->next;
    size_t taken = c->size;
    if (c->size - need >= kMinChunk) {  // split: the tail stays free
      auto* rest = reinterpret_cast<Chunk*>(start + need);
      rest->size = c->size - need;
      rest->next = next;
      next = rest;
      taken = need;
    }
    *link = next;
    auto* h = reinterpret_cast<AllocHeader*>(payload - sizeof(AllocHeader));
    h->chunk_size = taken;
    h->offset = uint32_t(payload - sizeof(AllocHeader) - start);
    h->magic = kLiveMagic;
    ++live_;
    return reinterpret_cast<void*>(payload);
  }
  return nullptr;
}

bool Heap::free(void* p) {
  if (!p) return true;
  auto addr = reinterpret_cast<uintptr_t>(p);
  auto lo = reinterpret_cast<uintptr_t>(base_);
  if (addr < lo + sizeof(AllocHeader) || addr > lo + capacity_ || (addr & 15)) return false;
  auto* h = reinterpret_cast<AllocHeader*>(addr - sizeof(AllocHeader));
  if (h->magic != kLiveMagic || h->offset > addr - sizeof(AllocHeader) - lo) return false;
  uintptr_t start = addr - sizeof(AllocHeader) - h->offset;
  if (h->chunk_size > lo + capacity_ - start) return false;
  size_t size = h->chunk_size;
  h->magic = 0;
  --live_;
  // Insert in address order and merge with the neighbours.
  Chunk* prev = nullptr;
  Chunk* cur = free_list_;
  while (cur && reinterpret_cast<uintptr_t>(cur) < start) prev = cur, cur = cur->next;
  auto* c = reinterpret_cast<Chunk*>(start);
  c->size = size;
  c->next = cur;
  if (cur && start + c->size == reinterpret_cast<uintptr_t>(cur)) {
    c->size += cur->size;
    c->next = cur->next;
  }
  if (prev && reinterpret_cast<uintptr_t>(prev) + prev->size == start) {
    prev->size += c->size;
    prev->next = c->next;
  } else if (prev) {
    prev->next = c;
  } else {
    free_list_ = c;
  }
  return true;
}

size_t Heap::free_bytes() const {
  size_t n = 0;
  for (Chunk* c = free_list_; c; c = c->next) n += c->size;
  return n;
}

size_t Heap::largest_free() const {
  size_t n = 0;
  for (Chunk* c = free_list_; c; c = c->next) n = c->size > n ? c->size : n;
  return n > sizeof(AllocHeader) ? n - sizeof(AllocHeader) : 0;
}

}  // namespace inferpi
