// FirmwareProperties: the one thing drivers need from the Raspberry Pi firmware, the
// mailbox property interface (pi4-hardware.md §5). The board adapts its mailbox driver to
// this; drivers that need the firmware (VL805 reload, EMMC2 power and clock) take it as a
// parameter and never know which board they run on.
#pragma once
#include <cstdint>

#include "runtime/core/status.h"

namespace inferpi {

class FirmwareProperties {
 public:
  virtual ~FirmwareProperties() = default;
  // Sends one tag. `value` holds `request_words` request words on entry and the response
  // on return (the value buffer is `value_words` long). Fails if the firmware did not
  // answer the tag or answered fewer than `response_words` words.
  virtual Status property(uint32_t tag, uint32_t* value, uint32_t value_words,
                          uint32_t request_words, uint32_t response_words) = 0;
};

namespace firmware_tag {  // property tags (pi4-hardware.md §5; the firmware wiki's list)
constexpr uint32_t kFirmwareRevision = 0x00000001;
constexpr uint32_t kBoardModel = 0x00010001;
constexpr uint32_t kBoardRevision = 0x00010002;
constexpr uint32_t kBoardSerial = 0x00010004;
constexpr uint32_t kArmMemory = 0x00010005;
constexpr uint32_t kVcMemory = 0x00010006;
constexpr uint32_t kSetPowerState = 0x00028001;
constexpr uint32_t kGetClockRate = 0x00030002;
constexpr uint32_t kGetMaxClockRate = 0x00030004;
constexpr uint32_t kGetTemperature = 0x00030006;
constexpr uint32_t kGetMaxTemperature = 0x0003000a;
constexpr uint32_t kGetThrottled = 0x00030046;
constexpr uint32_t kGetClockRateMeasured = 0x00030047;
constexpr uint32_t kNotifyXhciReset = 0x00030058;
constexpr uint32_t kSetClockRate = 0x00038002;
constexpr uint32_t kSetGpioState = 0x00038041;
}  // namespace firmware_tag

}  // namespace inferpi
