#include "runtime/core/format.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

using inferpi::format;

static std::string fmt(const char* f, auto... args) {
  char buf[256];
  format(buf, sizeof(buf), f, args...);
  return buf;
}

TEST(Format, IntegersMatchPrintf) {
  EXPECT_EQ(fmt("%d|%5d|%-5d|%05d", 42, -7, 3, 12), "42|   -7|3    |00012");
  EXPECT_EQ(fmt("%u %x %X %08x", 4000000000u, 0xbeefu, 0xbeefu, 0x12u),
            "4000000000 beef BEEF 00000012");
  EXPECT_EQ(fmt("%lld %llu %zu", -9000000000LL, 18446744073709551615ULL, size_t(7)),
            "-9000000000 18446744073709551615 7");
  EXPECT_EQ(fmt("%+d % d %d", 5, 5, -2147483647 - 1), "+5  5 -2147483648");
}

TEST(Format, StringsCharsPointers) {
  EXPECT_EQ(fmt("[%s] [%8s] [%-4s] [%.2s] [%c]", "hi", "right", "l", "cut", 'x'),
            "[hi] [   right] [l   ] [cu] [x]");
  const char* volatile null_string = nullptr;  // volatile: hide the null from -Wformat
  EXPECT_EQ(fmt("%s", null_string), "(null)");
  EXPECT_EQ(fmt("%p", reinterpret_cast<void*>(0x1234)), "0x1234");
  EXPECT_EQ(fmt("100%%"), "100%");
}

TEST(Format, FloatsMatchPrintf) {
  const double values[] = {0.0, 1.0, -1.5, 3.14159265, 123456.789, 0.000123, 1e-9, 99.995, 7.2};
  const char* specs[] = {"%f", "%.2f", "%8.3f", "%.0f", "%e", "%.3e", "%g", "%.4g"};
  for (double v : values) {
    for (const char* s : specs) {
      char expect[64];
      snprintf(expect, sizeof(expect), s, v);
      EXPECT_EQ(fmt(s, v), expect) << s << " of " << v;
    }
  }
}

TEST(Format, TruncatesAndReportsFullLength) {
  char buf[8];
  size_t n = format(buf, sizeof(buf), "%s", "0123456789");
  EXPECT_EQ(n, 10u);
  EXPECT_STREQ(buf, "0123456");
}
