#include "runtime/core/code_names.h"

#include <gtest/gtest.h>

namespace inferpi {
namespace {

constexpr CodeName kTable[] = {{0, "zero"}, {7, "seven"}, {0x3c, "last"}};

TEST(CodeNames, FindsFirstMiddleAndLastAndSaysUnknownOtherwise) {
  EXPECT_STREQ(name_of(0, kTable, "?"), "zero");
  EXPECT_STREQ(name_of(7, kTable, "?"), "seven");
  EXPECT_STREQ(name_of(0x3c, kTable, "?"), "last");
  EXPECT_STREQ(name_of(1, kTable, "?"), "?");
  EXPECT_STREQ(name_of(0xFFFFFFFFu, kTable, "none"), "none");
  static_assert(name_of(7, kTable, "?")[0] == 's', "usable at compile time");
}

}  // namespace
}  // namespace inferpi
