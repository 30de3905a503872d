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

TEST(StorageCorrupt, BaseImageIsFine) {
  ONE_VOLUME_DISK(d, "corrupt_base.img");
  EXPECT_EQ(check_manifest(d.volume(), "corrupt_base.img"), 42);
}

TEST(StorageCorrupt, FatChainLoop) {
  ONE_VOLUME_DISK(d, "loop.img");
  FatFile f;
  expect_message(d.volume().open("chain.bin", &f), "loop");
}

TEST(StorageCorrupt, ClusterOutOfRange) {
  ONE_VOLUME_DISK(d, "out_of_range.img");
  FatFile f;
  expect_message(d.volume().open("chain.bin", &f), "out of range");
  // A reader that skips open()'s chain check still cannot go out of range.
  f = FatFile{};
  ASSERT_TRUE(d.volume().open("Long name for the checksum test.txt", &f));
  FatFile forged = f;
  forged.first_cluster = 0x0FFFFFF0;
  uint8_t b;
  expect_message(d.volume().read(forged, 0, 1, &b), "out of range");
}

TEST(StorageCorrupt, DirectoryChainLoop) {
  ONE_VOLUME_DISK(d, "dir_loop.img");
  Status st;
  list_names(d.volume(), "bigdir", &st);
  expect_message(st, "directory longer than 65536 entries");
}

TEST(StorageCorrupt, BadLfnChecksumFallsBackToShortName) {
  ONE_VOLUME_DISK(d, "bad_lfn.img");
  Status st;
  auto names = list_names(d.volume(), "/", &st);
  ASSERT_TRUE(st) << st.message();
  bool long_seen = false, short_seen = false;
  for (auto& n : names) {
    long_seen |= n == "Long name for the checksum test.txt";
    short_seen |= n == "LONGNA~1.TXT";
  }
  EXPECT_FALSE(long_seen);
  EXPECT_TRUE(short_seen);
  FatFile f;
  expect_message(d.volume().open("Long name for the checksum test.txt", &f), "not found");
  EXPECT_TRUE(d.volume().open("longna~1.txt", &f));
  EXPECT_EQ(f.size, 4u);
}

TEST(StorageCorrupt, TruncatedImages) {
  REQUIRE_IMAGES();
  {
    Disk d("truncated_mbr.img");
    ASSERT_TRUE(d.scan_status) << d.scan_status.message();
    EXPECT_EQ(d.vols->volume_count(), 0);
    expect_message(d.vols->partition(0).status, "truncated image?");
  }
  {
    Disk d("truncated_sf.img");
    ASSERT_TRUE(d.scan_status) << d.scan_status.message();
    EXPECT_EQ(d.vols->volume_count(), 0);
    expect_message(d.vols->partition(0).status, "truncated image?");
  }
}

TEST(StorageCorrupt, GptPrimaryHeaderBadUsesBackup) {
  REQUIRE_IMAGES();
  for (const char* image : {"gpt_bad_primary.img", "gpt_bad_primary_entries.img"}) {
    Disk d(image);
    ASSERT_TRUE(d.scan_status) << image << ": " << d.scan_status.message();
    EXPECT_TRUE(d.vols->table().gpt_used_backup) << image;
    ASSERT_EQ(d.vols->volume_count(), 1) << image;
    EXPECT_EQ(check_manifest(d.volume(), image), 1);
  }
}

TEST(StorageCorrupt, GptCrcMismatch) {
  REQUIRE_IMAGES();
  {
    Disk d("gpt_bad_both.img");
    expect_message(d.scan_status, "CRC32 mismatch");
    EXPECT_EQ(d.vols->volume_count(), 0);
  }
  {
    Disk d("gpt_bad_entries.img");
    expect_message(d.scan_status, "partition entries CRC32 mismatch");
    EXPECT_EQ(d.vols->volume_count(), 0);
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

TEST(StorageCorrupt, DeviceErrorsPropagateAndTheVolumeRecovers) {
  REQUIRE_IMAGES();
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
