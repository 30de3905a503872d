// ModelCatalog: what counts as a model, and every way a folder can fail to be one.
#include <gtest/gtest.h>

#include <string>

#include "runtime/app/model_catalog.h"
#include "tests/app/app_fakes.h"

namespace inferpi {
namespace {

using namespace inferpi::testing;  // the fakes (app_fakes.h)

struct CatalogTest : ::testing::Test {
  std::vector<uint8_t> memory = std::vector<uint8_t>(16 << 20);
  Arena arena{memory.data(), memory.size()};
  ModelCatalog catalog;

  void scan(std::vector<ModelDrive*> drives) {
    catalog.scan(drives.data(), int(drives.size()), arena, fake_registry());
  }
  const ModelEntry* find(const char* name) {
    for (int i = 0; i < catalog.count(); i++) {
      if (std::string(catalog.entry(i).name) == name) return &catalog.entry(i);
    }
    return nullptr;
  }
};

TEST_F(CatalogTest, FindsModelFoldersAndExplainsTheBrokenOnes) {
  MemDrive d("usb0p1");
  d.add_file("zeta/model.bin", fake_model(1000));
  d.add_file("zeta/tokenizer.bin", fake_tokenizer());
  d.add_file("Alpha/MODEL.BIN", fake_model(2000));  // FAT short names come upper case
  d.add_file("Alpha/TOKENIZER.BIN", fake_tokenizer());
  d.add_file("no-tokenizer/model.bin", fake_model(100));
  d.add_file("bad-magic/model.bin", std::vector<uint8_t>(100, 0x55));
  d.add_file("bad-magic/tokenizer.bin", fake_tokenizer());
  std::vector<uint8_t> truncated = fake_model(5000);
  truncated.resize(300);
  d.add_file("truncated/model.bin", truncated);
  d.add_file("truncated/tokenizer.bin", fake_tokenizer());
  d.add_file("empty/model.bin", {});
  d.add_file("empty/tokenizer.bin", fake_tokenizer());
  d.add_file("only-tokenizer/tokenizer.bin", fake_tokenizer());
  d.add_file("overlays/something.dtbo", {1, 2, 3});  // not a model: not listed
  d.add_file(".hidden/model.bin", fake_model(10));
  d.add_file("kernel8.img", {1, 2, 3});
  d.add_file("loose.gguf", {'G', 'G', 'U', 'F', 3, 0, 0, 0});
  scan({&d});

  ASSERT_EQ(catalog.count(), 8);
  EXPECT_EQ(catalog.usable_count(), 2);
  // Sorted case-insensitively, whatever the directory order.
  EXPECT_STREQ(catalog.usable(0)->name, "Alpha");
  EXPECT_STREQ(catalog.usable(1)->name, "zeta");
  EXPECT_EQ(catalog.usable(2), nullptr);

  const ModelEntry* alpha = find("Alpha");
  ASSERT_NE(alpha, nullptr);
  EXPECT_STREQ(alpha->model_path, "Alpha/MODEL.BIN");
  EXPECT_STREQ(alpha->tokenizer_path, "Alpha/TOKENIZER.BIN");
  EXPECT_EQ(alpha->model_bytes, 2020u);
  EXPECT_EQ(alpha->tokenizer_bytes, 8u);
  EXPECT_STREQ(alpha->summary.engine, "Fake");
  EXPECT_STREQ(alpha->summary.dtype, "f32");
  EXPECT_EQ(alpha->drive, &d);

  EXPECT_STREQ(find("no-tokenizer")->problem, "no tokenizer.bin next to model.bin");
  EXPECT_FALSE(find("no-tokenizer")->usable);
  EXPECT_NE(std::string(find("bad-magic")->problem).find("not a model file we know"),
            std::string::npos);
  EXPECT_NE(std::string(find("truncated")->problem).find("truncated"), std::string::npos);
  EXPECT_STREQ(find("empty")->problem, "empty/model.bin is empty");
  EXPECT_STREQ(find("only-tokenizer")->problem, "tokenizer.bin but no model.bin in the folder");
  EXPECT_NE(std::string(find("loose.gguf")->problem).find("not a model file we know"),
            std::string::npos);
  EXPECT_EQ(find("overlays"), nullptr);
  EXPECT_EQ(find(".hidden"), nullptr);
  // Scratch memory is given back.
  EXPECT_EQ(arena.used(), 0u);
}

TEST_F(CatalogTest, ReadsOnlyTheHeadOfBigModels) {
  MemDrive d("usb0p1");
  d.add_file("big/model.bin", fake_model(3 << 20));
  d.add_file("big/tokenizer.bin", fake_tokenizer());
  scan({&d});
  ASSERT_EQ(catalog.usable_count(), 1);
  EXPECT_EQ(d.reads, 1);
  EXPECT_LE(arena.high_water(), ModelCatalog::kHeadBytes + (128 + 64) * sizeof(DriveEntry) + 4096);
}

TEST_F(CatalogTest, SeveralDrivesAndGgufFolders) {
  MemDrive usb("usb0p1"), sd("sd0p1");
  usb.add_file("m/model.bin", fake_model(10));
  usb.add_file("m/tokenizer.bin", fake_tokenizer());
  sd.add_file("qwen/a.gguf", fake_model(10));  // fake engine reads it all the same
  sd.add_file("two/x.gguf", fake_model(10));
  sd.add_file("two/y.gguf", fake_model(10));
  scan({&usb, &sd});
  ASSERT_EQ(catalog.count(), 4);
  EXPECT_EQ(catalog.usable_count(), 4);
  EXPECT_EQ(catalog.usable(0)->drive, &usb);
  EXPECT_STREQ(catalog.usable(1)->name, "qwen");  // one .gguf: the folder's name
  EXPECT_STREQ(catalog.usable(1)->model_path, "qwen/a.gguf");
  EXPECT_STREQ(catalog.usable(1)->tokenizer_path, "");
  EXPECT_STREQ(catalog.usable(2)->name, "two/x.gguf");  // several: one entry per file
  EXPECT_STREQ(catalog.usable(3)->name, "two/y.gguf");
}

TEST_F(CatalogTest, UnreadableDriveAndFolderAreReported) {
  MemDrive bad("usb0p1"), good("sd0p1");
  bad.fail_root = true;
  good.add_file("m/model.bin", fake_model(10));
  good.add_file("m/tokenizer.bin", fake_tokenizer());
  good.add_file("locked/model.bin", fake_model(10));
  good.fail_list = "locked";
  scan({&bad, &good});
  EXPECT_STREQ(catalog.drive_problem(0), "root: I/O error");
  EXPECT_STREQ(catalog.drive_problem(1), "");
  ASSERT_EQ(catalog.count(), 2);
  EXPECT_NE(std::string(find("locked")->problem).find("cannot list the folder"), std::string::npos);
}

TEST_F(CatalogTest, HeaderReadErrorIsShown) {
  MemDrive d("usb0p1");
  d.add_file("m/model.bin", fake_model(10));
  d.add_file("m/tokenizer.bin", fake_tokenizer());
  d.fail_read_path = "m/model.bin";
  scan({&d});
  ASSERT_EQ(catalog.count(), 1);
  EXPECT_FALSE(catalog.entry(0).usable);
  EXPECT_NE(std::string(catalog.entry(0).problem).find("transaction error"), std::string::npos);
}

TEST_F(CatalogTest, EmptyDriveAndNoDrive) {
  MemDrive d("usb0p1");
  scan({&d});
  EXPECT_EQ(catalog.count(), 0);
  scan({});
  EXPECT_EQ(catalog.count(), 0);
  EXPECT_EQ(catalog.drive_count(), 0);
}

TEST_F(CatalogTest, TooManyModelsAreCutWithANote) {
  MemDrive d("usb0p1");
  for (int i = 0; i < ModelCatalog::kMaxModels + 5; i++) {
    std::string f = "m" + std::to_string(100 + i);
    d.add_file(f + "/model.bin", fake_model(10));
    d.add_file(f + "/tokenizer.bin", fake_tokenizer());
  }
  scan({&d});
  EXPECT_EQ(catalog.count(), ModelCatalog::kMaxModels);
  EXPECT_TRUE(catalog.overflowed());
}

TEST_F(CatalogTest, LongNamesAreCutForDisplayButPathsStayWhole) {
  MemDrive d("usb0p1");
  std::string name(150, 'x');
  d.add_file(name + "/model.bin", fake_model(10));
  d.add_file(name + "/tokenizer.bin", fake_tokenizer());
  scan({&d});
  ASSERT_EQ(catalog.usable_count(), 1);
  EXPECT_EQ(std::string(catalog.usable(0)->model_path), name + "/model.bin");
  EXPECT_EQ(std::string(catalog.usable(0)->name).size(), ModelEntry::kMaxName - 1);
  EXPECT_EQ(std::string(catalog.usable(0)->name).substr(ModelEntry::kMaxName - 4), "...");
}

TEST_F(CatalogTest, NoScratchMemoryMeansAProblemNotACrash) {
  MemDrive d("usb0p1");
  d.add_file("m/model.bin", fake_model(10));
  d.add_file("m/tokenizer.bin", fake_tokenizer());
  std::vector<uint8_t> tiny(2048);
  Arena small(tiny.data(), tiny.size());
  ModelDrive* drives[] = {&d};
  catalog.scan(drives, 1, small, fake_registry());
  EXPECT_EQ(catalog.count(), 0);
  EXPECT_NE(std::string(catalog.drive_problem(0)).find("out of memory"), std::string::npos);
}

TEST(FormatBytes, DecimalUnits) {
  char s[24];
  format_bytes(812'000'000, s, sizeof(s));
  EXPECT_STREQ(s, "812 MB");
  format_bytes(3'400'000, s, sizeof(s));
  EXPECT_STREQ(s, "3.4 MB");
  format_bytes(1'500'000'000, s, sizeof(s));
  EXPECT_STREQ(s, "1.5 GB");
  format_bytes(64'000, s, sizeof(s));
  EXPECT_STREQ(s, "64 KB");
  format_bytes(12, s, sizeof(s));
  EXPECT_STREQ(s, "12 bytes");
}

}  // namespace
}  // namespace inferpi
