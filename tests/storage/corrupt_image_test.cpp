// Broken images: each must give a clear error (or, for a bad LFN checksum, the documented
// fallback to the 8.3 name), never a crash, a hang or a read outside the image.
#include <cstring>

#include "storage_test_util.h"

using namespace inferpi;
using namespace storage_test;

namespace {
void expect_message(const Status& st, const char* what) {
  EXPECT_FALSE(st);
  EXPECT_NE(strstr(st.message(), what), nullptr) << "message: " << st.message();
}
}  // namespace

using StorageCorrupt = ImageTest;

TEST_F(StorageCorrupt, BaseImageIsFine) {
  ASSERT_NO_FATAL_FAILURE(open_one_volume("corrupt_base.img"));
  EXPECT_EQ(check_manifest(volume(), "corrupt_base.img"), 42);
}

// A FAT chain that loops or leaves the volume: open() walks the chain and refuses it.
TEST_F(StorageCorrupt, BrokenChainsAreRefusedByOpen) {
  struct Case {
    const char* image;
    const char* why;
  };
  for (Case c : {Case{"loop.img", "loop"}, Case{"out_of_range.img", "out of range"}}) {
    SCOPED_TRACE(c.image);
    ASSERT_NO_FATAL_FAILURE(open_one_volume(c.image));
    FatFile f;
    expect_message(volume().open("chain.bin", &f), c.why);
  }
}

TEST_F(StorageCorrupt, ForgedClusterOutOfRangeIsNotRead) {
  // A reader that skips open()'s chain check still cannot go out of range.
  ASSERT_NO_FATAL_FAILURE(open_one_volume("out_of_range.img"));
  FatFile f;
  ASSERT_TRUE(volume().open("Long name for the checksum test.txt", &f));
  FatFile forged = f;
  forged.first_cluster = 0x0FFFFFF0;
  uint8_t b;
  expect_message(volume().read(forged, 0, 1, &b), "out of range");
}

TEST_F(StorageCorrupt, DirectoryChainLoop) {
  ASSERT_NO_FATAL_FAILURE(open_one_volume("dir_loop.img"));
  Status st;
  list_names(volume(), "bigdir", &st);
  expect_message(st, "directory longer than 65536 entries");
}

TEST_F(StorageCorrupt, BadLfnChecksumFallsBackToShortName) {
  ASSERT_NO_FATAL_FAILURE(open_one_volume("bad_lfn.img"));
  Status st;
  auto names = list_names(volume(), "/", &st);
  ASSERT_TRUE(st) << st.message();
  bool long_seen = false, short_seen = false;
  for (auto& n : names) {
    long_seen |= n == "Long name for the checksum test.txt";
    short_seen |= n == "LONGNA~1.TXT";
  }
  EXPECT_FALSE(long_seen);
  EXPECT_TRUE(short_seen);
  FatFile f;
  expect_message(volume().open("Long name for the checksum test.txt", &f), "not found");
  EXPECT_TRUE(volume().open("longna~1.txt", &f));
  EXPECT_EQ(f.size, 4u);
}

TEST_F(StorageCorrupt, TruncatedImages) {
  for (const char* image : {"truncated_mbr.img", "truncated_sf.img"}) {
    Disk d(image);
    ASSERT_TRUE(d.scan_status) << image << ": " << d.scan_status.message();
    EXPECT_EQ(d.vols->volume_count(), 0) << image;
    expect_message(d.vols->partition(0).status, "truncated image?");
  }
}

TEST_F(StorageCorrupt, GptPrimaryHeaderBadUsesBackup) {
  for (const char* image : {"gpt_bad_primary.img", "gpt_bad_primary_entries.img"}) {
    SCOPED_TRACE(image);
    ASSERT_NO_FATAL_FAILURE(open_one_volume(image));
    EXPECT_TRUE(disk().scan_status) << disk().scan_status.message();
    EXPECT_TRUE(disk().vols->table().gpt_used_backup);
    EXPECT_EQ(check_manifest(volume(), image), 1);
  }
}

TEST_F(StorageCorrupt, GptCrcMismatch) {
  struct Case {
    const char* image;
    const char* why;
  };
  for (Case c : {Case{"gpt_bad_both.img", "CRC32 mismatch"},
                 Case{"gpt_bad_entries.img", "partition entries CRC32 mismatch"}}) {
    Disk d(c.image);
    expect_message(d.scan_status, c.why);
    EXPECT_EQ(d.vols->volume_count(), 0) << c.image;
  }
}

namespace {
// A disk that starts failing (like a USB stick pulled mid-read) and can come back.
class FlakyDevice : public BlockDevice {
 public:
  explicit FlakyDevice(BlockDevice* inner) : inner_(inner) {}
  const char* name() const override { return "usb0"; }
  uint32_t sector_size() const override { return inner_->sector_size(); }
  uint64_t sector_count() const override { return inner_->sector_count(); }
  Status read(uint64_t lba, uint64_t count, void* dst) override {
    if (failing)
      return Status::error("usb0: READ(10) lba %llu: device removed", (unsigned long long)lba);
    return inner_->read(lba, count, dst);
  }
  bool failing = false;

 private:
  BlockDevice* inner_;
};
}  // namespace

TEST_F(StorageCorrupt, DeviceErrorsPropagateAndTheVolumeRecovers) {
  FileBlockDevice file;
  ASSERT_TRUE(file.open(image_path("mbr512.img").c_str()));
  FlakyDevice usb(&file);
  auto vols = std::make_unique<Volumes>();
  ASSERT_TRUE(vols->scan(&usb));
  ASSERT_EQ(vols->volume_count(), 1);
  Volume& v = vols->volume(0);
  FatFile f;
  ASSERT_TRUE(v.open("Models/demo-llama/model.bin", &f));
  std::vector<uint8_t> buf(f.size);
  ASSERT_TRUE(v.read(f, 0, 1 << 20, buf.data()));
  usb.failing = true;
  expect_message(v.read(f, 1 << 20, 1 << 20, buf.data()), "device removed");
  FatFile g;
  expect_message(v.open("fragmented.bin", &g), "device removed");
  Status st;
  list_names(v, "many", &st);
  expect_message(st, "device removed");
  usb.failing = false;  // back: nothing cached from the failed reads is trusted
  uint32_t crc = file_crc(v, f, 777777, &st);
  ASSERT_TRUE(st) << st.message();
  for (const ManifestEntry& e : read_manifest("mbr512.img")) {
    if (e.path == "Models/demo-llama/model.bin") {
      EXPECT_EQ(crc, e.crc);
    }
  }
  EXPECT_EQ(check_manifest(v, "mbr512.img"), check_manifest(v, "mbr512.img", 5000));
}
