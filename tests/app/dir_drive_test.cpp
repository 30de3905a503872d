// DirModelDrive: the host's folder of model folders behaves like a drive.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/boards/host/cli/dir_model_drive.h"

namespace inferpi {
namespace {

namespace fs = std::filesystem;

struct DirDriveTest : ::testing::Test {
  fs::path root;
  DirModelDrive drive;
  void SetUp() override {
    char tmpl[] = "/tmp/inferpi_dirdrive_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root = tmpl;
    fs::create_directories(root / "demo");
    std::ofstream(root / "demo" / "model.bin", std::ios::binary) << "0123456789";
    std::ofstream(root / "readme.txt") << "hi";
    ASSERT_TRUE(drive.open(root.c_str()));
  }
  void TearDown() override { fs::remove_all(root); }
};

bool collect(void* ctx, const DriveEntry& e) {
  static_cast<std::vector<DriveEntry>*>(ctx)->push_back(e);
  return true;
}

TEST_F(DirDriveTest, ListsSizesAndReads) {
  std::vector<DriveEntry> entries;
  ASSERT_TRUE(drive.list("", collect, &entries));
  ASSERT_EQ(entries.size(), 2u);
  std::sort(entries.begin(), entries.end(),
            [](const DriveEntry& a, const DriveEntry& b) { return std::string(a.name) < b.name; });
  EXPECT_STREQ(entries[0].name, "demo");
  EXPECT_TRUE(entries[0].is_dir);
  EXPECT_STREQ(entries[1].name, "readme.txt");
  EXPECT_EQ(entries[1].size, 2u);

  uint64_t size = 0;
  ASSERT_TRUE(drive.file_size("demo/model.bin", &size));
  EXPECT_EQ(size, 10u);
  char buf[8] = {};
  ASSERT_TRUE(drive.read("demo/model.bin", 3, 4, buf));
  EXPECT_EQ(std::string(buf, 4), "3456");
  ASSERT_TRUE(drive.read("demo/model.bin", 7, 3, buf));  // same open file, next chunk
  EXPECT_EQ(std::string(buf, 3), "789");
}

TEST_F(DirDriveTest, ErrorsAreMessages) {
  char buf[16];
  Status st = drive.read("demo/model.bin", 8, 4, buf);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("file ends at byte 10"), std::string::npos);
  EXPECT_FALSE(drive.read("nope/model.bin", 0, 1, buf));
  EXPECT_FALSE(drive.read("../etc/passwd", 0, 1, buf));
  uint64_t size;
  EXPECT_FALSE(drive.file_size("demo", &size));  // a folder is not a file
  std::vector<DriveEntry> entries;
  EXPECT_FALSE(drive.list("missing", collect, &entries));
  DirModelDrive other;
  EXPECT_FALSE(other.open((root / "readme.txt").c_str()));
  EXPECT_FALSE(other.open("/nonexistent/inferpi"));
}

}  // namespace
}  // namespace inferpi
