// LineEditor: turns console bytes into lines, the way a serial terminal user expects:
// echo, Backspace/DEL removing one whole UTF-8 character, Enter as CR, LF or CRLF,
// Ctrl-C cancels the line, Ctrl-U clears it, ANSI escape sequences (arrow keys) are
// swallowed, other control bytes ignored. The line has a fixed maximum; extra input is
// dropped with one "line too long" message and the line is reported as truncated, so
// the caller can refuse it. No byte sequence can overflow the buffer or wedge the editor.
// Portable (host-tested in tests/runtime/lineedit_test.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/console.h"

namespace inferpi {

class LineEditor {
 public:
  using EchoFn = void (*)(void* ctx, const char* data, size_t len);
  enum class Event { kNone, kLine, kCancelled, kEndOfInput };

  // buf holds cap bytes; lines are at most cap - 1 bytes. echo may be null (no echo).
  LineEditor(char* buf, size_t cap, EchoFn echo, void* echo_ctx);

  // One input byte. kLine: line() is complete (NUL-terminated, no CR/LF).
  Event feed(uint8_t byte);
  const char* line() const { return buf_; }
  size_t length() const { return len_; }
  bool truncated() const { return truncated_; }
  size_t max_length() const { return cap_ - 1; }
  void clear();

 private:
  void echo(const char* s, size_t n) {
    if (echo_) echo_(echo_ctx_, s, n);
  }
  void echo_str(const char* s);

  char* buf_;
  size_t cap_;
  size_t len_ = 0;
  EchoFn echo_;
  void* echo_ctx_;
  bool truncated_ = false;
  bool last_was_cr_ = false;
  enum class Esc : uint8_t { kNone, kEsc, kCsi } esc_ = Esc::kNone;
};

// An EchoFn that writes to the Console passed as ctx.
void echo_to_console(void* console, const char* data, size_t len);

// Reads one line from `console` into `editor` (which echoes through its own EchoFn,
// normally echo_to_console with the same console). Returns the
// editor's final event (kLine, kCancelled, or kEndOfInput when the input ended).
LineEditor::Event read_line(Console* console, LineEditor& editor);

}  // namespace inferpi
