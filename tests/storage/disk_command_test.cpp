// `inferpi disk ls|cat` (run_disk_command) through the standalone inferpi_disk program,
// on the images make_images.py built.
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "storage_test_util.h"

using namespace storage_test;

namespace {
struct Result {
  int code = -1;
  std::string out;
};

Result run_tool(const std::string& args, const char* program = INFERPI_DISK_TOOL) {
  Result r;
  std::string cmd = std::string(program) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}
}  // namespace

TEST(DiskCommand, LsShowsPartitionsAndFolders) {
  REQUIRE_IMAGES();
  Result r = run_tool("ls " + image_path("gpt512.img"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("GPT"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAT32 volume 1, label \"GPTDISK\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not a FAT partition"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1073754169  BIG.BIN"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<dir>  models/"), std::string::npos) << r.out;

  r = run_tool("ls " + image_path("mbr512.img") + " 'Models/DEMO-LLAMA'");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("3145851  model.bin"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("102407  tokenizer.bin"), std::string::npos) << r.out;

  r = run_tool("ls --sector-size 4096 " + image_path("gpt4k.img") + " 1:/");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("4096-byte sectors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("party 🎉 time.txt"), std::string::npos) << r.out;
}

TEST(DiskCommand, CatWritesTheExactBytes) {
  REQUIRE_IMAGES();
  for (const ManifestEntry& e : read_manifest("mbr512.img")) {
    if (e.kind != 'F' || e.path.find("many/") == 0) continue;
    Result r = run_tool("cat " + image_path("mbr512.img") + " '" + e.path + "'");
    ASSERT_EQ(r.code, 0) << e.path << ": " << r.out.substr(0, 200);
    ASSERT_EQ(r.out.size(), e.size) << e.path;
    EXPECT_EQ(inferpi::crc32(r.out.data(), r.out.size()), e.crc) << e.path;
  }
}

TEST(DiskCommand, ErrorsAreMessagesWithExitCodes) {
  REQUIRE_IMAGES();
  Result r = run_tool("cat " + image_path("mbr512.img") + " nope.bin");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("inferpi disk: imagep1: 'nope.bin': not found"), std::string::npos) << r.out;
  r = run_tool("cat " + image_path("mbr512.img") + " Models");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("is a folder"), std::string::npos) << r.out;
  r = run_tool("ls " + image_path("mbr_types.img") + " 2:/");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("exFAT: not supported"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("volume 2: the disk has 1 FAT32 volume(s)"), std::string::npos) << r.out;
  r = run_tool("ls " + image_path("gpt_bad_both.img"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("CRC32 mismatch"), std::string::npos) << r.out;
  r = run_tool("ls /nonexistent/image.img");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("No such file"), std::string::npos) << r.out;
  r = run_tool("frobnicate");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("usage"), std::string::npos) << r.out;
}

TEST(DiskCommand, InferpiCliDispatchesToDisk) {
#ifndef INFERPI_CLI
  GTEST_SKIP() << "the inferpi CLI is not part of this build";
#else
  REQUIRE_IMAGES();
  Result r = run_tool("disk cat " + image_path("superfloppy.img") + " HELLO.TXT", INFERPI_CLI);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "no partition table here\n");
  r = run_tool("disk ls " + image_path("superfloppy.img"), INFERPI_CLI);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("superfloppy (no partition table)"), std::string::npos) << r.out;
#endif
}
