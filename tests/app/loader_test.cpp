// load_model: fit check with sizes, files land byte for byte in the arena, the engine is
// created from them, and every failure leaves the arena where it was.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "runtime/app/model_loader.h"
#include "tests/app/app_fakes.h"

namespace inferpi {
namespace {

using namespace inferpi::testing;  // the fakes (app_fakes.h)

struct LoaderTest : ::testing::Test {
  testing::ConsoleScope console;
  MemDrive drive{"usb0p1"};
  std::vector<uint8_t> memory = std::vector<uint8_t>(8 << 20);
  Arena arena{memory.data(), memory.size()};
  ModelCatalog* catalog = nullptr;
  LoadOptions options;

  LoaderTest() {
    options.registry = fake_registry();
    options.chunk_bytes = 64 * 1024;
  }
  const ModelEntry& scan_one() {
    catalog = arena_new<ModelCatalog>(arena);
    ModelDrive* drives[] = {&drive};
    catalog->scan(drives, 1, arena, fake_registry());
    EXPECT_EQ(catalog->usable_count(), 1);
    return *catalog->usable(0);
  }
};

TEST_F(LoaderTest, LoadsFilesIntoTheArenaAndCreatesTheEngine) {
  drive.add_file("m/model.bin", fake_model(300000));
  drive.add_file("m/tokenizer.bin", fake_tokenizer());
  const ModelEntry& e = scan_one();
  const Arena::Mark mark = arena.mark();
  LoadedModel m;
  Status st = load_model(e, arena, options, &m);
  ASSERT_TRUE(st) << st.message();
  ASSERT_NE(m.engine, nullptr);
  EXPECT_EQ(m.engine->info().n_layers, 2);
  ASSERT_EQ(m.files.model_size, drive.files["m/model.bin"].size());
  EXPECT_EQ(memcmp(m.files.model, drive.files["m/model.bin"].data(), m.files.model_size), 0);
  EXPECT_EQ(m.files.tokenizer_size, 8u);
  EXPECT_EQ(memcmp(m.files.tokenizer, "FTOK", 4), 0);
  EXPECT_EQ(m.bytes_read, 300020u + 8u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(m.files.model) % 64, 0u);
  // Chunked reads (64 KiB) with a progress line that ends at 100%.
  EXPECT_GE(drive.reads, 5);
  EXPECT_NE(console.console.output.find("100%"), std::string::npos);
  EXPECT_NE(console.console.output.find("Loading m:"), std::string::npos);
  arena.reset(mark);
  EXPECT_EQ(arena.used(), mark);
}

TEST_F(LoaderTest, ModelLargerThanMemoryIsRefusedWithTheSizes) {
  drive.add_file("m/model.bin", fake_model(9'000'000));
  drive.add_file("m/tokenizer.bin", fake_tokenizer());
  const ModelEntry& e = scan_one();
  const size_t used = arena.used();
  const int reads = drive.reads;
  LoadedModel m;
  Status st = load_model(e, arena, options, &m);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("model needs 9.0 MB, largest free block is"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(arena.used(), used);
  EXPECT_EQ(drive.reads, reads);  // refused before reading anything
  EXPECT_EQ(m.engine, nullptr);
}

TEST_F(LoaderTest, WeightsThatLeaveNoRoomForAKvCacheAreRefusedBeforeReading) {
  drive.add_file("m/model.bin", fake_model(5'000'000, 4096));
  drive.add_file("m/tokenizer.bin", fake_tokenizer());
  ModelEntry e = scan_one();
  const int reads = drive.reads;
  // What describe reports for a real model: 16 KB a position, so 256 tokens need 4 MB.
  e.summary.kv_bytes_per_position = 16384;
  e.summary.context = 4096;
  LoadedModel m;
  Status st = load_model(e, arena, options, &m);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message())
                .find("model needs 5.0 MB for the weights + 4.2 MB for a 256-token KV cache"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(drive.reads, reads);
  e.summary.kv_bytes_per_position = 1024;  // 256 KB: loads (the engine fits the context)
  ASSERT_TRUE(load_model(e, arena, options, &m));
}

TEST_F(LoaderTest, EngineOutOfMemoryIsReportedAndTheArenaRestored) {
  // The files fit, the KV cache for the context asked for does not (without a request the
  // engine would pick a smaller context that fits).
  drive.add_file("m/model.bin", fake_model(1'000'000, 64, 7'500'000));
  drive.add_file("m/tokenizer.bin", fake_tokenizer());
  const ModelEntry& e = scan_one();
  const size_t used = arena.used();
  options.engine.max_context = 64;
  LoadedModel m;
  Status st = load_model(e, arena, options, &m);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("KV cache: out of memory"), std::string::npos);
  EXPECT_NE(std::string(st.message()).find("memory left after the files"), std::string::npos);
  EXPECT_EQ(arena.used(), used);
}

TEST_F(LoaderTest, BadTokenizerIsAnEngineError) {
  drive.add_file("m/model.bin", fake_model(100));
  drive.add_file("m/tokenizer.bin", {'X', 'X', 'X', 'X'});
  const ModelEntry& e = scan_one();
  LoadedModel m;
  Status st = load_model(e, arena, options, &m);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("tokenizer.bin: bad magic"), std::string::npos);
}

TEST_F(LoaderTest, ReadErrorMidwayStopsTheLoad) {
  drive.add_file("m/model.bin", fake_model(500000));
  drive.add_file("m/tokenizer.bin", fake_tokenizer());
  const ModelEntry& e = scan_one();
  drive.fail_read_path = "m/model.bin";
  drive.fail_read_offset = 200000;
  const size_t used = arena.used();
  LoadedModel m;
  Status st = load_model(e, arena, options, &m);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("transaction error at byte 200000"), std::string::npos);
  EXPECT_EQ(arena.used(), used);
}

