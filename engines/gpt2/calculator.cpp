#include "engines/gpt2/calculator.h"

#include <cstdint>
#include <cstring>

#include "runtime/core/format.h"

namespace inferpi {

// ---- shortest float repr (Steele & White / Dragon4 free-format, exact bignums) ----------

namespace {

struct Big {  // unsigned, little-endian 32-bit limbs
  static constexpr int kLimbs = 72;
  uint32_t d[kLimbs] = {};
  void set(uint64_t v) {
    memset(d, 0, sizeof(d));
    d[0] = uint32_t(v);
    d[1] = uint32_t(v >> 32);
  }
  void mul_small(uint32_t m) {
    uint64_t carry = 0;
    for (uint32_t& limb : d) {
      uint64_t t = uint64_t(limb) * m + carry;
      limb = uint32_t(t);
      carry = t >> 32;
    }
  }
  void shl(int bits) {
    for (; bits >= 32; bits -= 32) {
      memmove(d + 1, d, (kLimbs - 1) * 4);
      d[0] = 0;
    }
    if (bits) {
      for (int i = kLimbs - 1; i > 0; i--) d[i] = (d[i] << bits) | (d[i - 1] >> (32 - bits));
      d[0] <<= bits;
    }
  }
  void add(const Big& o) {
    uint64_t carry = 0;
    for (int i = 0; i < kLimbs; i++) {
      uint64_t t = uint64_t(d[i]) + o.d[i] + carry;
      d[i] = uint32_t(t);
      carry = t >> 32;
    }
  }
  void sub(const Big& o) {  // requires *this >= o
    int64_t borrow = 0;
    for (int i = 0; i < kLimbs; i++) {
      int64_t t = int64_t(d[i]) - o.d[i] - borrow;
      borrow = t < 0;
      d[i] = uint32_t(t + (borrow << 32));
    }
  }
  static int cmp(const Big& a, const Big& b) {
    for (int i = kLimbs - 1; i >= 0; i--) {
      if (a.d[i] != b.d[i]) return a.d[i] < b.d[i] ? -1 : 1;
    }
    return 0;
  }
};

int cmp_sum(const Big& a, const Big& b, const Big& c) {  // compare a + b with c
  Big s = a;
  s.add(b);
  return Big::cmp(s, c);
}

// Shortest digits of v > 0 (finite): writes digits, returns count; *decpt = position of
// the decimal point (v = 0.d1d2... * 10^decpt).
int shortest_digits(double v, char* digits, int* decpt) {
  uint64_t bits;
  memcpy(&bits, &v, 8);
  int be = int((bits >> 52) & 0x7ff);
  uint64_t f = bits & ((1ull << 52) - 1);
  int e;
  if (be == 0) {
    e = -1074;
  } else {
    f |= 1ull << 52;
    e = be - 1075;
  }
  const bool even = (f & 1) == 0;
  const bool unequal_gaps = be > 1 && f == (1ull << 52);  // power of two: lower gap is half
  Big R, S, Mp, Mm;
  if (e >= 0) {
    R.set(f);
    R.shl(e + (unequal_gaps ? 2 : 1));
    S.set(unequal_gaps ? 4 : 2);
    Mm.set(1);
    Mm.shl(e);
    Mp = Mm;
    if (unequal_gaps) Mp.shl(1);
  } else {
    R.set(f);
    R.shl(unequal_gaps ? 2 : 1);
    S.set(1);
    S.shl(-e + (unequal_gaps ? 2 : 1));
    Mm.set(1);
    Mp.set(unequal_gaps ? 2 : 1);
  }
  // Scale by 10^k so that the first digit comes out of R*10/S. Start from an estimate of
  // k = ceil(log10 v) and fix it up exactly.
  int k = 0;
  {
    int bin_exp = e + 52;  // v ~ 2^bin_exp
    if (be == 0) bin_exp = e + 64 - __builtin_clzll(f) - 1;
    k = int((bin_exp * 1233) >> 12);  // floor(bin_exp * log10(2)) roughly
  }
  auto scale = [&](int by) {
    for (int i = 0; i < (by > 0 ? by : -by); i++) {
      if (by > 0) {
        S.mul_small(10);
      } else {
        R.mul_small(10);
        Mp.mul_small(10);
        Mm.mul_small(10);
      }
    }
  };
  scale(k);
  // Fix up: need R + Mp < S (or <= when even is not allowed) for the first digit < 10.
  while (even ? cmp_sum(R, Mp, S) >= 0 : cmp_sum(R, Mp, S) > 0) {
    S.mul_small(10);
    k++;
  }
  for (;;) {  // and R*10 + Mp*10 must reach S, otherwise k is too large
    Big R10 = R, M10 = Mp;
    R10.mul_small(10);
    M10.mul_small(10);
    if (even ? cmp_sum(R10, M10, S) >= 0 : cmp_sum(R10, M10, S) > 0) break;
    R = R10;
    Mp = M10;
    Mm.mul_small(10);
    k--;
  }
  *decpt = k;
  int n = 0;
  for (;;) {
    R.mul_small(10);
    Mp.mul_small(10);
    Mm.mul_small(10);
    int digit = 0;
    while (Big::cmp(R, S) >= 0) {
      R.sub(S);
      digit++;
    }
    int c_low = Big::cmp(R, Mm);
    int c_high = cmp_sum(R, Mp, S);
    bool low = even ? c_low <= 0 : c_low < 0;
    bool high = even ? c_high >= 0 : c_high > 0;
    if (!low && !high) {
      digits[n++] = char('0' + digit);
      continue;
    }
    if (low && high) {  // both neighbours read back: take the nearer (half: even digit)
      Big R2 = R;
      R2.shl(1);
      int c = Big::cmp(R2, S);
      if (c > 0 || (c == 0 && (digit & 1))) digit++;
    } else if (high) {
      digit++;
    }
    digits[n++] = char('0' + digit);
    break;
  }
  return n;
}

}  // namespace

size_t python_float_repr(double v, char* out, size_t cap) {
  if (v != v) return format(out, cap, "nan");
  if (v == __builtin_inf()) return format(out, cap, "inf");
  if (v == -__builtin_inf()) return format(out, cap, "-inf");
  uint64_t bits;
  memcpy(&bits, &v, 8);
  const char* sign = (bits >> 63) ? "-" : "";
  if (v == 0) return format(out, cap, "%s0.0", sign);
  char digits[32];
  int decpt = 0;
  int n = shortest_digits(v < 0 ? -v : v, digits, &decpt);
  digits[n] = 0;
  char body[64];
  size_t len = 0;
  auto put = [&](char c) {
    if (len + 1 < sizeof(body)) body[len++] = c;
  };
  if (decpt > 16 || decpt < -3) {  // Python repr: scientific outside [1e-4, 1e16)
    put(digits[0]);
    if (n > 1) {
      put('.');
      for (int i = 1; i < n; i++) put(digits[i]);
    }
    char exponent[8];  // Python: signed, at least two digits ("1e+16", "1e-05")
    format(exponent, sizeof exponent, "e%+03d", decpt - 1);
    for (const char* e = exponent; *e; e++) put(*e);
  } else if (decpt <= 0) {
    put('0');
    put('.');
    for (int i = 0; i < -decpt; i++) put('0');
    for (int i = 0; i < n; i++) put(digits[i]);
  } else {
    for (int i = 0; i < decpt; i++) put(i < n ? digits[i] : '0');
    put('.');
    if (n > decpt) {
      for (int i = decpt; i < n; i++) put(digits[i]);
    } else {
      put('0');
    }
  }
  body[len] = 0;
  return format(out, cap, "%s%s", sign, body);
}

// ---- arithmetic with Python semantics ---------------------------------------------------

namespace {

struct Value {
  bool is_float = false;
  int64_t i = 0;
  double f = 0;
  double as_double() const { return is_float ? f : double(i); }
};

double floor_exact(double x) {
  if (!(x == x) || x >= 4503599627370496.0 || x <= -4503599627370496.0) return x;
  double t = double(int64_t(x));
  return t > x ? t - 1.0 : t;
}

// Exact fmod for finite x, y != 0 (sign of x), by subtracting scaled copies of |y|.
double fmod_exact(double x, double y) {
  double ax = x < 0 ? -x : x, ay = y < 0 ? -y : y;
  while (ax >= ay) {
    double s = ay;
    while (s <= ax / 2) s *= 2;  // exact: powers of two
    ax -= s;                     // exact (Sterbenz)
  }
  return x < 0 ? -ax : ax;
}

class Parser {
 public:
  Parser(const char* s, size_t n) : s_(s), n_(n) {}
  bool parse(Value* out) {
    if (!expr(out)) return false;
    skip();
    return pos_ == n_;
  }

