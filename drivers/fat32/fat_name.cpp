#include "drivers/fat32/fat_name.h"

#include "runtime/core/kstring.h"

namespace inferpi::fat {

namespace {
// UCS-2 offsets of the 13 characters inside an LFN entry.
constexpr uint8_t kLfnOffsets[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

bool put(char* out, size_t cap, size_t& n, uint32_t cp) {
  uint8_t b[4];
  size_t k;
  if (cp < 0x80) {
    b[0] = uint8_t(cp), k = 1;
  } else if (cp < 0x800) {
    b[0] = uint8_t(0xC0 | (cp >> 6)), b[1] = uint8_t(0x80 | (cp & 0x3F)), k = 2;
  } else if (cp < 0x10000) {
    b[0] = uint8_t(0xE0 | (cp >> 12)), b[1] = uint8_t(0x80 | ((cp >> 6) & 0x3F));
    b[2] = uint8_t(0x80 | (cp & 0x3F)), k = 3;
  } else {
    b[0] = uint8_t(0xF0 | (cp >> 18)), b[1] = uint8_t(0x80 | ((cp >> 12) & 0x3F));
    b[2] = uint8_t(0x80 | ((cp >> 6) & 0x3F)), b[3] = uint8_t(0x80 | (cp & 0x3F)), k = 4;
  }
  if (n + k + 1 > cap) return false;
  for (size_t i = 0; i < k; i++) out[n++] = char(b[i]);
  out[n] = 0;
  return true;
}

// Decodes one UTF-8 code point; invalid bytes decode as themselves (so comparison is still
// exact for them) and never read past `end`.
uint32_t next_cp(const char*& p, const char* end) {
  const uint8_t* s = reinterpret_cast<const uint8_t*>(p);
  uint32_t c = s[0];
  size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (k <= 1 || p + k > end) {
    p++;
    return c;
  }
  uint32_t cp = c & (0x7F >> k);
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      p++;
      return c;
    }
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  p += k;
  return cp;
}

uint32_t fold(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0xC0) return c;
  if (c <= 0xDE) return c == 0xD7 ? c : c + 32;  // Latin-1 capitals (not ×)
  if (c >= 0x100 && c <= 0x17F) {                // Latin Extended-A: pairs
    if (c == 0x178) return 0xFF;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
    if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
    return (c & 1) ? c : c + 1;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;  // Greek
  if (c >= 0x410 && c <= 0x42F) return c + 32;                // Cyrillic
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}
}  // namespace

uint8_t sfn_checksum(const uint8_t* name11) {
  uint8_t sum = 0;
  for (int i = 0; i < 11; i++) sum = uint8_t(((sum & 1) << 7) + (sum >> 1) + name11[i]);
  return sum;
}

void sfn_to_text(const uint8_t* e, char* out, size_t cap) {
  if (cap == 0) return;
  const bool lower_base = e[12] & 0x08, lower_ext = e[12] & 0x10;
  size_t n = 0;
  auto emit = [&](uint8_t c, bool lower) {
    if (n + 1 >= cap) return;
    if (c >= 0x80) c = '?';
    if (lower && c >= 'A' && c <= 'Z') c = uint8_t(c + 32);
    out[n++] = char(c);
  };
  int base_len = 8;
  while (base_len > 0 && e[base_len - 1] == ' ') base_len--;
  for (int i = 0; i < base_len; i++) emit(i == 0 && e[0] == 0x05 ? 0xE5 : e[i], lower_base);
  int ext_len = 3;
  while (ext_len > 0 && e[8 + ext_len - 1] == ' ') ext_len--;
  if (ext_len > 0) emit('.', false);
  for (int i = 0; i < ext_len; i++) emit(e[8 + i], lower_ext);
  out[n] = 0;
}

void LfnCollector::add(const uint8_t* e) {
  uint8_t ord = e[0] & 0x3F;
  if (e[0] & 0x40) {  // physically first entry of a name: highest ordinal
    if (ord == 0 || ord > 20) {
      reset();
      return;
    }
    expected_ = ord;
    count_ = ord;
    checksum_ = e[13];
    valid_ = true;
    for (auto& u : units_) u = 0xFFFF;
  } else if (!valid_ || ord != expected_ || e[13] != checksum_) {
    reset();  // out of sequence: drop the whole name
    return;
  }
  if (ord == 0 || ord != expected_) {
    reset();
    return;
  }
  for (int i = 0; i < 13; i++) units_[(ord - 1) * 13 + i] = load_le16(e + kLfnOffsets[i]);
  expected_ = uint8_t(ord - 1);
}

bool LfnCollector::finish(const uint8_t* sfn, char* out, size_t cap) {
  bool ok = valid_ && expected_ == 0 && sfn_checksum(sfn) == checksum_;
  size_t units = size_t(count_) * 13;
  reset();
  if (!ok) return false;
  if (units_[0] == 0) return false;  // empty long name
  return utf16_to_utf8(units_, units, out, cap);
}

bool utf16_to_utf8(const uint16_t* u, size_t count, char* out, size_t cap) {
  size_t n = 0;
  if (cap == 0) return false;
  out[0] = 0;
  for (size_t i = 0; i < count && u[i] != 0; i++) {
    uint32_t cp = u[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < count && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (u[i + 1] - 0xDC00);
      i++;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;  // lone surrogate
    }
    if (!put(out, cap, n, cp)) return false;
  }
  return true;
}

bool name_equals_nocase(const char* a, const char* b, size_t b_len) {
  const char* a_end = a + strlen(a);
  const char* b_end = b + b_len;
  while (a < a_end && b < b_end) {
    if (fold(next_cp(a, a_end)) != fold(next_cp(b, b_end))) return false;
  }
  return a == a_end && b == b_end;
}

}  // namespace inferpi::fat
