// VL805 firmware (review items 2 and 3): no notify when config 0x50 already shows firmware,
// exactly one notify otherwise, and after a failed (timed-out) notify a poll of 0x50 instead
// of a second notify.
#include <gtest/gtest.h>

#include <string>

#include "drivers/pcie/vl805_firmware.h"

using namespace inferpi;
using namespace inferpi::pci;

namespace {

const Address kVl805{1, 0, 0};

// Config 0x50 reads 0 until `firmware_after_reads` reads after the notify (never if < 0).
class FakeVl805 final : public ConfigSpace {
 public:
  uint32_t version = 0;
  int firmware_after_reads = -1;
  bool notified = false;
  int reads_after_notify = 0;
  uint32_t read32(Address, uint16_t offset) override {
    if (offset != 0x50) return 0;
    if (notified && firmware_after_reads >= 0 && reads_after_notify++ >= firmware_after_reads)
      version = 0x000138a1;
    return version;
  }
  void write32(Address, uint16_t, uint32_t) override {}
};

class FakeFirmware final : public FirmwareProperties {
 public:
  FakeVl805* vl805 = nullptr;
  bool time_out = false;
  int notifies = 0;
  uint32_t last_address = 0;
  Status property(uint32_t tag, uint32_t* value, uint32_t, uint32_t, uint32_t) override {
    EXPECT_EQ(tag, firmware_tag::kNotifyXhciReset);
    notifies++;
    last_address = value[0];
    vl805->notified = true;
    if (time_out) return Status::error("mailbox: no answer in 3000 ms");
    return Status::ok();
  }
};

}  // namespace

TEST(Vl805Firmware, AlreadyRunningIsNotNotified) {
  FakeVl805 cfg;
  cfg.version = 0x000138c0;  // SPI EEPROM board
  FakeFirmware fw;
  fw.vl805 = &cfg;
  Vl805Firmware out;
  EXPECT_TRUE(vl805_ensure_firmware(fw, cfg, kVl805, 50, &out).is_ok());
  EXPECT_EQ(fw.notifies, 0);
  EXPECT_FALSE(out.notified);
  EXPECT_EQ(out.source, Vl805Firmware::kAlreadyRunning);
  EXPECT_EQ(out.version, 0x000138c0u);
}

TEST(Vl805Firmware, NotifiedOnceWithThePciAddress) {
  FakeVl805 cfg;
  cfg.firmware_after_reads = 0;
  FakeFirmware fw;
  fw.vl805 = &cfg;
  Vl805Firmware out;
  EXPECT_TRUE(vl805_ensure_firmware(fw, cfg, kVl805, 50, &out).is_ok());
  EXPECT_EQ(fw.notifies, 1);
  EXPECT_EQ(fw.last_address, 1u << 20);  // bus 1 device 0 function 0
  EXPECT_TRUE(out.notified);
  EXPECT_EQ(out.source, Vl805Firmware::kLoaded);
  EXPECT_EQ(out.version, 0x000138a1u);
}

TEST(Vl805Firmware, TimedOutNotifyIsFollowedByPollingNotASecondNotify) {
  FakeVl805 cfg;
  cfg.firmware_after_reads = 3;  // the load finishes a few polls after the mailbox gave up
  FakeFirmware fw;
  fw.vl805 = &cfg;
  fw.time_out = true;
  Vl805Firmware out;
  Status st = vl805_ensure_firmware(fw, cfg, kVl805, 200, &out);
  EXPECT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ(fw.notifies, 1);
  EXPECT_EQ(out.source, Vl805Firmware::kLoadedAfterTimeout);
  EXPECT_NE(out.version, 0u);
}

TEST(Vl805Firmware, NoFirmwareAfterTheNotifyIsAnErrorThatSaysSo) {
  FakeVl805 cfg;  // never gets firmware
  FakeFirmware fw;
  fw.vl805 = &cfg;
  fw.time_out = true;
  Vl805Firmware out;
  Status st = vl805_ensure_firmware(fw, cfg, kVl805, 30, &out);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(fw.notifies, 1);
  EXPECT_TRUE(out.notified);  // the caller must not notify again before a new PERST
  EXPECT_NE(std::string(st.message()).find("no firmware"), std::string::npos) << st.message();
}
