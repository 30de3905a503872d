#include "runtime/core/kstring.h"

namespace inferpi {

size_t copy_string(char* dst, size_t cap, const char* src) {
  if (cap == 0) return 0;
  size_t n = 0;
  while (src && src[n] && n + 1 < cap) {
    dst[n] = src[n];
    n++;
  }
  dst[n] = 0;
  return n;
}

static char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

int compare_nocase(const char* a, const char* b) {
  while (*a && lower_ascii(*a) == lower_ascii(*b)) {
    a++;
    b++;
  }
  return int(static_cast<unsigned char>(lower_ascii(*a))) -
         int(static_cast<unsigned char>(lower_ascii(*b)));
}

bool starts_with(const char* s, const char* prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ends_with_nocase(const char* s, const char* suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && compare_nocase(s + n - m, suffix) == 0;
}

}  // namespace inferpi
