// The kernel's debug shell: what the kernel boots into until the appliance app
// (runtime/app) takes over by defining inferpi_main(). Reads lines with the line editor
// and runs registered commands.
//
// Adding a command from any file, without touching the shell:
//
//   static int cmd_usb(int argc, char** argv) { ...; return 0; }
//   INFERPI_SHELL_COMMAND(usb, "usb", "usb [reset]  list USB devices", cmd_usb);
//
// The macro puts a ShellCommand into the `inferpi_commands` linker section; the shell
// walks that section (__start_/__stop_inferpi_commands, provided by the GNU linker). The
// kernel links its libraries whole-archive so such files are never dropped.
#pragma once

namespace inferpi {

struct ShellCommand {
  const char* name;
  const char* help;                   // one line: usage and what it does
  int (*run)(int argc, char** argv);  // argv[0] = name; returns 0 on success
};

// Runs the shell loop on the console (returns only when the console input ends).
void run_debug_shell();
// Parses a decimal or 0x-hex integer with optional '-' (false on junk or overflow).
bool parse_int(const char* s, long long* out);
// Runs one command line (tokenised on spaces); returns the command's result, or -1.
int run_shell_line(char* line);

}  // namespace inferpi

#define INFERPI_SHELL_COMMAND(ident, name, help, fn)                                             \
  [[gnu::used, gnu::section("inferpi_commands"),                                                 \
    gnu::aligned(8)]] const ::inferpi::ShellCommand inferpi_shell_command_##ident = {name, help, \
                                                                                     fn}
