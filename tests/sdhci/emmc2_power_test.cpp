// EMMC2 power-up over a fake mailbox: SET_POWER_STATE's reply is checked (review item 9),
// the measured base clock is rounded to the MHz so 25 MHz stays 25 MHz (review item 6).
#include <gtest/gtest.h>

#include <string>

#include "drivers/sdhci/emmc2_power.h"
#include "drivers/sdhci/sd_protocol.h"

using namespace inferpi;
using namespace inferpi::sd;

namespace {

class FakeFirmware final : public FirmwareProperties {
 public:
  uint32_t power_reply = 1;  // state word the firmware writes back
  uint32_t measured_hz = 100'000'000;
  uint32_t set_hz = 100'000'000;
  int power_calls = 0;
  Status property(uint32_t tag, uint32_t* value, uint32_t, uint32_t, uint32_t) override {
    switch (tag) {
      case firmware_tag::kSetGpioState:
        return Status::ok();
      case firmware_tag::kSetPowerState:
        power_calls++;
        EXPECT_EQ(value[0], 0u);  // SD card domain
        EXPECT_EQ(value[1], 3u);  // on, wait
        value[1] = power_reply;
        return Status::ok();
      case firmware_tag::kGetClockRateMeasured:
        value[1] = measured_hz;
        return Status::ok();
      case firmware_tag::kGetClockRate:
        value[1] = set_hz;
        return Status::ok();
    }
    return Status::error("unexpected tag 0x%08x", tag);
  }
};

uint32_t sd_clock_from(uint32_t base_hz) {
  uint32_t actual = 0;
  clock_divider_bits(base_hz, 25'000'000, 2, &actual);
  return actual;
}

}  // namespace

TEST(Emmc2Power, PowerReplyNoDeviceIsAnError) {
  FakeFirmware fw;
  fw.power_reply = 2;  // bit 1: no such device
  uint32_t hz = 0;
  Status st = emmc2_power_up(fw, &hz);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(std::string(st.message()).find("does not exist"), std::string::npos) << st.message();
}

TEST(Emmc2Power, PowerReplyNotOnIsAnError) {
  FakeFirmware fw;
  fw.power_reply = 0;
  uint32_t hz = 0;
  Status st = emmc2_power_up(fw, &hz);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(std::string(st.message()).find("did not turn on"), std::string::npos) << st.message();
}

TEST(Emmc2Power, MeasuredClockOneHertzHighStillGives25MHz) {
  // The bug: 100 000 001 Hz measured -> divider N = 3 -> 16.7 MHz.
  EXPECT_LT(sd_clock_from(100'000'001), 20'000'000u);
  FakeFirmware fw;
  fw.measured_hz = 100'000'001;
  uint32_t hz = 0;
  ASSERT_TRUE(emmc2_power_up(fw, &hz).is_ok());
  EXPECT_EQ(hz, 100'000'000u);
  EXPECT_EQ(sd_clock_from(hz), 25'000'000u);
  fw.measured_hz = 99'999'400;  // and a little low
  ASSERT_TRUE(emmc2_power_up(fw, &hz).is_ok());
  EXPECT_EQ(hz, 100'000'000u);
  EXPECT_EQ(fw.power_calls, 2);
}

TEST(Emmc2Power, RoundingIsToTheNearestMegahertz) {
  EXPECT_EQ(emmc2_round_base_clock(49'500'000), 50'000'000u);
  EXPECT_EQ(emmc2_round_base_clock(49'499'999), 49'000'000u);
  EXPECT_EQ(emmc2_round_base_clock(4'294'967'295u), 4'294'000'000u);  // no wrap-around
}

TEST(Emmc2Power, UnansweredMeasuredClockFallsBackToTheSetRate) {
  FakeFirmware fw;
  fw.measured_hz = 0;  // firmware #1619: 0 while parked
  fw.set_hz = 200'000'000;
  uint32_t hz = 0;
  ASSERT_TRUE(emmc2_power_up(fw, &hz).is_ok());
  EXPECT_EQ(hz, 200'000'000u);
}
