// kmath against the host's <cmath>: every board computes with kmath, so it must be close
// to the real functions (under a float ulp after rounding to float).
#include "runtime/core/kmath.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace km = inferpi::kmath;

namespace {
double rel_err(double got, double want) {
  if (want == 0) return std::fabs(got);
  return std::fabs(got - want) / std::fabs(want);
}
}  // namespace

TEST(KMath, ExpLogPowTanhSinCosMatchCmath) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> wide(-80, 80), pos(1e-30, 1e30), unit(-10, 10);
  double worst_exp = 0, worst_log = 0, worst_pow = 0, worst_tanh = 0, worst_sin = 0;
  for (int i = 0; i < 20000; ++i) {
    double x = wide(rng);
    worst_exp = std::max(worst_exp, rel_err(km::exp(x), std::exp(x)));
    double p = std::exp(std::uniform_real_distribution<double>(-60, 60)(rng));
    worst_log = std::max(
        worst_log, std::fabs(km::log(p) - std::log(p)) / std::max(1.0, std::fabs(std::log(p))));
    double b = std::uniform_real_distribution<double>(0.01, 100)(rng), e = unit(rng);
    worst_pow = std::max(worst_pow, rel_err(km::pow(b, e), std::pow(b, e)));
    double t = unit(rng);
    worst_tanh = std::max(worst_tanh, std::fabs(km::tanh(t) - std::tanh(t)));
    double s, c, a = std::uniform_real_distribution<double>(-1000, 1000)(rng);
    km::sincos(a, &s, &c);
    worst_sin = std::max({worst_sin, std::fabs(s - std::sin(a)), std::fabs(c - std::cos(a))});
  }
  (void)pos;
  // float epsilon is 1.19e-7: demand far better than that.
  EXPECT_LT(worst_exp, 1e-9) << "exp";
  EXPECT_LT(worst_log, 1e-9) << "log";
  EXPECT_LT(worst_pow, 1e-8) << "pow";
  EXPECT_LT(worst_tanh, 1e-9) << "tanh";
  EXPECT_LT(worst_sin, 1e-9) << "sincos";
}

TEST(KMath, SpecialValues) {
  EXPECT_EQ(km::exp(0), 1.0);
  EXPECT_EQ(km::exp(-1000), 0.0);
  EXPECT_EQ(km::exp(1000), km::kInf);
  EXPECT_EQ(km::log(1), 0.0);
  EXPECT_EQ(km::log(0), -km::kInf);
  EXPECT_TRUE(km::is_nan(km::log(-1)));
  EXPECT_EQ(km::tanh(50), 1.0);
  EXPECT_EQ(km::tanh(-50), -1.0);
  EXPECT_EQ(km::pow(2, 10), 1024.0);
}

TEST(KMath, FloatWrappersRoundLikeTheDoubleVersions) {
  for (float x = -20; x < 20; x += 0.37f) {
    EXPECT_EQ(km::expf(x), float(km::exp(double(x))));
    EXPECT_NEAR(km::expf(x), std::exp(x), std::exp(x) * 2e-7);
  }
}
