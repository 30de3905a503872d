#include "runtime/core/kmath.h"

#include <cstring>

namespace inferpi::kmath {
namespace {

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 split so k*kLn2Hi is exact
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kPiOver2Hi = 1.57079632673412561417e+00;  // pi/2 split for range reduction
constexpr double kPiOver2Lo = 6.07710050650619224932e-11;
constexpr double kTwoOverPi = 6.36619772367581382433e-01;

double scale_by_power_of_two(double x, int k) {
  // Multiply by 2^k in at most two exact steps so huge or tiny k do not overflow the exponent.
  while (k > 1000) x *= 0x1p1000, k -= 1000;
  while (k < -1000) x *= 0x1p-1000, k += 1000;
  uint64_t bits = uint64_t(int64_t(k) + 1023) << 52;
  double factor;
  memcpy(&factor, &bits, 8);
  return x * factor;
}

double round_to_int(double x) {
  return x >= 0 ? double(int64_t(x + 0.5)) : double(int64_t(x - 0.5));
}

// sin and cos of r in [-pi/4, pi/4] (Taylor series, 1e-17 truncation error).
double sin_kernel(double r) {
  double r2 = r * r, term = r, sum = r;
  for (int n = 1; n <= 10; n++) {
    term *= -r2 / double((2 * n) * (2 * n + 1));
    sum += term;
  }
  return sum;
}
double cos_kernel(double r) {
  double r2 = r * r, term = 1, sum = 1;
  for (int n = 1; n <= 10; n++) {
    term *= -r2 / double((2 * n - 1) * (2 * n));
    sum += term;
  }
  return sum;
}

}  // namespace

double exp(double x) {
  if (is_nan(x)) return x;
  if (x > 709.782712893384) return kInf;
  if (x < -745.1332191019412) return 0.0;
  double k = round_to_int(x * kInvLn2);
  double r = (x - k * kLn2Hi) - k * kLn2Lo;  // |r| <= 0.35
  double term = 1, sum = 1;
  for (int n = 1; n <= 14; n++) {
    term *= r / n;
    sum += term;
  }
  return scale_by_power_of_two(sum, int(k));
}

double log(double x) {
  if (is_nan(x) || x < 0) return kNan;
  if (x == 0) return -kInf;
  if (x == kInf) return kInf;
  uint64_t bits;
  memcpy(&bits, &x, 8);
  int e = int((bits >> 52) & 0x7ff);
  if (e == 0) {  // subnormal: normalise first
    x *= 0x1p54;
    memcpy(&bits, &x, 8);
    e = int((bits >> 52) & 0x7ff) - 54;
  }
  e -= 1023;
  bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;  // m in [1, 2)
  double m;
  memcpy(&m, &bits, 8);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716
  double s = (m - 1) / (m + 1), s2 = s * s, term = s, sum = 0;
  for (int n = 1; n <= 41; n += 2) {
    sum += term / n;
    term *= s2;
  }
  return 2 * sum + e * kLn2Lo + e * kLn2Hi;
}

double pow(double base, double exponent) {
  if (exponent == 0) return 1;
  if (base == 1) return 1;
  if (base == 0) return exponent > 0 ? 0 : kInf;
  if (base < 0) {
    double n = round_to_int(exponent);
    if (n != exponent) return kNan;
    double mag = exp(exponent * log(-base));
    return (int64_t(n) & 1) ? -mag : mag;
  }
  return exp(exponent * log(base));
}

double tanh(double x) {
  if (is_nan(x)) return x;
  if (x > 20) return 1;
  if (x < -20) return -1;
  double ax = x < 0 ? -x : x;
  double t;
  if (ax < 0.125) {  // series avoids the cancellation in e^2x - 1
    double x2 = ax * ax;
    // tanh x = x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 - 1382x^11/155925
    t = ax * (1 + x2 * (-1.0 / 3 +
                        x2 * (2.0 / 15 +
                              x2 * (-17.0 / 315 + x2 * (62.0 / 2835 + x2 * (-1382.0 / 155925))))));
  } else {
    double e2 = exp(2 * ax);
    t = (e2 - 1) / (e2 + 1);
  }
  return x < 0 ? -t : t;
}

void sincos(double x, double* s, double* c) {
  if (!is_finite(x)) {
    *s = *c = kNan;
    return;
  }
  double k = round_to_int(x * kTwoOverPi);
  double r = (x - k * kPiOver2Hi) - k * kPiOver2Lo;
  double sr = sin_kernel(r), cr = cos_kernel(r);
  switch (int64_t(k) & 3) {
    case 0:
      *s = sr, *c = cr;
      break;
    case 1:
      *s = cr, *c = -sr;
      break;
    case 2:
      *s = -sr, *c = -cr;
      break;
    default:
      *s = -cr, *c = sr;
      break;
  }
}

}  // namespace inferpi::kmath
