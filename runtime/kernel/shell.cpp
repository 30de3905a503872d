#include "runtime/kernel/shell.h"

#include <cstring>

#include "runtime/core/console.h"
#include "runtime/core/lineedit.h"

extern "C" const inferpi::ShellCommand __start_inferpi_commands[];
extern "C" const inferpi::ShellCommand __stop_inferpi_commands[];

namespace inferpi {

namespace {
constexpr int kMaxArgs = 16;
constexpr size_t kMaxLine = 256;

const ShellCommand* find_command(const char* name) {
  for (const ShellCommand* c = __start_inferpi_commands; c != __stop_inferpi_commands; ++c)
    if (strcmp(c->name, name) == 0) return c;
  return nullptr;
}

int cmd_help(int, char**) {
  kprint("commands:\n");
  for (const ShellCommand* c = __start_inferpi_commands; c != __stop_inferpi_commands; ++c)
    kprint("  %-8s %s\n", c->name, c->help);
  return 0;
}
}  // namespace

INFERPI_SHELL_COMMAND(help, "help", "list the commands", cmd_help);

bool parse_int(const char* s, long long* out) {
  bool neg = *s == '-';
  if (neg) ++s;
  unsigned base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s += 2;
  if (!*s) return false;
  unsigned long long v = 0;
  for (; *s; ++s) {
    unsigned d;
    if (*s >= '0' && *s <= '9')
      d = unsigned(*s - '0');
    else if (base == 16 && *s >= 'a' && *s <= 'f')
      d = unsigned(*s - 'a' + 10);
    else if (base == 16 && *s >= 'A' && *s <= 'F')
      d = unsigned(*s - 'A' + 10);
    else
      return false;
    if (v > (0x7fffffffffffffffull - d) / base) return false;
    v = v * base + d;
  }
  *out = neg ? -(long long)v : (long long)v;
  return true;
}

int run_shell_line(char* line) {
  char* argv[kMaxArgs + 1];
  int argc = 0;
  for (char* p = line; *p;) {
    while (*p == ' ') *p++ = '\0';
    if (!*p) break;
    if (argc == kMaxArgs) {
      kprint("too many arguments (max %d)\n", kMaxArgs);
      return -1;
    }
    argv[argc++] = p;
    while (*p && *p != ' ') ++p;
  }
  argv[argc] = nullptr;
  if (argc == 0) return 0;
  const ShellCommand* c = find_command(argv[0]);
  if (!c) {
    kprint("unknown command '%s' (try 'help')\n", argv[0]);
    return -1;
  }
  return c->run(argc, argv);
}

void run_debug_shell() {
  static char buf[kMaxLine + 1];
  Console* con = console();
  for (;;) {
    kprint("inferpi> ");
    LineEditor ed(buf, sizeof buf, echo_to_console, con);
    LineEditor::Event e = read_line(con, ed);
    if (e == LineEditor::Event::kEndOfInput) return;
    if (e != LineEditor::Event::kLine) continue;
    if (ed.truncated()) {
      kprint("line too long (max %zu bytes): ignored\n", ed.max_length());
      continue;
    }
    run_shell_line(buf);
  }
}

}  // namespace inferpi
