#include "runtime/core/lineedit.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

using inferpi::LineEditor;
using Event = LineEditor::Event;

namespace {
struct Fixture {
  char buf[16];
  std::string echo;
  LineEditor ed{buf, sizeof buf, &Fixture::sink, this};
  static void sink(void* ctx, const char* d, size_t n) {
    static_cast<Fixture*>(ctx)->echo.append(d, n);
  }
  // Feeds bytes; returns the events that were not kNone, as letters (L line, C cancel).
  std::string feed(const std::string& bytes) {
    std::string ev;
    for (unsigned char c : bytes) {
      Event e = ed.feed(c);
      if (e == Event::kLine) ev += 'L';
      if (e == Event::kCancelled) ev += 'C';
    }
    return ev;
  }
};
}  // namespace

TEST(LineEditor, EchoesAndEndsOnCr) {
  Fixture f;
  EXPECT_EQ(f.feed("help\r"), "L");
  EXPECT_STREQ(f.ed.line(), "help");
  EXPECT_EQ(f.echo, "help\r\n");
}

TEST(LineEditor, CrLfIsOneEnterAndLfAloneIsEnter) {
  Fixture f;
  EXPECT_EQ(f.feed("a\r\n"), "L");
  f.ed.clear();
  EXPECT_EQ(f.feed("b\n"), "L");
  EXPECT_STREQ(f.ed.line(), "b");
  f.ed.clear();
  EXPECT_EQ(f.feed("\r\n\r\n"), "LL");  // two empty lines, not four
}

TEST(LineEditor, BackspaceAndDelRemoveWholeUtf8Characters) {
  Fixture f;
  f.feed("ab\xc3\xa9");  // "abé"
  f.feed("\x7f");        // DEL removes é (2 bytes)
  EXPECT_STREQ(f.ed.line(), "ab");
  f.feed("\xe2\x82\xac\x08");  // € (3 bytes) then Backspace
  EXPECT_STREQ(f.ed.line(), "ab");
  f.feed("\xf0\x9f\x98\x80\x7f\x7f\x7f\x7f");  // 😀 (4 bytes), then DEL x4: 😀, b, a, -
  EXPECT_STREQ(f.ed.line(), "");
  size_t erased = 0;
  for (size_t p = f.echo.find("\b \b"); p != std::string::npos; p = f.echo.find("\b \b", p + 1))
    ++erased;
  EXPECT_EQ(erased, 5u);  // é, €, 😀, b, a: one per character; nothing once empty
}

TEST(LineEditor, TooLongLineIsCutWithOneMessage) {
  Fixture f;
  EXPECT_EQ(f.feed(std::string(40, 'x') + "\r"), "L");
  EXPECT_EQ(f.ed.length(), 15u);
  EXPECT_TRUE(f.ed.truncated());
  size_t first = f.echo.find("line too long");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(f.echo.find("line too long", first + 1), std::string::npos);
  f.ed.clear();
  EXPECT_FALSE(f.ed.truncated());
}

TEST(LineEditor, CtrlCCancelsAndEscapeSequencesAreSwallowed) {
  Fixture f;
  EXPECT_EQ(f.feed("abc\x03"), "C");
  EXPECT_STREQ(f.ed.line(), "");
  EXPECT_EQ(f.feed("x\x1b[A\x1b[1;5Dy\r"), "L");
  EXPECT_STREQ(f.ed.line(), "xy");
}

TEST(LineEditor, RandomGarbageNeverOverflows) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 200; ++round) {
    char guard_before[8] = {}, buf[9] = {}, guard_after[8] = {};
    std::string echo;
    LineEditor ed(buf, sizeof buf, nullptr, nullptr);
    for (int i = 0; i < 1000; ++i) {
      Event e = ed.feed(uint8_t(rng()));
      ASSERT_LE(ed.length(), 8u);
      ASSERT_EQ(buf[ed.length()], '\0');
      if (e != Event::kNone) ed.clear();
    }
    for (char c : guard_before) ASSERT_EQ(c, 0);
    for (char c : guard_after) ASSERT_EQ(c, 0);
  }
}
