#include "runtime/kernel/kernel_heap.h"

#include "runtime/kernel/panic.h"
#include "runtime/kernel/spinlock.h"

namespace inferpi {

static Heap g_heap;
static SpinLock g_heap_lock;

void kernel_heap_init(void* base, size_t size) { g_heap.init(base, size); }

void* kernel_heap_alloc(size_t size, size_t align) {
  LockGuard guard(g_heap_lock);
  return g_heap.alloc(size, align);
}

void kernel_heap_free(void* p) {
  bool ok;
  {
    LockGuard guard(g_heap_lock);
    ok = g_heap.free(p);
  }
  if (!ok) KPANIC("delete of a pointer the heap never handed out: %p", p);
}

const Heap& kernel_heap() { return g_heap; }

}  // namespace inferpi
