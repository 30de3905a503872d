// Shared helpers for the image-based storage tests: open an image made by make_images.py,
// read its manifest, and check files byte for byte (CRC-32 over every byte).
#pragma once
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "drivers/block/crc32.h"
#include "drivers/block/volumes.h"
#include "runtime/boards/host/file_block_device.h"

namespace storage_test {

inline std::string image_path(const std::string& name) {
  return std::string(STORAGE_IMAGES_DIR) + "/" + name;
}

inline bool images_ready() {
  std::ifstream f(image_path("images.ok"));
  return f.good();
}

#define REQUIRE_IMAGES()                                                                 \
  do {                                                                                   \
    if (!storage_test::images_ready())                                                   \
      GTEST_SKIP() << "storage images missing: run ctest (fixture storage_make_images) " \
                      "or tests/storage/make_images.py " STORAGE_IMAGES_DIR;             \
  } while (0)

struct ManifestEntry {
  char kind;  // 'F' file, 'D' folder, 'B' big sparse file
  uint64_t size = 0;
  uint32_t crc = 0;
  std::string path;
};

inline std::vector<ManifestEntry> read_manifest(const std::string& image) {
  std::vector<ManifestEntry> out;
  std::ifstream f(image_path(image) + ".manifest");
  std::string line;
  while (std::getline(f, line)) {
    ManifestEntry e;
    e.kind = line[0];
    std::istringstream in(line.substr(2));
    if (e.kind == 'F') {
      in >> e.size >> std::hex >> e.crc;
    } else if (e.kind == 'B') {
      in >> e.size;
    }
    std::getline(in >> std::ws, e.path);
    out.push_back(e);
  }
  return out;
}

// An image opened through FileBlockDevice and scanned for volumes.
struct Disk {
  inferpi::FileBlockDevice dev;
  std::unique_ptr<inferpi::Volumes> vols = std::make_unique<inferpi::Volumes>();
  inferpi::Status scan_status;

  explicit Disk(const std::string& image, uint32_t sector_size = 512) {
    inferpi::Status st = dev.open(image_path(image).c_str(), sector_size);
    EXPECT_TRUE(st) << st.message();
    scan_status = vols->scan(&dev);
  }
  inferpi::Volume& volume(int i = 0) { return vols->volume(i); }
};

// Fixture of the image suites: every test skips without the images, and most start from an
// image holding one FAT32 volume: ASSERT_NO_FATAL_FAILURE(open_one_volume("x.img")), then
// volume() and disk().
class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override { REQUIRE_IMAGES(); }
  void open_one_volume(const std::string& image, uint32_t sector_size = 512) {
    disk_ = std::make_unique<Disk>(image, sector_size);
    ASSERT_EQ(disk_->vols->volume_count(), 1) << image << ": " << disk_->scan_status.message();
  }
  Disk& disk() { return *disk_; }
  inferpi::Volume& volume() { return disk_->volume(); }

 private:
  std::unique_ptr<Disk> disk_;
};

// Reads a whole file in chunks of `chunk` bytes and returns the CRC-32 of its bytes.
inline uint32_t file_crc(inferpi::Volume& v, inferpi::FatFile& f, size_t chunk,
                         inferpi::Status* st) {
  std::vector<uint8_t> buf(chunk);
  uint32_t crc = 0;
  for (uint64_t off = 0; off < f.size;) {
    size_t n = f.size - off < chunk ? size_t(f.size - off) : chunk;
    *st = v.read(f, off, n, buf.data());
    if (!*st) return 0;
    crc = inferpi::crc32_update(crc, buf.data(), n);
    off += n;
  }
  *st = inferpi::Status::ok();
  return crc;
}

// Every file of the manifest: opens by path, checks size and the CRC of every byte; every
// folder opens as a folder. Returns the number of files checked.
inline int check_manifest(inferpi::Volume& v, const std::string& image, size_t chunk = 1 << 20) {
  int files = 0;
  for (const ManifestEntry& e : read_manifest(image)) {
    if (e.kind == 'B') continue;
    inferpi::FatFile f;
    inferpi::Status st = v.open(e.path.c_str(), &f);
    EXPECT_TRUE(st) << image << ": " << e.path << ": " << st.message();
    if (!st) continue;
    if (e.kind == 'D') {
      EXPECT_TRUE(f.is_dir) << e.path;
      continue;
    }
    EXPECT_FALSE(f.is_dir) << e.path;
    EXPECT_EQ(f.size, e.size) << e.path;
    uint32_t crc = file_crc(v, f, chunk, &st);
    EXPECT_TRUE(st) << e.path << ": " << st.message();
    EXPECT_EQ(crc, e.crc) << image << ": " << e.path;
    files++;
  }
  return files;
}

// Names (UTF-8) of a folder's entries, folders with a trailing '/'.
inline std::vector<std::string> list_names(inferpi::Volume& v, const char* path,
                                           inferpi::Status* st) {
  std::vector<std::string> names;
  *st = v.list(
      path,
      [](void* ctx, const inferpi::FatDirEntry& e) {
        static_cast<std::vector<std::string>*>(ctx)->push_back(std::string(e.name) +
                                                               (e.is_dir ? "/" : ""));
        return true;
      },
      &names);
  return names;
}

}  // namespace storage_test
