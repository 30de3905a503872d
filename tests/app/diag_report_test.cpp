// The self-test report's portable pieces: the line format the QEMU test parses, SD CID/CSD
// decoding (checked against QEMU's sd-card registers, whose fields its source spells out),
// board revision codes, and the read-speed / read-path helpers over in-memory disks.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "app_fakes.h"
#include "drivers/block/read_speed.h"
#include "runtime/app/diag_report.h"

using namespace inferpi;

namespace {

// QEMU hw/sd/sd.c: MID 0xaa, OID "XY", PNM "QEMU!", PRV 0x01, PSN 0xdeadbeef, MDT 2006-02,
// as the R2 registers hold them (card bit n at bit n - 8).
const uint32_t kQemuCid[4] = {0xbeef0062, 0x2101dead, 0x51454d55, 0x00aa5859};
// QEMU's SDSC CSD: structure 0, TRAN_SPEED 0x32 (25 MHz).
const uint32_t kQemuCsd[4] = {0xff926000, 0x3fffffdf, 0x325f59e0, 0x00002600};

class MemDisk final : public BlockDevice {
 public:
  explicit MemDisk(size_t sectors) : data(sectors * 512) {
    for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7 + i / 512);
  }
  const char* name() const override { return "mem0"; }
  uint32_t sector_size() const override { return 512; }
  uint64_t sector_count() const override { return data.size() / 512; }
  Status read(uint64_t lba, uint64_t count, void* dst) override {
    reads++;
    if ((lba + count) * 512 > data.size()) return Status::error("past the end");
    memcpy(dst, data.data() + lba * 512, count * 512);
    // A driver whose direct (aligned) path forgets the cache invalidate: the CPU keeps
    // seeing what it wrote there before the transfer.
    if (stale_direct_path && (reinterpret_cast<uintptr_t>(dst) & 63) == 0)
      memset(static_cast<uint8_t*>(dst) + 4096, 0xA5, 64);
    return Status::ok();
  }
  std::vector<uint8_t> data;
  bool stale_direct_path = false;
  int reads = 0;
};

}  // namespace

TEST(DiagLine, FormatIsSectionResultDetail) {
  char out[128];
  format_diag_line(out, sizeof out, DiagResult::kOk, "pcie", "link up, x1");
  EXPECT_STREQ(out, "[pcie        ] ok: link up, x1");
  format_diag_line(out, sizeof out, DiagResult::kNotRun, "vl805", "no PCIe");
  EXPECT_STREQ(out, "[vl805       ] not run: no PCIe");
  format_diag_line(out, sizeof out, DiagResult::kFail, "clock", "x");
  EXPECT_STREQ(out, "[clock       ] FAIL: x");
  EXPECT_STREQ(diag_result_word(DiagResult::kMeasured), "measured");
}

TEST(DiagLine, ReportCountsEveryKindAndPrintsOneLineEach) {
  inferpi::testing::ConsoleScope scope;
  DiagReport r("test board");
  r.ok("a", "fine %d", 1);
  r.measured("b", "%.1f MB/s", 2.5);
  r.fail("c", "broken");
  r.not_run("d", "no %s", "device");
  r.finish();
  const std::string& out = scope.console.output;
  EXPECT_NE(out.find("board: test board\n"), std::string::npos);
  EXPECT_NE(out.find("[a           ] ok: fine 1\n"), std::string::npos);
  EXPECT_NE(out.find("[b           ] measured: 2.5 MB/s\n"), std::string::npos);
  EXPECT_NE(out.find("[d           ] not run: no device\n"), std::string::npos);
  EXPECT_NE(out.find("=== end of report: 1 ok, 1 measured, 1 FAIL, 1 not run ==="),
            std::string::npos);
}

TEST(DiagSd, CidDecodesQemuCard) {
  SdCid cid;
  decode_sd_cid(kQemuCid, &cid);
  EXPECT_EQ(cid.manufacturer, 0xaa);
  EXPECT_STREQ(cid.oem, "XY");
  EXPECT_STREQ(cid.product, "QEMU!");
  EXPECT_EQ(cid.revision_major, 0);
  EXPECT_EQ(cid.revision_minor, 1);
  EXPECT_EQ(cid.serial, 0xdeadbeefu);
  EXPECT_EQ(cid.year, 2006);
  EXPECT_EQ(cid.month, 2);
  char hex[40];
  format_sd_register(kQemuCid, hex, sizeof hex);
  EXPECT_STREQ(hex, "aa585951454d552101deadbeef006200");
}