 private:
  void skip() {
    while (pos_ < n_ && s_[pos_] == ' ') pos_++;
  }
  bool eat(const char* tok) {
    skip();
    size_t k = strlen(tok);
    if (pos_ + k <= n_ && memcmp(s_ + pos_, tok, k) == 0) {
      // "/" must not eat the first half of "//"
      if (k == 1 && tok[0] == '/' && pos_ + 1 < n_ && s_[pos_ + 1] == '/') return false;
      pos_ += k;
      return true;
    }
    return false;
  }
  bool expr(Value* v) {
    if (!term(v)) return false;
    for (;;) {
      char op = eat("+") ? '+' : eat("-") ? '-' : 0;
      if (!op) return true;
      Value r;
      if (!term(&r) || !binary(op, v, r)) return false;
    }
  }
  bool term(Value* v) {
    if (!factor(v)) return false;
    for (;;) {
      char op = eat("*") ? '*' : eat("//") ? 'f' : eat("/") ? '/' : 0;
      if (!op) return true;
      Value r;
      if (!factor(&r) || !binary(op, v, r)) return false;
    }
  }
  bool factor(Value* v) {
    if (++depth_ > 200) return false;
    bool ok;
    if (eat("-")) {
      ok = factor(v);
      if (ok) {
        if (v->is_float) {
          v->f = -v->f;
        } else if (v->i == INT64_MIN) {
          ok = false;
        } else {
          v->i = -v->i;
        }
      }
    } else if (eat("+")) {
      ok = factor(v);
    } else {
      ok = atom(v);
    }
    depth_--;
    return ok;
  }
  bool atom(Value* v) {
    skip();
    if (eat("(")) {
      if (!expr(v)) return false;
      return eat(")");
    }
    size_t start = pos_;
    while (pos_ < n_ && s_[pos_] >= '0' && s_[pos_] <= '9') pos_++;
    size_t int_end = pos_;
    bool dot = pos_ < n_ && s_[pos_] == '.';
    if (dot) {
      pos_++;
      while (pos_ < n_ && s_[pos_] >= '0' && s_[pos_] <= '9') pos_++;
    }
    if (pos_ == start || (dot && pos_ == start + 1)) return false;  // nothing, or a lone "."
    if (!dot) {  // Python 3: "012" is a syntax error (but "0", "00" are fine)
      bool all_zero = true;
      for (size_t i = start; i < int_end; i++) all_zero &= s_[i] == '0';
      if (int_end - start > 1 && s_[start] == '0' && !all_zero) return false;
      int64_t x = 0;
      for (size_t i = start; i < int_end; i++) {
        int dgt = s_[i] - '0';
        if (x > (INT64_MAX - dgt) / 10) return false;  // beyond 64 bits: no result
        x = x * 10 + dgt;
      }
      *v = Value{false, x, 0};
      return true;
    }
    *v = Value{true, 0, decimal_to_double(start, pos_)};
    return true;
  }
  // Correctly rounded decimal -> double for the literal s_[a, b) (digits with one '.').
  double decimal_to_double(size_t a, size_t b) {
    // Exact: value = M * 10^-fd. For M < 2^53 and fd <= 22, one division is exact-rounded.
    for (size_t i = a; i < b; i++) {  // trailing zeros after the point add nothing
      if (s_[i] != '.') continue;
      while (b > i + 1 && s_[b - 1] == '0') b--;
      break;
    }
    uint64_t m = 0;
    int fd = 0, sig = 0;
    bool after = false, overflow = false;
    for (size_t i = a; i < b; i++) {
      if (s_[i] == '.') {
        after = true;
        continue;
      }
      if (m == 0 && s_[i] == '0') {
        if (after) fd++;
        continue;
      }
      if (sig >= 19) {
        overflow = true;
        if (!after) fd--;
        continue;
      }
      m = m * 10 + uint64_t(s_[i] - '0');
      sig++;
      if (after) fd++;
    }
    static const double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double dm = double(m);
    if (!overflow && m < (1ull << 53) && fd >= 0 && fd <= 22) return dm / kPow10[fd];
    if (!overflow && m < (1ull << 53) && fd < 0 && -fd <= 22) return dm * kPow10[-fd];
    // Rare (more than 15 significant digits): nearest-ish by repeated scaling.
    double r = dm;
    for (int i = 0; i < (fd > 0 ? fd : -fd); i++) r = fd > 0 ? r / 10 : r * 10;
    return r;
  }
  static bool binary(char op, Value* a, const Value& b) {
    if (!a->is_float && !b.is_float && op != '/') {
      int64_t x = a->i, y = b.i, r;
      switch (op) {
        case '+':
          if (__builtin_add_overflow(x, y, &r)) return false;
          break;
        case '-':
          if (__builtin_sub_overflow(x, y, &r)) return false;
          break;
        case '*':
          if (__builtin_mul_overflow(x, y, &r)) return false;
          break;
        default: {  // floor division (and its modulo, rounding toward -inf like Python)
          if (y == 0 || (x == INT64_MIN && y == -1)) return false;
          int64_t q = x / y, m = x % y;
          if (m != 0 && ((m < 0) != (y < 0))) q--, m += y;
          r = q;
        }
      }
      a->i = r;
      return true;
    }
    double x = a->as_double(), y = b.as_double(), r;
    switch (op) {
      case '+':
        r = x + y;
        break;
      case '-':
        r = x - y;
        break;
      case '*':
        r = x * y;
        break;
      case '/':
        if (y == 0) return false;  // ZeroDivisionError
        r = x / y;
        break;
      default: {  // CPython float_divmod
        if (y == 0) return false;
        double mod = fmod_exact(x, y), div = (x - mod) / y;
        if (mod != 0) {
          if ((y < 0) != (mod < 0)) mod += y, div -= 1.0;
        } else {
          mod = y < 0 ? -0.0 : 0.0;
        }
        double fl;
        if (div != 0) {
          fl = floor_exact(div);
          if (div - fl > 0.5) fl += 1.0;
        } else {
          fl = __builtin_signbit(x / y) ? -0.0 : 0.0;
        }
        r = fl;
      }
    }
    *a = Value{true, 0, r};
    return true;
  }

