// panic(): print a message with file:line on the console and stop this core for good.
// KASSERT(cond): panic with the condition's text when it is false (always on: the kernel
// has no "release without checks" build).
#pragma once

namespace inferpi {

[[noreturn, gnu::format(printf, 3, 4)]] void panic_at(const char* file, int line, const char* fmt,
                                                      ...);
// Stops this core (interrupts masked, WFI forever). Other cores keep running.
[[noreturn]] void halt_this_core();

}  // namespace inferpi

#define KPANIC(...) ::inferpi::panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define KASSERT(cond)                                                                    \
  do {                                                                                   \
    if (!(cond)) ::inferpi::panic_at(__FILE__, __LINE__, "assertion failed: %s", #cond); \
  } while (0)
