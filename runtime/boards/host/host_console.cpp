#include "runtime/boards/host/host_console.h"

#include <poll.h>
#include <unistd.h>

namespace inferpi {

void HostConsole::write(const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = ::write(1, data, len);
    if (n <= 0) return;
    data += n;
    len -= size_t(n);
  }
}

int HostConsole::read_byte(uint32_t timeout_ms) {
  pollfd pfd{0, POLLIN, 0};
  int ready = ::poll(&pfd, 1, timeout_ms == 0xffffffffu ? -1 : int(timeout_ms));
  if (ready <= 0) return -1;
  unsigned char c;
  ssize_t n = ::read(0, &c, 1);
  if (n == 0) return -2;  // end of input
  if (n < 0) return -1;
  return c;
}

void install_host_console() {
  static HostConsole console;
  set_console(&console);
}

}  // namespace inferpi