  const char* s_;
  size_t n_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// 'text'.count('x') with ' or " quotes and no escapes.
bool string_count(const char* s, size_t n, int64_t* result) {
  auto literal = [&](size_t* pos, const char** p, size_t* len) {
    if (*pos >= n || (s[*pos] != '\'' && s[*pos] != '"')) return false;
    char q = s[(*pos)++];
    size_t start = *pos;
    while (*pos < n && s[*pos] != q) {
      if (s[*pos] == '\\') return false;
      (*pos)++;
    }
    if (*pos >= n) return false;
    *p = s + start;
    *len = *pos - start;
    (*pos)++;
    return true;
  };
  size_t pos = 0;
  while (pos < n && s[pos] == ' ') pos++;
  const char *hay, *needle;
  size_t hay_len, needle_len;
  if (!literal(&pos, &hay, &hay_len)) return false;
  if (n - pos < 7 || memcmp(s + pos, ".count(", 7) != 0) return false;
  pos += 7;
  if (!literal(&pos, &needle, &needle_len)) return false;
  if (pos >= n || s[pos] != ')') return false;
  pos++;
  while (pos < n && s[pos] == ' ') pos++;
  if (pos != n) return false;
  int64_t count = 0;
  if (needle_len == 0) {  // Python: len + 1 (counted in characters; ASCII assumed)
    count = int64_t(hay_len) + 1;
  } else {
    for (size_t i = 0; i + needle_len <= hay_len;) {
      if (memcmp(hay + i, needle, needle_len) == 0) {
        count++;
        i += needle_len;
      } else {
        i++;
      }
    }
  }
  *result = count;
  return true;
}

}  // namespace

bool nanochat_calculator(const char* expr, size_t len, char* out, size_t cap) {
  char buf[512];
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {  // remove commas
    if (expr[i] == ',') continue;
    if (n + 1 >= sizeof(buf)) return false;
    buf[n++] = expr[i];
  }
  buf[n] = 0;
  bool arithmetic = true;
  for (size_t i = 0; i < n; i++) arithmetic &= strchr("0123456789*+-/.() ", buf[i]) != nullptr;
  if (arithmetic) {
    if (strstr(buf, "**")) return false;
    Value v;
    Parser p(buf, n);
    if (!p.parse(&v)) return false;
    if (v.is_float) return python_float_repr(v.f, out, cap) < cap;
    return format(out, cap, "%lld", (long long)v.i) < cap;
  }
  // nanochat's second mode: letters, digits, quotes and "()._ " with a .count( call, and
  // no dangerous names. Only the .count pattern itself evaluates here.
  for (size_t i = 0; i < n; i++) {
    char c = buf[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("'\"()._ ", c) != nullptr;
    if (!ok) return false;
  }
  static const char* const kDangerous[] = {
      "__",      "import", "exec", "eval", "compile", "open",    "file",    "input",  "raw_input",
      "globals", "locals", "vars", "dir",  "getattr", "setattr", "delattr", "hasattr"};
  for (const char* d : kDangerous) {
    if (strstr(buf, d)) return false;
  }
  if (!strstr(buf, ".count(")) return false;
  int64_t count;
  if (!string_count(buf, n, &count)) return false;
  return format(out, cap, "%lld", (long long)count) < cap;
}

}  // namespace inferpi
