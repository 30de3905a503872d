#include "runtime/kernel/semihost.h"

#include <atomic>
#include <cstdint>

#include "runtime/kernel/panic.h"

namespace inferpi {

static std::atomic<bool> g_exiting{false};

bool semihost_exit_in_progress() { return g_exiting.load(); }

void semihost_exit(int code) {
  g_exiting.store(true);
  // SYS_EXIT_EXTENDED-style block: {ADP_Stopped_ApplicationExit, code}.
  static uint64_t block[2];
  block[0] = 0x20026;
  block[1] = uint64_t(int64_t(code));
  register uint64_t x0 asm("x0") = 0x18;
  register uint64_t x1 asm("x1") = reinterpret_cast<uint64_t>(block);
  asm volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
  psci_system_off();
}

long psci_call(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3) {
  register unsigned long x0 asm("x0") = fn;
  register unsigned long x1 asm("x1") = a1;
  register unsigned long x2 asm("x2") = a2;
  register unsigned long x3 asm("x3") = a3;
  asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
  return long(x0);
}

void psci_system_off() {
  psci_call(0x84000008, 0, 0, 0);  // SYSTEM_OFF
  halt_this_core();
}

}  // namespace inferpi