TEST(DiagSd, CsdStructureAndTransferSpeed) {
  EXPECT_EQ(sd_csd_structure(kQemuCsd), 0u);
  EXPECT_EQ(sd_csd_max_transfer_hz(kQemuCsd), 25'000'000u);
  uint32_t hs[4] = {0, 0, 0x5a000000, 0x00400000};  // structure 1, TRAN_SPEED 0x5a: 50 MHz
  EXPECT_EQ(sd_csd_structure(hs), 1u);
  EXPECT_EQ(sd_csd_max_transfer_hz(hs), 50'000'000u);
}

TEST(DiagBoard, RevisionCodes) {
  char text[128];
  EXPECT_EQ(describe_board_revision(0xc03114, text, sizeof text), 4096u);
  EXPECT_STREQ(text, "Pi 4 Model B rev 1.4, 4 GB RAM, BCM2711, made by Sony UK");
  EXPECT_EQ(describe_board_revision(0xd03115, text, sizeof text), 8192u);
  EXPECT_EQ(describe_board_revision(0xa03111, text, sizeof text), 1024u);
  EXPECT_EQ(describe_board_revision(0xb03112, text, sizeof text), 2048u);
  EXPECT_EQ(describe_board_revision(0x000e, text, sizeof text), 0u);  // old-style code
  EXPECT_NE(std::string(text).find("old-style"), std::string::npos);
}

TEST(ReadSpeed, ReadsWholeChunksAndStopsAtTheEnd) {
  MemDisk disk(100);
  std::vector<uint8_t> buf(16 * 512);
  ReadRate s;
  ASSERT_TRUE(measure_raw_read(disk, 10, 1 << 20, buf.data(), buf.size(), &s).is_ok());
  EXPECT_EQ(s.bytes, 90u * 512);  // the device ends after 90 sectors
  EXPECT_EQ(disk.reads, 6);       // 5 x 16 + 10
  EXPECT_EQ(s.chunk_bytes, 16u * 512);
  EXPECT_GT(s.us, 0u);
  EXPECT_FALSE(measure_raw_read(disk, 0, 4096, buf.data(), 100, &s).is_ok());
  EXPECT_FALSE(measure_raw_read(disk, 100, 4096, buf.data(), 512, &s).is_ok());
}

TEST(ReadPaths, EqualWhenBothPathsDeliverTheData) {
  MemDisk disk(1024);
  alignas(64) static uint8_t direct[64 * 512];
  static uint8_t other[64 * 512 + 64];
  ReadPathCheck c;
  ASSERT_TRUE(compare_read_paths(disk, 100, 64, direct, other, &c).is_ok());
  EXPECT_TRUE(c.equal);
  EXPECT_EQ(c.bytes, 64u * 512);
}

TEST(ReadPaths, StaleCacheLinesOnTheDirectPathAreCaught) {
  MemDisk disk(1024);
  disk.stale_direct_path = true;
  alignas(64) static uint8_t direct[64 * 512];
  static uint8_t other[64 * 512 + 64];
  ReadPathCheck c;
  ASSERT_TRUE(compare_read_paths(disk, 100, 64, direct, other, &c).is_ok());
  EXPECT_FALSE(c.equal);
  EXPECT_EQ(c.first_mismatch, 4096u);
}

TEST(DiagFat, ReadsTheLargestFileOneFolderDown) {
  inferpi::testing::ConsoleScope scope;
  inferpi::testing::MemDrive drive("mem");
  drive.add_file("small.txt", std::vector<uint8_t>(100));
  drive.add_file("model-a/model.bin", std::vector<uint8_t>(300000));
  drive.add_file("model-a/tokenizer.bin", std::vector<uint8_t>(1000));
  alignas(64) static uint8_t mem[8 << 20];
  Arena arena(mem, sizeof mem);
  DiagReport r("t");
  diag_fat_read(r, drive, arena);
  EXPECT_NE(scope.console.output.find("measured: "), std::string::npos) << scope.console.output;
  EXPECT_NE(scope.console.output.find("(model-a/model.bin, 292 KiB)"), std::string::npos)
      << scope.console.output;
  EXPECT_EQ(arena.used(), 0u);  // buffers given back
  inferpi::testing::MemDrive empty("empty");
  diag_fat_read(r, empty, arena);
  EXPECT_NE(scope.console.output.find("not run: no file on the drive to read"), std::string::npos);
}
