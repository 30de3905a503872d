// Unit tests that need no disk image: CRC32, LFN assembly, UTF-8, name comparison.
#include <gtest/gtest.h>

#include <cstring>

#include "drivers/block/crc32.h"
#include "drivers/fat32/fat_name.h"

using namespace inferpi;

TEST(Crc32, KnownVectors) {
  EXPECT_EQ(crc32("", 0), 0u);
  EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);  // the standard check value
  uint32_t c = crc32_update(0, "12345", 5);
  EXPECT_EQ(crc32_update(c, "6789", 4), 0xCBF43926u);
}

TEST(FatName, SfnChecksumAndText) {
  const uint8_t name[11] = {'M', 'O', 'D', 'E', 'L', 'F', '~', '1', 'B', 'I', 'N'};
  // Reference value computed by hand with the FAT spec's rotate-right-and-add.
  uint8_t sum = 0;
  for (uint8_t b : name) sum = uint8_t(((sum & 1) ? 0x80 : 0) + (sum >> 1) + b);
  EXPECT_EQ(fat::sfn_checksum(name), sum);

  uint8_t e[32] = {};
  memcpy(e, "README  TXT", 11);
  char out[13];
  fat::sfn_to_text(e, out, sizeof(out));
  EXPECT_STREQ(out, "README.TXT");
  e[12] = 0x08 | 0x10;  // NTRes: lower-case base and extension
  fat::sfn_to_text(e, out, sizeof(out));
  EXPECT_STREQ(out, "readme.txt");
  memcpy(e,
         "\x05"
         "ABC    "
         "   ",
         11);
  e[12] = 0;
  fat::sfn_to_text(e, out, sizeof(out));
  EXPECT_STREQ(out, "?ABC");  // 0x05 stands for 0xE5, an OEM byte we show as '?'
}

TEST(FatName, Utf16ToUtf8) {
  const uint16_t cafe[] = {'C', 'a', 'f', 0xE9, 0};
  char out[32];
  ASSERT_TRUE(fat::utf16_to_utf8(cafe, 5, out, sizeof(out)));
  EXPECT_STREQ(out, "Caf\xC3\xA9");
  const uint16_t cjk_emoji[] = {0x65E5, 0xD83C, 0xDF89, 0};  // 日 🎉
  ASSERT_TRUE(fat::utf16_to_utf8(cjk_emoji, 4, out, sizeof(out)));
  EXPECT_STREQ(out, "\xE6\x97\xA5\xF0\x9F\x8E\x89");
  const uint16_t lone[] = {'a', 0xD83C, 'b', 0};
  ASSERT_TRUE(fat::utf16_to_utf8(lone, 4, out, sizeof(out)));
  EXPECT_STREQ(out,
               "a\xEF\xBF\xBD"
               "b");
  EXPECT_FALSE(fat::utf16_to_utf8(cafe, 5, out, 5));  // too small: refused, terminated
}

TEST(FatName, CaseInsensitiveCompare) {
  EXPECT_TRUE(fat::name_equals_nocase("Model.BIN", "model.bin", 9));
  EXPECT_TRUE(fat::name_equals_nocase("CAF\xC3\x89", "caf\xC3\xA9", 5));            // É / é
  EXPECT_TRUE(fat::name_equals_nocase("\xD0\x9C\xD0\xBE", "\xD0\xBC\xD0\xBE", 4));  // Мо / мо
  EXPECT_FALSE(fat::name_equals_nocase("model.bin", "model.bi", 8));
  EXPECT_FALSE(fat::name_equals_nocase("a", "ab", 2));
  EXPECT_TRUE(fat::name_equals_nocase("dir", "dir/rest", 3));  // component length limits b
}

namespace {
// Builds an LFN entry with the given ordinal byte, checksum and 13 units.
void make_lfn(uint8_t* e, uint8_t ord, uint8_t sum, const uint16_t* units) {
  static const int kOffsets[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
  memset(e, 0, 32);
  e[0] = ord;
  e[11] = 0x0F;
  e[13] = sum;
  for (int i = 0; i < 13; i++) {
    e[kOffsets[i]] = uint8_t(units[i]);
    e[kOffsets[i] + 1] = uint8_t(units[i] >> 8);
  }
}
}  // namespace

TEST(FatName, LfnSequenceAndChecksum) {
  uint8_t sfn[32] = {};
  memcpy(sfn, "LONGNA~1TXT", 11);
  uint8_t sum = fat::sfn_checksum(sfn);
  // "abcdefghijklmnop.txt" = 20 units → 2 entries: ordinal 0x42 (units 13..) then 1.
  const char* text = "abcdefghijklmnop.txt";
  uint16_t units[26];
  for (int i = 0; i < 26; i++) units[i] = 0xFFFF;
  for (int i = 0; i < 20; i++) units[i] = uint16_t(text[i]);
  units[20] = 0;
  uint8_t e1[32], e2[32];
  make_lfn(e2, 0x42, sum, units + 13);
  make_lfn(e1, 0x01, sum, units);
  char out[fat::kMaxNameBytes];

  fat::LfnCollector c;
  c.add(e2), c.add(e1);
  ASSERT_TRUE(c.finish(sfn, out, sizeof(out)));
  EXPECT_STREQ(out, text);

  c.add(e2), c.add(e1);  // wrong checksum at the 8.3 entry → fall back
  uint8_t other[32] = {};
  memcpy(other, "OTHER   TXT", 11);
  EXPECT_FALSE(c.finish(other, out, sizeof(out)));

  c.add(e1), c.add(e2);  // wrong order → dropped
  EXPECT_FALSE(c.finish(sfn, out, sizeof(out)));

  c.add(e2);  // a missing ordinal 1 → dropped
  EXPECT_FALSE(c.finish(sfn, out, sizeof(out)));

  make_lfn(e1, 0x01, uint8_t(sum + 1), units);  // checksums differ between entries
  c.add(e2), c.add(e1);
  EXPECT_FALSE(c.finish(sfn, out, sizeof(out)));
}
