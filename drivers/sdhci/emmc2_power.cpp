// EMMC2 power and clock via firmware properties. See emmc2_power.h.
#include "drivers/sdhci/emmc2_power.h"

#include "runtime/core/platform.h"

namespace inferpi::sd {
namespace {
constexpr uint32_t kExpanderSdVoltageGpio = 128 + 4;  // 0 = 3.3 V, 1 = 1.8 V
constexpr uint32_t kPowerDeviceSd = 0;
constexpr uint32_t kClockEmmc2 = 12;
constexpr uint32_t kPowerOn = 1u << 0, kPowerWait = 1u << 1;
constexpr uint32_t kPowerNoDevice = 1u << 1;  // in the reply
}  // namespace

uint32_t emmc2_round_base_clock(uint32_t measured_hz) {
  const uint64_t mhz = 1'000'000;
  uint64_t rounded = (uint64_t(measured_hz) + mhz / 2) / mhz * mhz;
  if (rounded > 0xFFFFFFFFull) rounded -= mhz;  // stay representable
  return uint32_t(rounded);
}

Status check_power_state_reply(uint32_t device, uint32_t state) {
  if (state & kPowerNoDevice)
    return Status::error("power domain %u does not exist (SET_POWER_STATE reply 0x%x)", device,
                         state);
  if (!(state & kPowerOn))
    return Status::error("power domain %u did not turn on (SET_POWER_STATE reply 0x%x)", device,
                         state);
  return Status::ok();
}

Status emmc2_power_up(FirmwareProperties& fw, uint32_t* base_clock_hz) {
  uint32_t gpio[2] = {kExpanderSdVoltageGpio, 0};
  Status st = fw.property(firmware_tag::kSetGpioState, gpio, 2, 2, 0);
  if (!st) return st.with_context("sd: select 3.3 V I/O");
  platform::delay_us(5000);
  uint32_t power[2] = {kPowerDeviceSd, kPowerOn | kPowerWait};
  st = fw.property(firmware_tag::kSetPowerState, power, 2, 2, 2);
  if (st) st = check_power_state_reply(kPowerDeviceSd, power[1]);
  if (!st) return st.with_context("sd: power on");
  *base_clock_hz = 0;
  uint32_t clock[2] = {kClockEmmc2, 0};
  if (fw.property(firmware_tag::kGetClockRateMeasured, clock, 2, 1, 2) && clock[1] != 0) {
    *base_clock_hz = emmc2_round_base_clock(clock[1]);
    return Status::ok();
  }
  clock[0] = kClockEmmc2;
  clock[1] = 0;
  if (fw.property(firmware_tag::kGetClockRate, clock, 2, 1, 2) && clock[1] != 0)
    *base_clock_hz = clock[1];
  return Status::ok();
}

}  // namespace inferpi::sd
