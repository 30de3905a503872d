// The host console: stdout for output, stdin for input (a terminal or a pipe).
#pragma once
#include "runtime/core/console.h"

namespace inferpi {

class HostConsole : public Console {
 public:
  void write(const char* data, size_t len) override;
  int read_byte(uint32_t timeout_ms) override;
};

// Installs a HostConsole as the console (idempotent).
void install_host_console();

}  // namespace inferpi
