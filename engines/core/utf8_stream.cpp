#include "engines/core/tokenizer.h"

namespace inferpi {

static int utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;  // continuation byte or invalid lead
}

static const char kReplacement[] = "\xef\xbf\xbd";

void Utf8Stream::push(const char* data, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char b = static_cast<unsigned char>(data[i]);
    if (pending_len_ > 0) {
      if ((b & 0xc0) == 0x80) {
        pending_[pending_len_++] = char(b);
        if (pending_len_ == expected_len_) {
          sink_(ctx_, pending_, size_t(pending_len_));
          pending_len_ = 0;
        }
        continue;
      }
      sink_(ctx_, kReplacement, 3);  // sequence cut short
      pending_len_ = 0;
    }
    int n = utf8_sequence_length(b);
    if (n == 1) {
      sink_(ctx_, &data[i], 1);
    } else if (n == 0) {
      sink_(ctx_, kReplacement, 3);
    } else {
      pending_[0] = char(b);
      pending_len_ = 1;
      expected_len_ = n;
    }
  }
}

void Utf8Stream::flush() {
  if (pending_len_ > 0) sink_(ctx_, kReplacement, 3);
  pending_len_ = 0;
}

}  // namespace inferpi
