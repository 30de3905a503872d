#include "runtime/app/line_input.h"

#include "runtime/core/console.h"

namespace inferpi {

namespace {
constexpr uint8_t kCtrlC = 0x03;
constexpr uint8_t kBackspace = 0x08;
constexpr uint8_t kEscape = 0x1B;
constexpr uint8_t kDelete = 0x7F;
constexpr uint32_t kPollMs = 100;

bool is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }
}  // namespace

void LineReader::append(uint8_t b, bool echo) {
  if (len_ + 1 < cap_ && dropped_ == 0) {
    buf_[len_++] = char(b);
    if (echo) kwrite(reinterpret_cast<const char*>(&b), 1);
    return;
  }
  if (dropped_ == 0) {
    // Full: cut back to the start of an incomplete UTF-8 sequence so the kept text is whole.
    size_t start = len_;
    while (start > 0 && is_continuation(uint8_t(buf_[start - 1]))) start--;
    if (start > 0) {
      uint8_t lead = uint8_t(buf_[start - 1]);
      size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (len_ - (start - 1) < need) {
        dropped_ += len_ - (start - 1);
        len_ = start - 1;
      }
    }
  }
  dropped_++;
}

void LineReader::erase_last(bool echo) {
  if (len_ == 0 || dropped_ > 0) return;
  do {
    len_--;
  } while (len_ > 0 && is_continuation(uint8_t(buf_[len_])));
  if (echo) kwrite("\b \b", 3);  // one column per character (wide CJK glyphs are rare here)
}

LineReader::Result LineReader::read(bool echo) {
  len_ = 0;
  dropped_ = 0;
  escape_state_ = 0;
  if (cap_ > 0) buf_[0] = 0;
  Console* con = console();
  for (;;) {
    int c = con ? con->read_byte(kPollMs) : -2;
    if (c == -1) continue;
    if (c < 0) {
      if (cap_ > 0) buf_[len_] = 0;
      return len_ > 0 || dropped_ > 0 ? Result::kLine : Result::kEnd;
    }
    uint8_t b = uint8_t(c);
    const bool after_cr = last_was_cr_;
    last_was_cr_ = false;

    if (escape_state_ == 1) {  // ESC [ or ESC O start a sequence; anything else ends it
      escape_state_ = (b == '[' || b == 'O') ? 2 : 0;
      continue;
    }
    if (escape_state_ == 2) {  // parameters until the final byte 0x40..0x7E
      if (b >= 0x40 && b <= 0x7E) escape_state_ = 0;
      continue;
    }

    if (b == '\r' || b == '\n') {
      if (b == '\n' && after_cr) continue;  // the LF of a CRLF
      last_was_cr_ = b == '\r';
      if (echo) kwrite("\r\n", 2);
      if (cap_ > 0) buf_[len_] = 0;
      return Result::kLine;
    }
    if (b == kCtrlC) {
      if (echo) kwrite("^C\r\n", 4);
      len_ = 0;
      if (cap_ > 0) buf_[0] = 0;
      return Result::kInterrupt;
    }
    if (b == kBackspace || b == kDelete) {
      erase_last(echo);
      continue;
    }
    if (b == kEscape) {
      escape_state_ = 1;
      continue;
    }
    if (b < 0x20 && b != '\t') continue;  // other control bytes: ignored
    append(b == '\t' ? uint8_t(' ') : b, echo);
  }
}

}  // namespace inferpi
