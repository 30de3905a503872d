// BOT wrappers, CDBs and SCSI responses (USB MSC BOT 1.0, SBC-3, SPC-4).
#include <gtest/gtest.h>

#include <cstring>

#include "drivers/usb/scsi.h"

using namespace inferpi::scsi;

TEST(Scsi, CbwLayout) {
  uint8_t cdb[16];
  uint8_t len = cdb_read(cdb, 0x12345678, 2048);
  uint8_t cbw[31];
  build_cbw(cbw, 7, 2048 * 512, true, 0, cdb, len);
  const uint8_t want_head[15] = {0x55, 0x53, 0x42, 0x43, 7, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 10};
  EXPECT_EQ(memcmp(cbw, want_head, 15), 0);
  const uint8_t want_cdb[10] = {0x28, 0, 0x12, 0x34, 0x56, 0x78, 0, 0x08, 0x00, 0};
  EXPECT_EQ(memcmp(cbw + 15, want_cdb, 10), 0);
}

TEST(Scsi, ReadPicks16ForLargeLbas) {
  uint8_t cdb[16];
  EXPECT_EQ(cdb_read(cdb, 0xFFFFFFFFull - 10, 11), 10);  // last block 0xFFFFFFFF still fits
  EXPECT_EQ(cdb_read(cdb, 0xFFFFFFFFull - 10, 12), 16);
  EXPECT_EQ(cdb_read(cdb, 0x1'0000'0000ull, 1), 16);
  EXPECT_EQ(cdb[0], 0x88);
  EXPECT_EQ(cdb[5], 1);  // LBA byte 4 (big-endian, bytes 2..9)
  EXPECT_EQ(cdb_read(cdb, 0, 70000), 16);
}

TEST(Scsi, CswChecks) {
  uint8_t csw[13] = {0x55, 0x53, 0x42, 0x53, 9, 0, 0, 0, 0x00, 0x02, 0, 0, 1};
  CswResult r;
  ASSERT_TRUE(check_csw(csw, 13, 9, &r));
  EXPECT_EQ(r.residue, 512u);
  EXPECT_EQ(r.status, 1);
  EXPECT_FALSE(check_csw(csw, 13, 10, &r));  // wrong tag
  EXPECT_FALSE(check_csw(csw, 12, 9, &r));   // short
  csw[0] = 0;
  EXPECT_FALSE(check_csw(csw, 13, 9, &r));  // signature
  csw[0] = 0x55;
  csw[12] = 3;
  EXPECT_FALSE(check_csw(csw, 13, 9, &r));  // undefined status
}

TEST(Scsi, ReadCapacity) {
  const uint8_t rc10[8] = {0x00, 0x01, 0xFF, 0xFF, 0x00, 0x00, 0x02, 0x00};
  Capacity c;
  ASSERT_TRUE(parse_read_capacity10(rc10, 8, &c));
  EXPECT_EQ(c.blocks, 0x20000u);
  EXPECT_EQ(c.block_size, 512u);
  EXPECT_FALSE(c.needs_16);
  const uint8_t big10[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 2, 0};
  ASSERT_TRUE(parse_read_capacity10(big10, 8, &c));
  EXPECT_TRUE(c.needs_16);
  uint8_t rc16[32] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x10, 0};
  ASSERT_TRUE(parse_read_capacity16(rc16, 32, &c));
  EXPECT_EQ(c.blocks, 0x1'0000'0001ull);
  EXPECT_EQ(c.block_size, 4096u);
  EXPECT_FALSE(parse_read_capacity10(rc10, 7, &c));
}

TEST(Scsi, SenseAndInquiry) {
  uint8_t s[18] = {0x70, 0, 0x02, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x04, 0x01};
  Sense sense = parse_sense(s, 18);
  ASSERT_TRUE(sense.valid);
  EXPECT_EQ(sense.key, 2);
  EXPECT_TRUE(sense_is_transient(sense));  // becoming ready
  s[12] = 0x3A;
  s[13] = 0;
  EXPECT_FALSE(sense_is_transient(parse_sense(s, 18)));  // no medium
  EXPECT_STREQ(sense_key_name(6), "unit attention");
  EXPECT_FALSE(parse_sense(s, 10).valid);

  uint8_t inq[36] = {0, 0x80, 0, 0, 31};
  memcpy(inq + 8, "QEMU    ", 8);
  memcpy(inq + 16, "QEMU HARDDISK   ", 16);
  Inquiry i;
  ASSERT_TRUE(parse_inquiry(inq, 36, &i));
  EXPECT_TRUE(i.removable);
  EXPECT_STREQ(i.vendor, "QEMU");
  EXPECT_STREQ(i.product, "QEMU HARDDISK");
  EXPECT_FALSE(parse_inquiry(inq, 35, &i));
}
