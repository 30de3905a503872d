#include "runtime/core/lineedit.h"

#include <cstring>

#include "runtime/core/format.h"

namespace inferpi {

LineEditor::LineEditor(char* buf, size_t cap, EchoFn echo, void* echo_ctx)
    : buf_(buf), cap_(cap < 2 ? 2 : cap), echo_(echo), echo_ctx_(echo_ctx) {
  // A buffer smaller than 2 bytes cannot hold a line; refuse to write past it.
  if (cap < 2) cap_ = cap;
  clear();
}

void LineEditor::clear() {
  len_ = 0;
  truncated_ = false;
  esc_ = Esc::kNone;
  if (cap_ > 0) buf_[0] = '\0';
}

void LineEditor::echo_str(const char* s) { echo(s, strlen(s)); }

LineEditor::Event LineEditor::feed(uint8_t c) {
  if (cap_ < 2) return Event::kNone;
  bool after_cr = last_was_cr_;
  last_was_cr_ = false;

  // Escape sequences: ESC [ params final-byte, or ESC + one byte. Swallowed whole.
  if (esc_ == Esc::kEsc) {
    esc_ = c == '[' ? Esc::kCsi : Esc::kNone;
    return Event::kNone;
  }
  if (esc_ == Esc::kCsi) {
    if (c >= 0x40 && c <= 0x7e) esc_ = Esc::kNone;
    return Event::kNone;
  }

  switch (c) {
    case '\r':
      last_was_cr_ = true;
      echo("\r\n", 2);
      return Event::kLine;
    case '\n':
      if (after_cr) return Event::kNone;  // the LF of a CRLF
      echo("\r\n", 2);
      return Event::kLine;
    case 0x08:  // Backspace
    case 0x7f:  // DEL (what most terminals send for Backspace)
      if (len_ > 0) {
        // Remove continuation bytes (10xxxxxx), then the lead byte: one character.
        while (len_ > 0 && (uint8_t(buf_[len_ - 1]) & 0xc0) == 0x80) --len_;
        if (len_ > 0) --len_;
        buf_[len_] = '\0';
        echo("\b \b", 3);
      }
      return Event::kNone;
    case 0x03:  // Ctrl-C
      echo("^C\r\n", 4);
      clear();
      return Event::kCancelled;
    case 0x15:  // Ctrl-U: erase the whole line on screen
      while (len_ > 0) feed(0x7f);
      truncated_ = false;
      return Event::kNone;
    case 0x1b:
      esc_ = Esc::kEsc;
      return Event::kNone;
    case '\t':
      c = ' ';
      break;
    default:
      if (c < 0x20) return Event::kNone;  // other control bytes: ignored
  }

  if (len_ + 1 >= cap_) {
    if (!truncated_) {
      char msg[96];
      format(msg, sizeof msg, "\r\n[line too long: max %zu bytes; rest of the line ignored]\r\n",
             cap_ - 1);
      echo_str(msg);
      truncated_ = true;
    }
    return Event::kNone;
  }
  buf_[len_++] = char(c);
  buf_[len_] = '\0';
  char ch = char(c);
  echo(&ch, 1);
  return Event::kNone;
}

void echo_to_console(void* console, const char* data, size_t len) {
  static_cast<Console*>(console)->write(data, len);
}

LineEditor::Event read_line(Console* console, LineEditor& editor) {
  for (;;) {
    int b = console->read_byte(1000);
    if (b == -2) return LineEditor::Event::kEndOfInput;
    if (b < 0) continue;
    LineEditor::Event e = editor.feed(uint8_t(b));
    if (e != LineEditor::Event::kNone) return e;
  }
}

}  // namespace inferpi
