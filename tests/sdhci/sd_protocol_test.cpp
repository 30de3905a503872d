// SD clock divider and CSD capacity decoding (SDHCI 3.00 §2.2.14, SD Physical Layer §5.3).
#include <gtest/gtest.h>

#include "drivers/sdhci/sd_protocol.h"

using namespace inferpi::sd;

namespace {
// Builds SDHCI R2 registers from CSD bit fields (response bit n is stored at bit n - 8).
struct Csd {
  uint32_t r[4] = {};
  void set(uint32_t hi, uint32_t lo, uint32_t value) {
    for (uint32_t bit = lo; bit <= hi; bit++) {
      uint32_t stored = bit - 8;
      if ((value >> (bit - lo)) & 1) r[stored / 32] |= 1u << (stored % 32);
    }
  }
};
}  // namespace

TEST(SdClock, Version3TenBitDivider) {
  uint32_t actual = 0;
  // 100 MHz EMMC2 base to 400 kHz: N = 125 -> exactly 400 kHz.
  uint32_t bits = clock_divider_bits(100'000'000, 400'000, 2, &actual);
  EXPECT_EQ(actual, 400'000u);
  EXPECT_EQ(bits, 125u << 8);
  // 100 MHz to 25 MHz: N = 2.
  clock_divider_bits(100'000'000, 25'000'000, 2, &actual);
  EXPECT_EQ(actual, 25'000'000u);
  // Large N uses the upper two bits (7:6).
  bits = clock_divider_bits(200'000'000, 100'000, 2, &actual);
  EXPECT_EQ(bits, ((1000u & 0xFF) << 8) | ((1000u >> 8) << 6));
  EXPECT_LE(actual, 100'000u);
}

TEST(SdClock, Version2PowerOfTwoNeverExceedsTarget) {
  uint32_t actual = 0;
  uint32_t bits = clock_divider_bits(52'000'000, 400'000, 1, &actual);
  EXPECT_EQ(bits, 0x80u << 8);  // /128 would give 406 kHz > 400 kHz, so /256
  EXPECT_EQ(actual, 203'125u);
  clock_divider_bits(52'000'000, 25'000'000, 1, &actual);
  EXPECT_LE(actual, 25'000'000u);
  EXPECT_EQ(clock_divider_bits(50'000'000, 50'000'000, 1, &actual), 0u);
  EXPECT_EQ(actual, 50'000'000u);
}

TEST(SdCsd, Version2Capacity) {
  Csd c;
  c.set(127, 126, 1);
  c.set(69, 48, 15159);  // a "16 GB" card: (15159 + 1) * 512 KiB
  uint64_t blocks = 0;
  ASSERT_TRUE(csd_capacity_blocks(c.r, &blocks));
  EXPECT_EQ(blocks, 15160ull * 1024);
}

TEST(SdCsd, Version1Capacity) {
  Csd c;
  c.set(83, 80, 9);     // READ_BL_LEN 512
  c.set(73, 62, 4095);  // C_SIZE
  c.set(49, 47, 3);     // C_SIZE_MULT -> 2^5
  uint64_t blocks = 0;
  ASSERT_TRUE(csd_capacity_blocks(c.r, &blocks));
  EXPECT_EQ(blocks, 4096ull * 32);  // 64 MiB
}

TEST(SdCsd, RejectsUnknownStructure) {
  Csd c;
  c.set(127, 126, 3);
  uint64_t blocks = 0;
  EXPECT_FALSE(csd_capacity_blocks(c.r, &blocks));
  Csd bad;
  bad.set(83, 80, 15);  // READ_BL_LEN out of range
  EXPECT_FALSE(csd_capacity_blocks(bad.r, &blocks));
}

TEST(SdScr, SpecVersion) {
  const uint8_t v2[8] = {0x02, 0x35, 0x80, 0, 0, 0, 0, 0};  // SD 2.00, 1- and 4-bit
  const uint8_t v1[8] = {0x00, 0x05, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(scr_sd_spec(v2), 2u);
  EXPECT_EQ(scr_sd_spec(v1), 0u);
}

TEST(SdSwitch, HighSpeedSupportAndResult) {
  uint8_t status[64] = {};
  status[12] = 0x80;  // group 1 supports function 15 (bit 415) and
  status[13] = 0x01;  // function 0 (bit 400) only
  EXPECT_FALSE(switch_supports_high_speed(status));
  status[13] = 0x03;  // + function 1 (bit 401): High Speed
  EXPECT_TRUE(switch_supports_high_speed(status));
  status[16] = 0x01;  // bits 379:376 = 1: switched to High Speed
  EXPECT_EQ(switch_group1_result(status), 1u);
  status[16] = 0xFF;
  EXPECT_EQ(switch_group1_result(status), 0xFu);
}

TEST(SdDma, Adma2Descriptors) {
  uint64_t t[8] = {};
  // 80 KiB: 32 + 32 + 16 KiB, the last one with End.
  ASSERT_EQ(adma2_fill(t, 8, 0xC1000000, 80 * 1024), 3u);
  EXPECT_EQ(t[0], (uint64_t(0xC1000000) << 32) | (uint64_t(32768) << 16) | 0x21);
  EXPECT_EQ(t[1], (uint64_t(0xC1008000) << 32) | (uint64_t(32768) << 16) | 0x21);
  EXPECT_EQ(t[2], (uint64_t(0xC1010000) << 32) | (uint64_t(16384) << 16) | 0x23);
  EXPECT_EQ(adma2_fill(t, 2, 0xC1000000, 80 * 1024), 0u);  // table too small
  EXPECT_EQ(adma2_fill(t, 8, 0xFFFFF000, 8192), 0u);       // passes 4 GiB
  EXPECT_EQ(adma2_fill(t, 8, 0x1000, 0), 0u);
}
