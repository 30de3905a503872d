#include "runtime/core/format.h"

#include <cstdint>

namespace inferpi {
namespace {

struct Out {
  FormatSink sink;
  void* ctx;
  size_t total = 0;
  void put(const char* s, size_t n) {
    if (n) sink(ctx, s, n);
    total += n;
  }
  void pad(char c, int n) {
    char block[16];
    for (char& b : block) b = c;
    while (n > 0) {
      int k = n > 16 ? 16 : n;
      put(block, size_t(k));
      n -= k;
    }
  }
};

struct Spec {
  bool left = false, zero = false, plus = false, space = false;
  int width = 0;
  int precision = -1;
};

// Emits prefix (sign / 0x) + body with width padding.
void emit_padded(Out& out, const Spec& spec, const char* prefix, size_t prefix_len,
                 const char* body, size_t body_len, int zero_fill) {
  int len = int(prefix_len + body_len) + zero_fill;
  int pad = spec.width > len ? spec.width - len : 0;
  if (!spec.left && !spec.zero) out.pad(' ', pad);
  out.put(prefix, prefix_len);
  if (!spec.left && spec.zero) out.pad('0', pad);
  out.pad('0', zero_fill);
  out.put(body, body_len);
  if (spec.left) out.pad(' ', pad);
}

void emit_integer(Out& out, Spec spec, uint64_t magnitude, bool negative, unsigned base, bool upper,
                  const char* alt_prefix) {
  char digits[32];
  size_t n = 0;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits[sizeof(digits) - 1 - n++] = set[magnitude % base];
    magnitude /= base;
  } while (magnitude);
  if (spec.precision == 0 && n == 1 && digits[sizeof(digits) - 1] == '0') n = 0;
  char prefix[4];
  size_t plen = 0;
  if (negative)
    prefix[plen++] = '-';
  else if (spec.plus)
    prefix[plen++] = '+';
  else if (spec.space)
    prefix[plen++] = ' ';
  for (const char* a = alt_prefix; a && *a; a++) prefix[plen++] = *a;
  int zero_fill = spec.precision > int(n) ? spec.precision - int(n) : 0;
  if (spec.precision >= 0) spec.zero = false;
  emit_padded(out, spec, prefix, plen, digits + sizeof(digits) - n, n, zero_fill);
}

// Fixed-point or exponential output of a double. Exact enough for console statistics and
// tests (uses integer arithmetic on the scaled value; 17 significant digits at most).
void emit_float(Out& out, Spec spec, double v, char conv) {
  char body[64];
  size_t n = 0;
  bool negative = false;
  if (v != v) {
    emit_padded(out, spec, "", 0, "nan", 3, 0);
    return;
  }
  if (v < 0 || (v == 0 && 1.0 / v < 0)) {
    negative = true;
    v = -v;
  }
  if (v > 1.7e308) {
    emit_padded(out, spec, negative ? "-" : "", negative ? 1 : 0, "inf", 3, 0);
    return;
  }
  int precision = spec.precision < 0 ? 6 : (spec.precision > 17 ? 17 : spec.precision);
  bool exponential = conv == 'e' || conv == 'E';
  int exponent = 0;
  if (conv == 'g' || conv == 'G') {
    if (precision == 0) precision = 1;
    double t = v;
    int e = 0;
    if (t != 0) {
      while (t >= 10) t /= 10, e++;
      while (t < 1) t *= 10, e--;
    }
    if (e < -4 || e >= precision) {
      exponential = true;
      precision -= 1;
    } else {
      precision = precision - 1 - e;
    }
  }
  if (exponential && v != 0) {
    while (v >= 10) v /= 10, exponent++;
    while (v < 1) v *= 10, exponent--;
  }
  double scale = 1;
  for (int i = 0; i < precision; i++) scale *= 10;
  double scaled = v * scale + 0.5;
  if (scaled >= 1.8e19) {  // too large for fixed point through uint64: fall back to %e
    exponential = true;
    while (v >= 10) v /= 10, exponent++;
    scaled = v * scale + 0.5;
  }
  uint64_t whole = uint64_t(scaled);
  if (exponential && whole >= uint64_t(10 * scale)) {  // rounding carried into a new digit
    whole /= 10;
    exponent++;
  }
  uint64_t int_part = uint64_t(whole / uint64_t(scale));
  uint64_t frac_part = whole - int_part * uint64_t(scale);
  char digits[24];
  size_t d = 0;
  do {
    digits[d++] = char('0' + int_part % 10);
    int_part /= 10;
  } while (int_part);
  while (d) body[n++] = digits[--d];
  if (precision > 0) {
    body[n++] = '.';
    for (int i = precision - 1; i >= 0; i--) {
      body[n + size_t(i)] = char('0' + frac_part % 10);
      frac_part /= 10;
    }
    n += size_t(precision);
  }
  if ((conv == 'g' || conv == 'G') && precision > 0) {  // %g drops trailing zeros
    while (body[n - 1] == '0') n--;
    if (body[n - 1] == '.') n--;
  }
  if (exponential) {
    body[n++] = (conv == 'E' || conv == 'G') ? 'E' : 'e';
    body[n++] = exponent < 0 ? '-' : '+';
    int e = exponent < 0 ? -exponent : exponent;
    if (e >= 100) body[n++] = char('0' + e / 100);
    body[n++] = char('0' + (e / 10) % 10);
    body[n++] = char('0' + e % 10);
  }
  const char* prefix = negative ? "-" : (spec.plus ? "+" : (spec.space ? " " : ""));
  size_t plen = (negative || spec.plus || spec.space) ? 1 : 0;
  emit_padded(out, spec, prefix, plen, body, n, 0);
}

}  // namespace

