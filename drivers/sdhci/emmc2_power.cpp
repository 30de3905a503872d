// EMMC2 power and clock via firmware properties. See emmc2_power.h.
#include "drivers/sdhci/emmc2_power.h"

#include "runtime/core/platform.h"

namespace inferpi::sd {
namespace {
constexpr uint32_t kExpanderSdVoltageGpio = 128 + 4;  // 0 = 3.3 V, 1 = 1.8 V
constexpr uint32_t kPowerDeviceSd = 0;
constexpr uint32_t kClockEmmc2 = 12;
}  // namespace

Status emmc2_power_up(FirmwareProperties& fw, uint32_t* base_clock_hz) {
  uint32_t gpio[2] = {kExpanderSdVoltageGpio, 0};
  Status st = fw.property(firmware_tag::kSetGpioState, gpio, 2, 2, 0);
  if (!st) return st.with_context("sd: select 3.3 V I/O");
  platform::delay_us(5000);
  uint32_t power[2] = {kPowerDeviceSd, 3};  // on, wait until stable
  st = fw.property(firmware_tag::kSetPowerState, power, 2, 2, 2);
  if (!st) return st.with_context("sd: power on");
  *base_clock_hz = 0;
  uint32_t clock[2] = {kClockEmmc2, 0};
  if (fw.property(firmware_tag::kGetClockRateMeasured, clock, 2, 1, 2) && clock[1] != 0) {
    *base_clock_hz = clock[1];
    return Status::ok();
  }
  clock[0] = kClockEmmc2;
  clock[1] = 0;
  if (fw.property(firmware_tag::kGetClockRate, clock, 2, 1, 2) && clock[1] != 0)
    *base_clock_hz = clock[1];
  return Status::ok();
}

}  // namespace inferpi::sd