TEST_F(LoaderTest, FileChangedSinceTheScan) {
  drive.add_file("m/model.bin", fake_model(100));
  drive.add_file("m/tokenizer.bin", fake_tokenizer());
  const ModelEntry& e = scan_one();
  drive.files["m/model.bin"].resize(50);  // the stick was swapped
  LoadedModel m;
  Status st = load_model(e, arena, options, &m);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("changed since the drive was scanned"),
            std::string::npos);
  drive.files.erase("m/model.bin");
  st = load_model(e, arena, options, &m);
  EXPECT_FALSE(st);
}

TEST_F(LoaderTest, UnusableEntryIsRefused) {
  drive.add_file("m/model.bin", fake_model(100));
  catalog = arena_new<ModelCatalog>(arena);
  ModelDrive* drives[] = {&drive};
  catalog->scan(drives, 1, arena, fake_registry());
  ASSERT_EQ(catalog->count(), 1);
  LoadedModel m;
  Status st = load_model(catalog->entry(0), arena, options, &m);
  ASSERT_FALSE(st);
  EXPECT_STREQ(st.message(), "m: no tokenizer.bin next to model.bin");
}

TEST_F(LoaderTest, CtrlCCancelsWhenAsked) {
  drive.add_file("m/model.bin", fake_model(500000));
  drive.add_file("m/tokenizer.bin", fake_tokenizer());
  const ModelEntry& e = scan_one();
  console.console.input = "x\x03";
  options.cancel_on_ctrl_c = true;
  LoadedModel m;
  Status st = load_model(e, arena, options, &m);
  ASSERT_FALSE(st);
  EXPECT_STREQ(st.message(), "loading cancelled (Ctrl-C)");
}

TEST_F(LoaderTest, ContextFollowsTheModelUpToTheCap) {
  drive.add_file("m/model.bin", fake_model(100, 100000));
  drive.add_file("m/tokenizer.bin", fake_tokenizer());
  const ModelEntry& e = scan_one();
  LoadedModel m;
  ASSERT_TRUE(load_model(e, arena, options, &m));
  EXPECT_EQ(m.engine->context_length(), EngineOptions::kDefaultContextCap);
}

}  // namespace
}  // namespace inferpi
