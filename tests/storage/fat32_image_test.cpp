// FAT32 and partition tables on well-formed images: MBR, GPT, superfloppy, 512-byte and
// 4 KiB sectors; many files, nested folders, long names in several scripts, a 0-byte file,
// a file ending on a cluster boundary, a fragmented file and a 1 GiB sparse file.
#include <algorithm>
#include <cstring>
#include <random>

#include "storage_test_util.h"

using namespace inferpi;
using namespace storage_test;

namespace {
bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

using StorageImages = ImageTest;

TEST_F(StorageImages, MbrEverythingByteForByte) {
  Disk d("mbr512.img");
  ASSERT_TRUE(d.scan_status) << d.scan_status.message();
  EXPECT_EQ(d.vols->table().scheme, PartitionScheme::kMbr);
  ASSERT_EQ(d.vols->partition_count(), 1);
  EXPECT_EQ(d.vols->partition(0).info.mbr_type, 0x0C);
  EXPECT_EQ(d.vols->partition(0).info.first_lba, 2048u);
  ASSERT_EQ(d.vols->volume_count(), 1);
  EXPECT_STREQ(d.volume().label(), "INFERPI");
  EXPECT_STREQ(d.volume().name(), "imagep1");
  EXPECT_EQ(d.volume().fs().cluster_bytes(), 512u);
  int files = check_manifest(d.volume(), "mbr512.img");
  EXPECT_GT(files, 300);
  // Odd chunk sizes exercise partial first/last sectors and run boundaries.
  EXPECT_EQ(check_manifest(d.volume(), "mbr512.img", 4097), files);
  EXPECT_EQ(check_manifest(d.volume(), "mbr512.img", 1000), files);
}

TEST_F(StorageImages, LongNamesInManyScripts) {
  ASSERT_NO_FATAL_FAILURE(open_one_volume("mbr512.img"));
  Status st;
  auto root = list_names(volume(), "/", &st);
  ASSERT_TRUE(st) << st.message();
  for (const char* name :
       {"README.TXT", "empty.bin", "cluster_exact.bin", "Models/", "a/", "many/", "Café crème.txt",
        "日本語のファイル名.txt", "Ünïcödé Ñame.bin", "Привет мир.txt", "party 🎉 time.txt",
        "🦙 llama.txt", "fragmented.bin"}) {
    EXPECT_TRUE(contains(root, name)) << name;
  }
  auto many = list_names(volume(), "many", &st);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(many.size(), 300u);
  EXPECT_TRUE(contains(many, "file_001.txt"));  // 8.3 with lower-case flags, no LFN
  EXPECT_TRUE(contains(many, "A long file name number 297.data"));
}

TEST_F(StorageImages, CaseInsensitiveLookupAndShortNames) {
  ASSERT_NO_FATAL_FAILURE(open_one_volume("mbr512.img"));
  Volume& v = volume();
  FatFile f, g;
  ASSERT_TRUE(v.open("Models/demo-llama/model.bin", &f));
  Status st = v.open("/MODELS/Demo-Llama/MODEL.BIN", &g);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(f.first_cluster, g.first_cluster);
  EXPECT_TRUE(v.open("\\models\\demo-llama\\tokenizer.bin", &g));
  EXPECT_TRUE(v.open("CAFÉ CRÈME.TXT", &g));  // non-ASCII letters fold too
  EXPECT_TRUE(v.open("привет МИР.txt", &g));
  // Every long-named entry is also reachable by its 8.3 alias.
  FatDirIterator it;
  FatFile root;
  ASSERT_TRUE(v.open("/", &root));
  ASSERT_TRUE(v.fs().open_dir(root, &it));
  FatDirEntry e;
  bool found = false;
  int aliases = 0;
  while (v.fs().next(it, &e, &found) && found) {
    if (!e.has_long_name) continue;
    FatFile byshort;
    st = v.open(e.short_name, &byshort);
    EXPECT_TRUE(st) << e.short_name << ": " << st.message();
    EXPECT_EQ(byshort.first_cluster, e.first_cluster) << e.short_name;
    aliases++;
  }
  EXPECT_GT(aliases, 8);
  st = v.open("Models/nope.bin", &g);
  EXPECT_FALSE(st);
  EXPECT_NE(strstr(st.message(), "not found"), nullptr) << st.message();
  st = v.open("README.TXT/inner", &g);
  EXPECT_FALSE(st);
  EXPECT_NE(strstr(st.message(), "not a folder"), nullptr) << st.message();
}

TEST_F(StorageImages, EmptyExactAndFragmentedFiles) {
  ASSERT_NO_FATAL_FAILURE(open_one_volume("mbr512.img"));
  Volume& v = volume();
  FatFile f;
  ASSERT_TRUE(v.open("empty.bin", &f));
  EXPECT_EQ(f.size, 0u);
  uint8_t byte;
  EXPECT_TRUE(v.read(f, 0, 0, &byte));
  Status st = v.read(f, 0, 1, &byte);
  EXPECT_FALSE(st);
  EXPECT_NE(strstr(st.message(), "past the end"), nullptr) << st.message();

  ASSERT_TRUE(v.open("cluster_exact.bin", &f));
  EXPECT_EQ(f.size % v.fs().cluster_bytes(), 0u);
  uint32_t extents = 0;
  ASSERT_TRUE(v.fs().count_extents(f, &extents));
  EXPECT_EQ(extents, 1u);

  ASSERT_TRUE(v.open("fragmented.bin", &f));
  ASSERT_TRUE(v.fs().count_extents(f, &extents));
  EXPECT_GE(extents, 5u) << "make_images.py should have fragmented this file";
}

TEST_F(StorageImages, LargeReadsGoStraightToTheDevice) {
  ASSERT_NO_FATAL_FAILURE(open_one_volume("mbr512.img"));
  Volume& v = volume();
  FatFile f;
  ASSERT_TRUE(v.open("Models/demo-llama/model.bin", &f));
  uint32_t extents = 0;
  ASSERT_TRUE(v.fs().count_extents(f, &extents));
  std::vector<uint8_t> buf(f.size);
  const FileBlockDevice& dev = disk().dev;
  uint64_t calls0 = dev.read_calls(), sectors0 = dev.sectors_read();
  ASSERT_TRUE(v.read(f, 0, f.size, buf.data()));
  uint64_t calls = dev.read_calls() - calls0, sectors = dev.sectors_read() - sectors0;
  // One device read per extent plus one for the partial last sector, plus FAT blocks
  // (4 KiB = 1024 entries each): ~3 MB in 512-byte clusters is ~6200 clusters.
  uint64_t fat_blocks = (f.size / v.fs().cluster_bytes()) / 1024 + 2;
  EXPECT_LE(calls, extents + 1 + fat_blocks) << "extents " << extents;
  EXPECT_LE(sectors, f.size / 512 + 1 + fat_blocks * 8);
  printf("model.bin: %u bytes, %u extent(s): %llu device reads, %llu sectors\n", f.size, extents,
         (unsigned long long)calls, (unsigned long long)sectors);
}

// Cluster runs, for 512 B, 4 KiB and 32 KiB clusters (tests/storage/make_images.py,
// image_clusters): every byte of every file, whole and in odd chunks that cross run edges;
// a file in one run is one device read per request however small its clusters (no FAT
// reads after open); a file in 7 runs is 7 reads; one in more runs than the volume
// remembers still reads back exactly, walking the FAT.
class ClusterRuns : public ImageTest, public ::testing::WithParamInterface<int> {};

TEST_P(ClusterRuns, MergedIntoOneDeviceReadPerRun) {
  const std::string image = "clusters" + std::to_string(GetParam()) + ".img";
  ASSERT_NO_FATAL_FAILURE(open_one_volume(image));
  Volume& v = volume();
  const FileBlockDevice& dev = disk().dev;
  ASSERT_EQ(v.fs().cluster_bytes(), uint32_t(GetParam()));
  EXPECT_EQ(check_manifest(v, image), 3 + 6 + 40);
  EXPECT_EQ(check_manifest(v, image, 4097), 3 + 6 + 40);

  struct Case {
    const char* path;
    uint32_t extents;
  };
  for (Case c : {Case{"contiguous.bin", 1}, Case{"mixed.bin", 7}, Case{"many_runs.bin", 41}}) {
    FatFile f;
    ASSERT_TRUE(v.open(c.path, &f)) << c.path;
    uint32_t extents = 0;
    ASSERT_TRUE(v.fs().count_extents(f, &extents));
    EXPECT_EQ(extents, c.extents) << c.path;
    ASSERT_TRUE(v.open(c.path, &f));  // the runs of the file opened last are remembered
    std::vector<uint8_t> whole(f.size);
    const uint64_t calls0 = dev.read_calls();
    ASSERT_TRUE(v.read(f, 0, f.size, whole.data()));
    const uint64_t calls = dev.read_calls() - calls0;
    if (c.extents <= 32) {
      EXPECT_EQ(calls, c.extents + 1) << c.path << ": one read per run + the last partial sector";
    } else {
      // FAT blocks of 8192 entries: the chain may cross into the next one or two.
      const uint64_t fat_blocks = f.size / v.fs().cluster_bytes() / 8192 + 2;
      EXPECT_LE(calls, c.extents + 1 + fat_blocks) << c.path << ": runs + FAT blocks + 1";
    }
    // The loader's 4 MiB chunks: each chunk of the one-run file is one read.
    if (c.extents == 1) {
      std::vector<uint8_t> chunked(f.size);
      const uint64_t before = dev.read_calls();
      uint64_t chunks = 0;
      for (uint64_t off = 0; off < f.size; off += 4u << 20, chunks++) {
        size_t n = size_t(std::min<uint64_t>(4u << 20, f.size - off));
        ASSERT_TRUE(v.read(f, off, n, chunked.data() + off));
      }
      EXPECT_EQ(dev.read_calls() - before, chunks + 1) << "one read per chunk + last sector";
      EXPECT_EQ(chunked, whole);
    }
    // Reads at odd offsets and lengths across run edges agree with the whole-file read.
    for (uint64_t off = 1; off < f.size; off = off * 3 + 4093) {
      size_t n = size_t(std::min<uint64_t>(f.size - off, 3 * v.fs().cluster_bytes() + 77));
      std::vector<uint8_t> part(n);
      ASSERT_TRUE(v.read(f, off, n, part.data())) << c.path << " at " << off;
      EXPECT_EQ(0, memcmp(part.data(), whole.data() + off, n)) << c.path << " at " << off;
    }
  }
  // A forged FatFile claiming more clusters than the checked chain is not read through the
  // remembered runs: the chain walk refuses it.
  FatFile f;
  ASSERT_TRUE(v.open("contiguous.bin", &f));
  FatFile forged = f;
  forged.size = f.size + 64u * v.fs().cluster_bytes();
  std::vector<uint8_t> buf(forged.size);
  EXPECT_FALSE(v.read(forged, 0, forged.size, buf.data()));
}

INSTANTIATE_TEST_SUITE_P(StorageImages, ClusterRuns, ::testing::Values(512, 4096, 32768));

TEST_F(StorageImages, Superfloppy) {
  Disk d("superfloppy.img");
  ASSERT_TRUE(d.scan_status) << d.scan_status.message();
  EXPECT_EQ(d.vols->table().scheme, PartitionScheme::kSuperfloppy);
  ASSERT_EQ(d.vols->volume_count(), 1);
  EXPECT_STREQ(d.volume().label(), "FLOPPY");
  EXPECT_STREQ(d.volume().name(), "image");
  EXPECT_EQ(check_manifest(d.volume(), "superfloppy.img"), 2);
}

TEST_F(StorageImages, GptWithLinuxPartition) {
  Disk d("gpt512.img");
  ASSERT_TRUE(d.scan_status) << d.scan_status.message();
  EXPECT_EQ(d.vols->table().scheme, PartitionScheme::kGpt);
  EXPECT_FALSE(d.vols->table().gpt_used_backup);
  ASSERT_EQ(d.vols->partition_count(), 2);
  EXPECT_STREQ(d.vols->partition(0).info.type_name, "Microsoft basic data");
  EXPECT_EQ(d.vols->partition(0).volume, 0);
  EXPECT_EQ(d.vols->partition(1).volume, -1);
  EXPECT_NE(strstr(d.vols->partition(1).status.message(), "not a FAT partition"), nullptr);
  ASSERT_EQ(d.vols->volume_count(), 1);
  EXPECT_EQ(d.volume().fs().cluster_bytes(), 4096u);
  EXPECT_EQ(check_manifest(d.volume(), "gpt512.img"), 2);
}

namespace {
// Content of BIG.BIN (make_images.py big_pattern / BIG_ISLANDS): islands of a pattern,
// zeros elsewhere.
const uint64_t kIslands[][2] = {{0, 65536},
                                {4096 * 1000 + 123, 70000},
                                {300 * (1ull << 20) - 5000, 10000},
                                {512ull << 20, 65536},
                                {(700ull << 20) + 1, 4096}};
uint8_t big_byte(uint64_t x, uint64_t size) {
  bool in = x >= size - 65536 - 99;
  for (auto& r : kIslands) in |= x >= r[0] && x < r[0] + r[1];
  return in ? uint8_t((x * 31 + (x >> 11)) & 0xFF) : 0;
}
}  // namespace

TEST_F(StorageImages, OneGigabyteSparseFileRandomReads) {
  ASSERT_NO_FATAL_FAILURE(open_one_volume("gpt512.img"));
  Volume& v = volume();
  FatFile f;
  Status st = v.open("big.bin", &f);
  ASSERT_TRUE(st) << st.message();
  ASSERT_EQ(f.size, (1ull << 30) + 12345);
  uint32_t extents = 0;
  ASSERT_TRUE(v.fs().count_extents(f, &extents));
  EXPECT_EQ(extents, 3u);
  std::mt19937_64 rng(42);
  std::vector<uint8_t> buf(1 << 20);
  std::vector<std::pair<uint64_t, uint64_t>> reads;
  for (int i = 0; i < 150; i++) {  // random offsets anywhere, random lengths
    uint64_t len = 1 + rng() % (256 * 1024);
    reads.push_back({rng() % (f.size - len + 1), len});
  }
  for (auto& r : kIslands) {  // straddle every island edge
    reads.push_back({r[0] > 100 ? r[0] - 100 : 0, 300});
    reads.push_back({r[0] + r[1] - 150, 300});
    reads.push_back({r[0], r[1]});
  }
  reads.push_back({f.size - 1, 1});
  reads.push_back({f.size - (1 << 20), 1 << 20});
  uint64_t run_end = uint64_t(f.size / 3 / 4096) * 4096;  // around the first extent jump
  reads.push_back({run_end - 5000, 100000});
  // Backwards and forwards again (cursor reuse and reset).
  reads.push_back({800ull << 20, 4096});
  reads.push_back({10, 4096});
  for (auto [off, len] : reads) {
    ASSERT_TRUE(st = v.read(f, off, len, buf.data())) << off << "+" << len << st.message();
    for (uint64_t k = 0; k < len; k++) {
      if (buf[k] != big_byte(off + k, f.size)) {
        FAIL() << "BIG.BIN byte " << off + k << " (read " << off << "+" << len << ")";
      }
    }
  }
  st = v.read(f, f.size - 10, 11, buf.data());
  EXPECT_FALSE(st);
  EXPECT_NE(strstr(st.message(), "past the end"), nullptr) << st.message();
}

TEST_F(StorageImages, FourKSectorGpt) {
  Disk d("gpt4k.img", 4096);
  ASSERT_TRUE(d.scan_status) << d.scan_status.message();
  EXPECT_EQ(d.vols->table().scheme, PartitionScheme::kGpt);
  ASSERT_EQ(d.vols->volume_count(), 1);
  EXPECT_EQ(d.volume().fs().fs_sector_size(), 4096u);
  EXPECT_EQ(d.vols->partition(0).info.first_lba, 256u);
  int files = check_manifest(d.volume(), "gpt4k.img");
  EXPECT_GT(files, 300);
  EXPECT_EQ(check_manifest(d.volume(), "gpt4k.img", 5000), files);
  // The same 4 KiB-sector disk seen as a 512-byte-sector disk has no valid GPT at LBA 1.
  Disk wrong("gpt4k.img", 512);
  EXPECT_FALSE(wrong.scan_status);
}

TEST_F(StorageImages, FourKFatOnBothSectorSizes) {
  for (uint32_t ss : {512u, 4096u}) {
    Disk d("superfloppy4k.img", ss);
    ASSERT_TRUE(d.scan_status) << d.scan_status.message();
    ASSERT_EQ(d.vols->volume_count(), 1) << ss;
    EXPECT_EQ(check_manifest(d.volume(), "superfloppy4k.img", 3000), 2) << ss;
  }
}

TEST_F(StorageImages, MbrPartitionTypesAndForeignFilesystems) {
  Disk d("mbr_types.img");
  ASSERT_TRUE(d.scan_status) << d.scan_status.message();
  ASSERT_EQ(d.vols->partition_count(), 4);
  EXPECT_EQ(d.vols->partition(0).info.mbr_type, 0x0E);
  EXPECT_EQ(d.vols->partition(0).volume, 0) << d.vols->partition(0).status.message();
  ASSERT_EQ(d.vols->volume_count(), 1);
  EXPECT_EQ(check_manifest(d.volume(), "mbr_types.img"), 1);
  auto msg = [&](int i) { return std::string(d.vols->partition(i).status.message()); };
  EXPECT_NE(msg(1).find("FAT16 volume: not supported"), std::string::npos) << msg(1);
  EXPECT_NE(msg(2).find("exFAT: not supported: reformat the drive as FAT32"), std::string::npos)
      << msg(2);
  EXPECT_NE(msg(3).find("NTFS: not supported"), std::string::npos) << msg(3);
}
