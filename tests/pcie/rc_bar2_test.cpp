// RC_BAR2 = PCI - CPU offset with the size code (review item 9), for the dma-ranges the Pi 4
// firmware passes: B0/fixture DTBs (PCI 0 -> CPU 0, 3 GB) and C0 boards (PCI 4 GB -> CPU 0).
#include <gtest/gtest.h>

#include "drivers/pcie/bcm2711_pcie.h"

using namespace inferpi::pci;

namespace {
Bcm2711PcieConfig window(uint64_t pci, uint64_t cpu, uint64_t size) {
  Bcm2711PcieConfig c;
  c.inbound.bus_base = pci;
  c.inbound.cpu_base = cpu;
  c.inbound.size = size;
  return c;
}
}  // namespace

TEST(Bcm2711RcBar2, ThreeGigabytesAtZeroRoundsToFour) {
  uint32_t lo = 0, hi = 0, lg = 0;
  ASSERT_TRUE(bcm2711_rc_bar2(window(0, 0, 3ull << 30), &lo, &hi, &lg).is_ok());
  EXPECT_EQ(lo, 0x11u);  // offset 0 | size code for 4 GB
  EXPECT_EQ(hi, 0u);
  EXPECT_EQ(lg, 32u);
}

TEST(Bcm2711RcBar2, C0WindowHoldsTheOffsetInTheHighWord) {
  uint32_t lo = 0, hi = 0, lg = 0;
  ASSERT_TRUE(bcm2711_rc_bar2(window(4ull << 30, 0, 4ull << 30), &lo, &hi, &lg).is_ok());
  EXPECT_EQ(lo, 0x11u);
  EXPECT_EQ(hi, 1u);  // PCI - CPU = 0x1_0000_0000
}

TEST(Bcm2711RcBar2, NonZeroCpuBaseFailsLoudly) {
  uint32_t lo = 0, hi = 0, lg = 0;
  inferpi::Status st = bcm2711_rc_bar2(window(4ull << 30, 1ull << 30, 1ull << 30), &lo, &hi, &lg);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(std::string(st.message()).find("not 0"), std::string::npos) << st.message();
}

TEST(Bcm2711RcBar2, OffsetNotAlignedToTheSizeIsRefused) {
  uint32_t lo = 0, hi = 0, lg = 0;
  EXPECT_FALSE(bcm2711_rc_bar2(window(2ull << 30, 0, 4ull << 30), &lo, &hi, &lg).is_ok());
  EXPECT_FALSE(bcm2711_rc_bar2(window(0, 0, 0), &lo, &hi, &lg).is_ok());
}
