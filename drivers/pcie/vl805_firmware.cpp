// VL805 firmware notify. See vl805_firmware.h.
#include "drivers/pcie/vl805_firmware.h"

#include "runtime/core/platform.h"

namespace inferpi::pci {
namespace {
constexpr uint32_t kVersionOffset = 0x50;
constexpr uint32_t kStartupDelayUs = 1000;  // Linux: 200-1000 us "wait for vl805 to startup"
}  // namespace

Status vl805_notify_reset(FirmwareProperties& firmware, Address a) {
  uint32_t value[1] = {(uint32_t(a.bus) << 20) | (uint32_t(a.dev) << 15) | (uint32_t(a.fn) << 12)};
  Status st = firmware.property(firmware_tag::kNotifyXhciReset, value, 1, 1, 0);
  if (!st) return st.with_context("VL805 firmware load (NOTIFY_XHCI_RESET)");
  platform::delay_us(kStartupDelayUs);
  return Status::ok();
}

uint32_t vl805_firmware_version(ConfigSpace& config, Address a) {
  return config.read32(a, kVersionOffset);
}

}  // namespace inferpi::pci
