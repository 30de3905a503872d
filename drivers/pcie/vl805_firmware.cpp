// VL805 firmware notify. See vl805_firmware.h.
#include "drivers/pcie/vl805_firmware.h"

#include "runtime/core/platform.h"

namespace inferpi::pci {
namespace {
constexpr uint32_t kVersionOffset = 0x50;
constexpr uint32_t kStartupDelayUs = 1000;  // Linux: 200-1000 us "wait for vl805 to startup"
constexpr uint32_t kPollStepUs = 10'000;
}  // namespace

Status vl805_notify_reset(FirmwareProperties& firmware, Address a) {
  uint32_t value[1] = {(uint32_t(a.bus) << 20) | (uint32_t(a.dev) << 15) | (uint32_t(a.fn) << 12)};
  Status st = firmware.property(firmware_tag::kNotifyXhciReset, value, 1, 1, 0);
  if (!st) return st.with_context("VL805 firmware load (NOTIFY_XHCI_RESET)");
  platform::delay_us(kStartupDelayUs);
  return Status::ok();
}

uint32_t vl805_firmware_version(ConfigSpace& config, Address a) {
  uint32_t v = config.read32(a, kVersionOffset);
  return v == 0xFFFFFFFF ? 0 : v;  // a missing function reads all-ones
}

Status vl805_ensure_firmware(FirmwareProperties& firmware, ConfigSpace& config, Address a,
                             uint32_t poll_ms, Vl805Firmware* out) {
  *out = Vl805Firmware{};
  out->version = vl805_firmware_version(config, a);
  if (out->version != 0) return Status::ok();  // kAlreadyRunning
  out->notified = true;
  Status notify = vl805_notify_reset(firmware, a);
  out->source = notify ? Vl805Firmware::kLoaded : Vl805Firmware::kLoadedAfterTimeout;
  out->version = vl805_firmware_version(config, a);
  for (uint32_t waited = 0; out->version == 0 && waited < poll_ms * 1000; waited += kPollStepUs) {
    platform::delay_us(kPollStepUs);
    out->version = vl805_firmware_version(config, a);
  }
  if (out->version != 0) return Status::ok();
  if (!notify)
    return Status::error("%s; the VL805 still has no firmware after %u ms more (config 0x50 = 0)",
                         notify.message(), poll_ms);
  return Status::error(
      "VL805: NOTIFY_XHCI_RESET answered but no firmware runs after %u ms (config 0x50 = 0)",
      poll_ms);
}

}  // namespace inferpi::pci
