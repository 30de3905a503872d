// Console: the one text channel to the user. On pi4/virt it is the PL011 UART, on the
// host it is stdin/stdout. The board installs its implementation at start-up; everything
// else (app, drivers' messages, panic) prints through kprint().
#pragma once
#include <cstdarg>
#include <cstddef>
#include <cstdint>

namespace inferpi {

class Console {
 public:
  virtual ~Console() = default;
  virtual void write(const char* data, size_t len) = 0;
  // Next input byte, or -1 when none arrives within timeout_ms (0 = poll, no wait).
  // Returns -2 at end of input (host stdin closed); the UART never ends.
  virtual int read_byte(uint32_t timeout_ms) = 0;
};

void set_console(Console* console);
Console* console();

[[gnu::format(printf, 1, 2)]] void kprint(const char* fmt, ...);
void vkprint(const char* fmt, va_list ap);
void kwrite(const char* data, size_t len);

}  // namespace inferpi
