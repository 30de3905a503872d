#include "runtime/core/bootargs.h"

#include <gtest/gtest.h>

namespace inferpi {
namespace {

TEST(Bootargs, Words) {
  EXPECT_TRUE(bootargs::has_word("shell", "shell"));
  EXPECT_TRUE(bootargs::has_word("  a  shell\tb", "shell"));
  EXPECT_FALSE(bootargs::has_word("shells noshell", "shell"));
  EXPECT_FALSE(bootargs::has_word(nullptr, "shell"));
  EXPECT_FALSE(bootargs::has_word("", "shell"));
}

TEST(Bootargs, Values) {
  char v[9];
  EXPECT_TRUE(bootargs::value("a=1 impl=baseline", "impl", v, sizeof(v)));
  EXPECT_STREQ(v, "baseline");
  EXPECT_FALSE(bootargs::value("implx=1 impl", "impl", v, sizeof(v)));
  EXPECT_FALSE(bootargs::value("impl=123456789", "impl", v, sizeof(v)));  // too long for v
  EXPECT_TRUE(bootargs::value("impl=", "impl", v, sizeof(v)));
  EXPECT_STREQ(v, "");
  EXPECT_TRUE(bootargs::has_key("a impl=123456789", "impl"));  // present even if too long
  EXPECT_FALSE(bootargs::has_key("impl implx=1", "impl"));
}

TEST(Bootargs, Numbers) {
  uint64_t x;
  EXPECT_TRUE(bootargs::parse_u64("0x40000000", &x));
  EXPECT_EQ(x, 0x40000000u);
  EXPECT_TRUE(bootargs::parse_u64("18446744073709551615", &x));
  EXPECT_EQ(x, UINT64_MAX);
  EXPECT_FALSE(bootargs::parse_u64("18446744073709551616", &x));
  EXPECT_FALSE(bootargs::parse_u64("0x", &x));
  EXPECT_FALSE(bootargs::parse_u64("12a", &x));
  EXPECT_FALSE(bootargs::parse_u64("", &x));
}

TEST(Bootargs, Ranges) {
  uint64_t b = 0, s = 0;
  EXPECT_TRUE(bootargs::range("bench model=0x80000000:1024 x", "model", &b, &s));
  EXPECT_EQ(b, 0x80000000u);
  EXPECT_EQ(s, 1024u);
  EXPECT_FALSE(bootargs::range("model=0x1000", "model", &b, &s));                // no size
  EXPECT_FALSE(bootargs::range("model=0x1000:0", "model", &b, &s));              // empty
  EXPECT_FALSE(bootargs::range("model=0xffffffffffffffff:2", "model", &b, &s));  // wraps
  EXPECT_FALSE(bootargs::range("model=zz:2", "model", &b, &s));
}

}  // namespace
}  // namespace inferpi
