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
