#include "runtime/core/console.h"

#include <cstring>

#include "runtime/core/format.h"

namespace inferpi {

static Console* g_console = nullptr;

void set_console(Console* c) { g_console = c; }
Console* console() { return g_console; }

void kwrite(const char* data, size_t len) {
  if (g_console) g_console->write(data, len);
}

static void console_sink(void*, const char* data, size_t len) { kwrite(data, len); }

void vkprint(const char* fmt, va_list ap) { vformat_to(console_sink, nullptr, fmt, ap); }

void kprint(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vkprint(fmt, ap);
  va_end(ap);
}

}  // namespace inferpi
