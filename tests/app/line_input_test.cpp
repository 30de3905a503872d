// LineReader: what a serial line or a pipe can deliver, one line at a time.
#include <gtest/gtest.h>

#include <string>

#include "runtime/app/line_input.h"
#include "tests/app/app_fakes.h"

namespace inferpi {
namespace {

struct LineTest : ::testing::Test {
  testing::ConsoleScope scope;
  char buf[32];
  LineReader reader{buf, sizeof(buf)};
  void feed(const std::string& s) { scope.console.input += s; }
  std::string next(bool echo = false) {
    EXPECT_EQ(reader.read(echo), LineReader::Result::kLine);
    return reader.line();
  }
};

TEST_F(LineTest, CrLfAndCrlfEndLines) {
  feed("one\rtwo\nthree\r\nfour\r\n\r\n");
  EXPECT_EQ(next(), "one");
  EXPECT_EQ(next(), "two");
  EXPECT_EQ(next(), "three");
  EXPECT_EQ(next(), "four");
  EXPECT_EQ(next(), "");  // an empty line, not the LF of the CRLF before it
  EXPECT_EQ(reader.read(false), LineReader::Result::kEnd);
}

TEST_F(LineTest, BackspaceRemovesAWholeUtf8Character) {
  feed(
      "ab\xC3\xA9\x7F"
      "c\b"
      "d\n");  // "abé", DEL, "c", BS, "d"
  EXPECT_EQ(next(true), "abd");
  EXPECT_EQ(scope.console.output, "ab\xC3\xA9\b \bc\b \bd\r\n");
}

TEST_F(LineTest, EscapeSequencesAndControlBytesAreIgnored) {
  feed("a\x1B[A\x1B[1;5Cb\x1BOPc\x01\x02\x07\td\n");
  EXPECT_EQ(next(), "abc d");
}

TEST_F(LineTest, CtrlCAbandonsTheLine) {
  feed("half a li\x03whole\n");
  EXPECT_EQ(reader.read(true), LineReader::Result::kInterrupt);
  EXPECT_EQ(next(), "whole");
}

TEST_F(LineTest, TenThousandCharactersAreCutAndTheNextLineIsFine) {
  feed(std::string(10000, 'x') + "\nnext\n");
  EXPECT_EQ(next(), std::string(sizeof(buf) - 1, 'x'));
  EXPECT_EQ(reader.dropped(), 10000 - (sizeof(buf) - 1));
  EXPECT_EQ(next(), "next");
  EXPECT_EQ(reader.dropped(), 0u);
}

TEST_F(LineTest, CutNeverSplitsAUtf8Character) {
  // 30 ASCII bytes, then a 3-byte character that would straddle the 31-byte limit.
  feed(std::string(30, 'a') + "\xE2\x82\xAC" + "zz\n");
  std::string line = next();
  EXPECT_EQ(line, std::string(30, 'a'));
  EXPECT_EQ(reader.dropped(), 5u);
}

TEST_F(LineTest, BinaryGarbageNeverOverflows) {
  std::string junk;
  for (int i = 0; i < 5000; i++) junk.push_back(char((i * 131 + 7) & 0xFF));
  feed(junk + "\nok\n");
  for (int i = 0; i < 200; i++) {
    LineReader::Result r = reader.read(true);
    if (r == LineReader::Result::kEnd) break;
    EXPECT_LT(reader.length(), sizeof(buf));
    if (r == LineReader::Result::kLine && std::string(reader.line()) == "ok") return;
  }
  FAIL() << "never got back to a clean line";
}

TEST_F(LineTest, EndOfInputKeepsAPartialLine) {
  feed("no newline");
  EXPECT_EQ(next(), "no newline");
  EXPECT_EQ(reader.read(false), LineReader::Result::kEnd);
}

}  // namespace
}  // namespace inferpi
