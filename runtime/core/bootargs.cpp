#include "runtime/core/bootargs.h"

#include <cstring>

namespace inferpi::bootargs {

namespace {
// Calls fn(word, length) for each space-separated word until fn returns true.
template <typename Fn>
bool for_each_word(const char* args, Fn fn) {
  for (const char* p = args; p && *p;) {
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    const char* end = p;
    while (*end && *end != ' ' && *end != '\t' && *end != '\n') end++;
    if (end > p && fn(p, size_t(end - p))) return true;
    p = end;
  }
  return false;
}
}  // namespace

bool has_word(const char* args, const char* word) {
  const size_t n = strlen(word);
  return for_each_word(args,
                       [&](const char* w, size_t len) { return len == n && !strncmp(w, word, n); });
}

bool has_key(const char* args, const char* key) {
  const size_t k = strlen(key);
  return for_each_word(args, [&](const char* w, size_t len) {
    return len > k && w[k] == '=' && strncmp(w, key, k) == 0;
  });
}

bool value(const char* args, const char* key, char* out, size_t cap) {
  const size_t k = strlen(key);
  bool found = false;
  for_each_word(args, [&](const char* w, size_t len) {
    if (len <= k || w[k] != '=' || strncmp(w, key, k) != 0) return false;
    size_t v = len - k - 1;
    if (v + 1 > cap) return true;  // too long: found but unusable
    memcpy(out, w + k + 1, v);
    out[v] = 0;
    found = true;
    return true;
  });
  return found;
}

bool parse_u64(const char* text, uint64_t* out) {
  uint64_t v = 0;
  unsigned base = 10;
  const char* p = text;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  }
  if (!*p) return false;
  for (; *p; p++) {
    unsigned d;
    if (*p >= '0' && *p <= '9') {
      d = unsigned(*p - '0');
    } else if (base == 16 && *p >= 'a' && *p <= 'f') {
      d = unsigned(*p - 'a' + 10);
    } else if (base == 16 && *p >= 'A' && *p <= 'F') {
      d = unsigned(*p - 'A' + 10);
    } else {
      return false;
    }
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
  }
  *out = v;
  return true;
}

bool range(const char* args, const char* key, uint64_t* base, uint64_t* size) {
  char text[64];
  if (!value(args, key, text, sizeof(text))) return false;
  char* colon = strchr(text, ':');
  if (!colon) return false;
  *colon = 0;
  uint64_t b, s;
  if (!parse_u64(text, &b) || !parse_u64(colon + 1, &s) || s == 0 || b > UINT64_MAX - s)
    return false;
  *base = b;
  *size = s;
  return true;
}

}  // namespace inferpi::bootargs
