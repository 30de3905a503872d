// kmath: the elementary functions the engines use, written once in plain IEEE double
// arithmetic so that every board (glibc host, picolibc/newlib kernel) computes
// bit-identical results. That is what lets a test compare the kernel's chat with the
// host CLI's token for token. Each function is accurate to well under one float ulp.
// sqrt is the IEEE-exact hardware instruction on every target.
#pragma once
#include <cstdint>

namespace inferpi::kmath {

double exp(double x);
double log(double x);  // natural log; log(0) = -inf, log(x<0) = nan
double pow(double base, double exponent);
double tanh(double x);
void sincos(double x, double* s, double* c);
inline double sqrt(double x) { return __builtin_sqrt(x); }

inline float expf(float x) { return float(exp(double(x))); }
inline float logf(float x) { return float(log(double(x))); }
inline float tanhf(float x) { return float(tanh(double(x))); }
inline float sqrtf(float x) { return __builtin_sqrtf(x); }
inline float powf(float b, float e) { return float(pow(double(b), double(e))); }

inline constexpr double kInf = __builtin_inf();
inline constexpr double kNan = __builtin_nan("");
inline bool is_nan(double x) { return x != x; }
inline bool is_finite(double x) { return x == x && x != kInf && x != -kInf; }

}  // namespace inferpi::kmath
