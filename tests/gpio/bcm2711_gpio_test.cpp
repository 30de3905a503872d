// Bcm2711Gpio over an array standing in for its registers: which register and which bits
// each call changes (pi4-hardware.md §4.1-4.3), and that it leaves the other pins alone.
#include "drivers/gpio/bcm2711_gpio.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace inferpi {
namespace {

constexpr uint32_t kGpfsel1 = 0x04 / 4, kGpfsel5 = 0x14 / 4;
constexpr uint32_t kPullReg0 = 0xe4 / 4, kPullReg3 = 0xf0 / 4;
constexpr uint32_t kOthers = 0xA5A5A5A5u;  // every register starts with this pattern

struct FakeGpio {
  uint32_t regs[0x100 / 4];
  FakeGpio() {
    for (uint32_t& r : regs) r = kOthers;
  }
  Bcm2711Gpio gpio{reinterpret_cast<uintptr_t>(regs)};
  // The registers that differ from the starting pattern.
  int changed() const {
    int n = 0;
    for (uint32_t r : regs) n += r != kOthers;
    return n;
  }
};

TEST(Bcm2711Gpio, FunctionSelectsThreeBitsOfTheRightRegister) {
  FakeGpio f;
  f.gpio.set_function(14, Bcm2711Gpio::Function::kAlt0);  // GPFSEL1, bits 12..14
  EXPECT_EQ(f.regs[kGpfsel1], (kOthers & ~(7u << 12)) | (0b100u << 12));
  f.gpio.set_function(57, Bcm2711Gpio::Function::kAlt5);  // GPFSEL5, bits 21..23
  EXPECT_EQ(f.regs[kGpfsel5], (kOthers & ~(7u << 21)) | (0b010u << 21));
  EXPECT_EQ(f.changed(), 2);
}

TEST(Bcm2711Gpio, PullSetsTwoBitsOfTheRightRegister) {
  FakeGpio f;
  f.gpio.set_pull(15, Bcm2711Gpio::Pull::kUp);  // REG0, bits 30..31
  EXPECT_EQ(f.regs[kPullReg0], (kOthers & ~(3u << 30)) | (0b01u << 30));
  f.gpio.set_pull(48, Bcm2711Gpio::Pull::kNone);  // REG3, bits 0..1
  EXPECT_EQ(f.regs[kPullReg3], kOthers & ~3u);
  EXPECT_EQ(f.changed(), 2);
}

TEST(Bcm2711Gpio, PinsPastTheLastAreIgnored) {
  FakeGpio f;
  f.gpio.set_function(58, Bcm2711Gpio::Function::kOutput);
  f.gpio.set_pull(58, Bcm2711Gpio::Pull::kDown);
  EXPECT_EQ(f.changed(), 0);
}

}  // namespace
}  // namespace inferpi
