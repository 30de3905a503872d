// The pieces of the C++ runtime a freestanding kernel must provide itself
// (qemu.md §2.2): operator new/delete, pure virtual calls, thread-safe static guards,
// global constructors (.init_array) and atexit registration.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include "runtime/kernel/cpu.h"
#include "runtime/kernel/kernel_heap.h"
#include "runtime/kernel/panic.h"

// --- operator new/delete onto the kernel heap (runtime/kernel/kernel_heap.h) ---------------
// There are no exceptions: a failed `new` panics with the size (code that can live with
// failure uses new (std::nothrow) or an Arena and reports a Status).
void* operator new(size_t size) {
  void* p = inferpi::kernel_heap_alloc(size, 16);
  if (!p) KPANIC("out of memory: operator new(%zu)", size);
  return p;
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return inferpi::kernel_heap_alloc(size, 16);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return inferpi::kernel_heap_alloc(size, 16);
}
void* operator new(size_t size, std::align_val_t align) {
  void* p = inferpi::kernel_heap_alloc(size, size_t(align));
  if (!p) KPANIC("out of memory: operator new(%zu, align %zu)", size, size_t(align));
  return p;
}
void operator delete(void* p) noexcept { inferpi::kernel_heap_free(p); }
void operator delete[](void* p) noexcept { inferpi::kernel_heap_free(p); }
void operator delete(void* p, size_t) noexcept { inferpi::kernel_heap_free(p); }
void operator delete[](void* p, size_t) noexcept { inferpi::kernel_heap_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { inferpi::kernel_heap_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { inferpi::kernel_heap_free(p); }

extern "C" {

void __cxa_pure_virtual() { KPANIC("pure virtual function called"); }

// Function-local statics. The AArch64 C++ ABI guard is 64 bits; byte 0 != 0 means
// "initialised". We use byte 1 as an "in progress" flag taken with an atomic exchange;
// another core that finds it taken waits until byte 0 is set (or the initialiser aborts).
int __cxa_guard_acquire(uint64_t* guard) {
  auto* bytes = reinterpret_cast<uint8_t*>(guard);
  auto* done = reinterpret_cast<std::atomic<uint8_t>*>(&bytes[0]);
  auto* busy = reinterpret_cast<std::atomic<uint8_t>*>(&bytes[1]);
  for (;;) {
    if (done->load(std::memory_order_acquire)) return 0;
    if (busy->exchange(1, std::memory_order_acquire) == 0) {
      if (done->load(std::memory_order_acquire)) {  // finished between our two looks
        busy->store(0, std::memory_order_release);
        return 0;
      }
      return 1;  // caller runs the initialiser, then __cxa_guard_release
    }
    inferpi::cpu::relax();
  }
}
void __cxa_guard_release(uint64_t* guard) {
  auto* bytes = reinterpret_cast<uint8_t*>(guard);
  reinterpret_cast<std::atomic<uint8_t>*>(&bytes[0])->store(1, std::memory_order_release);
  reinterpret_cast<std::atomic<uint8_t>*>(&bytes[1])->store(0, std::memory_order_release);
}
void __cxa_guard_abort(uint64_t* guard) {
  auto* bytes = reinterpret_cast<uint8_t*>(guard);
  reinterpret_cast<std::atomic<uint8_t>*>(&bytes[1])->store(0, std::memory_order_release);
}

// The kernel never exits in the C++ sense, so destructors of globals never run:
// registering them is accepted and ignored.
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
int atexit(void (*)()) { return 0; }

// Some libgcc paths call abort().
[[noreturn]] void abort() { KPANIC("abort() called"); }

}  // extern "C"

namespace inferpi {

// Runs the global constructors (called once by core 0 after the MMU is on).
void run_global_constructors() {
  using Ctor = void (*)();
  extern Ctor __init_array_start[] asm("__init_array_start");
  extern Ctor __init_array_end[] asm("__init_array_end");
  for (Ctor* c = __init_array_start; c != __init_array_end; ++c) (*c)();
}

}  // namespace inferpi
