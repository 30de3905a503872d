// A spinlock for the few shared structures (console output, heap, mailbox). Exclusive
// loads/stores only work reliably on cacheable memory, i.e. after the MMU is on
// (pi4-hardware.md §3.2, §12.20); before the secondaries start only core 0 runs, so
// the lock is a no-op until smp_started() is true.
#pragma once
#include <atomic>

#include "runtime/kernel/cpu.h"

namespace inferpi {

bool smp_started();

class SpinLock {
 public:
  void lock() {
    if (!smp_started()) return;
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) cpu::relax();
    }
    held_ = true;
  }
  void unlock() {
    if (!held_) return;
    held_ = false;
    flag_.store(false, std::memory_order_release);
  }

 private:
  std::atomic<bool> flag_{false};
  bool held_ = false;
};

class LockGuard {
 public:
  explicit LockGuard(SpinLock& l) : l_(l) { l_.lock(); }
  ~LockGuard() { l_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  SpinLock& l_;
};

}  // namespace inferpi
