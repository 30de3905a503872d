#include "runtime/core/bus_window.h"

#include <gtest/gtest.h>

namespace inferpi {
namespace {

TEST(BusWindow, CpuToBusOnlyForRangesWhollyInside) {
  BusWindow emmc2{0, 0xC0000000, 0x40000000};  // Pi 4 B0 emmc2bus dma-ranges
  uint64_t bus = 0;
  EXPECT_TRUE(emmc2.to_bus(0x1600000, 4096, &bus));
  EXPECT_EQ(bus, 0xC1600000u);
  EXPECT_TRUE(emmc2.to_bus(0x3FFFF000, 4096, &bus));
  EXPECT_FALSE(emmc2.to_bus(0x3FFFF000, 4097, &bus));  // runs past the first GB
  EXPECT_FALSE(emmc2.to_bus(0x40000000, 512, &bus));
  EXPECT_FALSE(BusWindow{}.to_bus(0, 512, &bus));  // no window
  BusWindow above{0x1000, 0x9000, 0x1000};
  EXPECT_FALSE(above.to_bus(0xFFF, 1, &bus));       // below cpu_base
  EXPECT_FALSE(above.to_bus(0x1800, ~0ull, &bus));  // no wrap-around
}

TEST(BusWindow, PciOutboundBusToCpu) {
  BusWindow pi4{0x6'0000'0000ull, 0xF800'0000ull, 64ull << 20};  // Pi 4 PCIe ranges
  EXPECT_EQ(pi4.to_cpu(0xF800'0000ull), 0x6'0000'0000ull);
  EXPECT_EQ(pi4.to_cpu(0xF810'0000ull), 0x6'0010'0000ull);
  EXPECT_EQ(pi4.bus_end(), 0xFC00'0000ull);
  EXPECT_EQ(BusWindow({0, 0xC000'0000ull, 1ull << 30}).offset(), 0xC000'0000ull);
}

}  // namespace
}  // namespace inferpi
