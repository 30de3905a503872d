// LineReader: one line of user input from the console, safe against anything a serial line
// can deliver. CR, LF and CRLF end a line; backspace/DEL remove the last character (a whole
// UTF-8 sequence); Ctrl-C abandons the line; terminal escape sequences (arrow keys) are
// ignored; other control bytes are dropped. A line longer than the buffer is cut at a
// character boundary and the rest of it, up to the end of the line, is thrown away — the
// caller reports the cut (a 10 000-character paste never overflows anything).
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi {

class LineReader {
 public:
  enum class Result { kLine, kInterrupt, kEnd };

  // `buf` holds the line (NUL-terminated): at most cap - 1 bytes of text.
  LineReader(char* buf, size_t cap) : buf_(buf), cap_(cap) {}

  // Waits for a whole line. `echo` writes typed characters back (a UART terminal shows only
  // what the other side echoes; a host terminal echoes by itself). kEnd: the console ended
  // (host stdin closed).
  Result read(bool echo);

  const char* line() const { return buf_; }
  size_t length() const { return len_; }
  // How many bytes of the last line did not fit (0 = not cut).
  size_t dropped() const { return dropped_; }

 private:
  void append(uint8_t b, bool echo);
  void erase_last(bool echo);

  char* buf_;
  size_t cap_;
  size_t len_ = 0;
  size_t dropped_ = 0;
  bool last_was_cr_ = false;
  int escape_state_ = 0;  // 0 none, 1 after ESC, 2 inside a CSI/SS3 sequence
};

}  // namespace inferpi
