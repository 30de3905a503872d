// The kernel heap behind operator new/delete: a Heap (runtime/core/heap.h) over a block
// the boot code takes from the memory map, behind a spinlock.
#pragma once
#include <cstddef>

#include "runtime/core/heap.h"

namespace inferpi {

void kernel_heap_init(void* base, size_t size);
void* kernel_heap_alloc(size_t size, size_t align);
void kernel_heap_free(void* p);
const Heap& kernel_heap();

}  // namespace inferpi