size_t vformat_to(FormatSink sink, void* ctx, const char* fmt, va_list ap) {
  Out out{sink, ctx};
  const char* p = fmt;
  while (*p) {
    const char* start = p;
    while (*p && *p != '%') p++;
    out.put(start, size_t(p - start));
    if (!*p) break;
    p++;  // '%'
    Spec spec;
    for (;; p++) {
      if (*p == '-')
        spec.left = true;
      else if (*p == '0')
        spec.zero = true;
      else if (*p == '+')
        spec.plus = true;
      else if (*p == ' ')
        spec.space = true;
      else
        break;
    }
    if (*p == '*') {
      spec.width = va_arg(ap, int);
      if (spec.width < 0) spec.left = true, spec.width = -spec.width;
      p++;
    } else {
      while (*p >= '0' && *p <= '9') spec.width = spec.width * 10 + (*p++ - '0');
    }
    if (*p == '.') {
      p++;
      spec.precision = 0;
      if (*p == '*') {
        spec.precision = va_arg(ap, int);
        p++;
      } else {
        while (*p >= '0' && *p <= '9') spec.precision = spec.precision * 10 + (*p++ - '0');
      }
    }
    int longness = 0;  // 0 int, 1 long, 2 long long, 3 size_t/intmax/ptrdiff
    while (*p == 'l' || *p == 'h' || *p == 'z' || *p == 'j' || *p == 't') {
      if (*p == 'l') longness++;
      if (*p == 'z' || *p == 'j' || *p == 't') longness = 3;
      p++;
    }
    char conv = *p ? *p++ : 0;
    switch (conv) {
      case 'd':
      case 'i': {
        int64_t v = longness == 0   ? va_arg(ap, int)
                    : longness == 1 ? va_arg(ap, long)
                    : longness == 2 ? va_arg(ap, long long)
                                    : int64_t(va_arg(ap, long));
        uint64_t mag = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
        emit_integer(out, spec, mag, v < 0, 10, false, nullptr);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        uint64_t v = longness == 0   ? va_arg(ap, unsigned)
                     : longness == 1 ? va_arg(ap, unsigned long)
                     : longness == 2 ? va_arg(ap, unsigned long long)
                                     : uint64_t(va_arg(ap, unsigned long));
        unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
        emit_integer(out, spec, v, false, base, conv == 'X', nullptr);
        break;
      }
      case 'p': {
        uint64_t v = uint64_t(reinterpret_cast<uintptr_t>(va_arg(ap, void*)));
        emit_integer(out, spec, v, false, 16, false, "0x");
        break;
      }
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (!s) s = "(null)";
        size_t n = 0;
        while (s[n] && (spec.precision < 0 || n < size_t(spec.precision))) n++;
        spec.zero = false;
        emit_padded(out, spec, "", 0, s, n, 0);
        break;
      }
      case 'c': {
        char c = char(va_arg(ap, int));
        spec.zero = false;
        emit_padded(out, spec, "", 0, &c, 1, 0);
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        emit_float(out, spec, va_arg(ap, double), conv);
        break;
      case '%':
        out.put("%", 1);
        break;
      default:  // unknown conversion: print it literally so the mistake is visible
        out.put("%", 1);
        if (conv) out.put(&conv, 1);
        break;
    }
  }
  return out.total;
}

namespace {
struct BufferSink {
  char* buf;
  size_t cap;
  size_t len;
};
void buffer_sink(void* ctx, const char* data, size_t n) {
  auto* b = static_cast<BufferSink*>(ctx);
  for (size_t i = 0; i < n && b->len + 1 < b->cap; i++) b->buf[b->len++] = data[i];
}
}  // namespace

size_t vformat(char* buf, size_t cap, const char* fmt, va_list ap) {
  BufferSink sink{buf, cap, 0};
  size_t total = vformat_to(buffer_sink, &sink, fmt, ap);
  if (cap) buf[sink.len] = 0;
  return total;
}

size_t format(char* buf, size_t cap, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = vformat(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}

}  // namespace inferpi
