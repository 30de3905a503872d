// Descriptor parsing, including hostile lengths (USB 2.0 §9.6).
#include <gtest/gtest.h>

#include "drivers/usb/usb_descriptors.h"

using namespace inferpi::usb;

namespace {
// A USB 3 stick: BOT alternate 0 (bulk 0x81/0x02 with SS companions), UAS alternate 1.
const uint8_t kUasStick[] = {
    9, 2,    79,   0, 1,    1,    0, 0x80, 50,  // configuration, total 79
    9, 4,    0,    0, 2,    8,    6, 0x50, 0,   // interface 0 alt 0: BOT
    7, 5,    0x81, 2, 0x00, 0x04, 0,            // bulk IN 1024
    6, 0x30, 15,   0, 0,    0,                  // companion: burst 15
    7, 5,    0x02, 2, 0x00, 0x04, 0,            // bulk OUT 1024
    6, 0x30, 7,    0, 0,    0,                  // companion: burst 7
    9, 4,    0,    1, 2,    8,    6, 0x62, 0,   // interface 0 alt 1: UAS (ignored)
    7, 5,    0x83, 2, 0x00, 0x04, 0, 6,    0x30, 15, 0, 0, 0,
    7, 5,    0x04, 2, 0x00, 0x04, 0, 6,    0x30, 15, 0, 0, 0,
};
static_assert(sizeof(kUasStick) == 79);
}  // namespace

TEST(Descriptors, PicksBotAlternateZeroWithBursts) {
  ConfigInfo c;
  ASSERT_TRUE(parse_configuration(kUasStick, sizeof kUasStick, &c));
  EXPECT_EQ(c.value, 1);
  ASSERT_EQ(c.interface_count, 1);
  const InterfaceInfo* i = c.find(8, 6, 0x50);
  ASSERT_NE(i, nullptr);
  ASSERT_EQ(i->endpoint_count, 2);
  EXPECT_EQ(i->endpoints[0].address, 0x81);
  EXPECT_TRUE(i->endpoints[0].is_bulk());
  EXPECT_EQ(i->endpoints[0].max_packet, 1024);
  EXPECT_EQ(i->endpoints[0].max_burst, 15);
  EXPECT_EQ(i->endpoints[1].address, 0x02);
  EXPECT_EQ(i->endpoints[1].max_burst, 7);
  EXPECT_EQ(c.find(8, 6, 0x62), nullptr);
}

TEST(Descriptors, ZeroLengthDescriptorIsAnError) {
  uint8_t bad[] = {9, 2, 20, 0, 1, 1, 0, 0x80, 50, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  ConfigInfo c;
  EXPECT_FALSE(parse_configuration(bad, sizeof bad, &c));
}

TEST(Descriptors, DescriptorRunningPastTheEndIsAnError) {
  uint8_t bad[] = {9, 2, 14, 0, 1, 1, 0, 0x80, 50, 9, 4, 0, 0, 2};
  ConfigInfo c;
  EXPECT_FALSE(parse_configuration(bad, sizeof bad, &c));
}

TEST(Descriptors, TruncatedBufferStopsAtItsEnd) {
  // Total length says 79 but only 25 bytes arrived: parse what is there, no overrun.
  ConfigInfo c;
  ASSERT_TRUE(parse_configuration(kUasStick, 25, &c));
  ASSERT_EQ(c.interface_count, 1);
  EXPECT_EQ(c.interfaces[0].endpoint_count, 1);
}

TEST(Descriptors, DeviceDescriptorAndEp0) {
  const uint8_t d[18] = {18, 1, 0x00, 0x03, 0, 0, 0, 9, 0xF4, 0x46, 0x01, 0x00, 0, 0, 1, 2, 3, 1};
  DeviceDescriptor dd;
  ASSERT_TRUE(parse_device_descriptor(d, 18, &dd));
  EXPECT_EQ(dd.bcd_usb, 0x300);
  EXPECT_EQ(dd.vendor, 0x46F4);
  EXPECT_EQ(ep0_max_packet(dd, true), 512u);
  dd.max_packet0 = 64;
  EXPECT_EQ(ep0_max_packet(dd, false), 64u);
  dd.max_packet0 = 7;  // invalid: fall back to 8
  EXPECT_EQ(ep0_max_packet(dd, false), 8u);
  EXPECT_EQ(default_ep0_max_packet(3), 64u);
  EXPECT_EQ(default_ep0_max_packet(1), 8u);
  uint8_t wrong_type[8] = {18, 2, 0, 2, 0, 0, 0, 64};
  EXPECT_FALSE(parse_device_descriptor(wrong_type, 8, &dd));
}

TEST(Descriptors, HubDescriptor) {
  const uint8_t h[9] = {9, 0x29, 4, 0x29, 0x00, 50, 100, 0, 0xFF};
  HubDescriptor hd;
  ASSERT_TRUE(parse_hub_descriptor(h, 9, &hd));
  EXPECT_EQ(hd.ports, 4);
  EXPECT_EQ(hd.think_time(), 1u);
  EXPECT_EQ(hd.power_on_to_good_2ms, 50);
  const uint8_t zero_ports[7] = {7, 0x29, 0, 0, 0, 1, 0};
  EXPECT_FALSE(parse_hub_descriptor(zero_ports, 7, &hd));
}
