#include "runtime/kernel/panic.h"

#include <cstdarg>

#include "runtime/core/console.h"
#include "runtime/kernel/cpu.h"

namespace inferpi {

void halt_this_core() {
  asm volatile("msr daifset, #0xf");
  for (;;) asm volatile("wfi");
}

void panic_at(const char* file, int line, const char* fmt, ...) {
  kprint("\r\n*** PANIC on core %d at %s:%d: ", cpu::core_id(), file, line);
  va_list ap;
  va_start(ap, fmt);
  vkprint(fmt, ap);
  va_end(ap);
  kprint("\r\n*** core %d stopped\r\n", cpu::core_id());
  halt_this_core();
}

}  // namespace inferpi
