// GGUF container reader: a well-formed file, then every kind of broken file we could think
// of. Each broken file must produce an error that names the problem (never a crash or an
// out-of-bounds read: the ASan fuzz target covers the rest).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engines/core/engine.h"
#include "engines/gguf/gguf.h"
#include "gguf_builder.h"

using gguf_test::Builder;
using namespace inferpi;

namespace {

struct Parsed {
  std::vector<uint8_t> mem = std::vector<uint8_t>(1 << 20);
  Arena arena{mem.data(), mem.size()};
  gguf::GgufFile file;
  Status parse(const std::vector<uint8_t>& bytes) {
    return file.parse(bytes.data(), bytes.size(), arena);
  }
};

// Two tensors: a 64-element F32 vector and a [64 x 2] Q8_0 matrix.
Builder valid_file() {
  Builder g;
  g.header(2, 4);
  g.kv_str("general.architecture", "llama");
  g.kv_u32("llama.block_count", 6);
  g.kv_f32("llama.rope.freq_base", 10000.0f);
  g.str("tokenizer.ggml.tokens");
  g.u32(9);
  g.u32(8);
  g.u64(3);
  g.str("<s>");
  g.str("a");
  g.str(
      "\xe2\x96\x81"
      "b");
  g.tensor("output_norm.weight", {64}, 0, 0);
  g.tensor("blk.0.attn_q.weight", {64, 2}, 8, 256);
  g.align();
  for (int i = 0; i < 64; i++) g.f32(float(i));
  g.zeros(2 * 2 * 34);  // exactly to the end: any shorter file is truncated
  return g;
}

}  // namespace

TEST(GgufReader, ParsesValidFile) {
  Parsed p;
  Builder g = valid_file();
  ASSERT_TRUE(p.parse(g.b)) << p.file.version();
  EXPECT_EQ(p.file.version(), 3u);
  EXPECT_EQ(p.file.kv_count(), 4u);
  EXPECT_EQ(p.file.tensor_count(), 2u);
  EXPECT_EQ(p.file.alignment(), 32u);
  EXPECT_EQ(p.file.data_offset() % 32, 0u);
  gguf::Str arch;
  ASSERT_TRUE(p.file.get_string("general.architecture", &arch));
  EXPECT_TRUE(arch.equals("llama"));
  uint64_t layers = 0;
  ASSERT_TRUE(p.file.get_uint("llama.block_count", &layers));
  EXPECT_EQ(layers, 6u);
  double theta = 0;
  ASSERT_TRUE(p.file.get_float("llama.rope.freq_base", &theta));
  EXPECT_EQ(theta, 10000.0);
  EXPECT_FALSE(p.file.get_uint("llama.missing", &layers));
  Status st;
  EXPECT_FALSE(p.file.get_uint("general.architecture", &layers, &st));
  EXPECT_NE(std::string(st.message()).find("want an integer"), std::string::npos);

  gguf::Array toks;
  ASSERT_TRUE(p.file.get_array("tokenizer.ggml.tokens", &toks));
  EXPECT_EQ(toks.count, 3u);
  gguf::StringCursor cur(toks);
  gguf::Str s;
  std::vector<std::string> got;
  while (cur.next(&s)) got.emplace_back(s.data, s.size);
  EXPECT_EQ(got, (std::vector<std::string>{"<s>", "a",
                                           "\xe2\x96\x81"
                                           "b"}));

  const gguf::TensorInfo* norm = p.file.find_tensor("output_norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(norm->n_dims, 1u);
  EXPECT_EQ(norm->bytes, 256u);
  EXPECT_EQ(norm->as_tensor().f32()[5], 5.0f);
  const gguf::TensorInfo* q = p.file.find_tensor("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, DType::Q8_0);
  EXPECT_EQ(q->bytes, 2u * 2 * 34);
  EXPECT_EQ(q->as_tensor().rows, 2);
  EXPECT_EQ(q->as_tensor().cols, 64);
  EXPECT_EQ(q->data, norm->data + 256);
  EXPECT_EQ(p.file.find_tensor("blk.0.attn_k.weight"), nullptr);
}

TEST(GgufReader, HonoursAlignmentKey) {
  Builder g;
  g.header(1, 1);
  g.kv_u32("general.alignment", 64);
  g.tensor("t", {16}, 0, 0);
  g.align(64);
  g.zeros(64);
  Parsed p;
  ASSERT_TRUE(p.parse(g.b));
  EXPECT_EQ(p.file.alignment(), 64u);
  EXPECT_EQ(p.file.data_offset() % 64, 0u);
}

TEST(GgufReader, AcceptsVersion2) {
  Builder g = valid_file();
  g.b[4] = 2;
  Parsed p;
  EXPECT_TRUE(p.parse(g.b));
}

// Each case: bytes → expected fragment of the error message.
void expect_error(const std::vector<uint8_t>& bytes, const char* fragment) {
  Parsed p;
  Status st = p.parse(bytes);
  ASSERT_FALSE(st) << "accepted a broken file (expected: " << fragment << ")";
  EXPECT_NE(std::string(st.message()).find(fragment), std::string::npos)
      << "message: " << st.message();
}

TEST(GgufReader, RejectsBadMagicAndVersions) {
  Builder g = valid_file();
  g.b[0] = 'X';
  expect_error(g.b, "bad magic");
  g = valid_file();
  g.b[4] = 1;
  expect_error(g.b, "version 1");
  g = valid_file();
  g.b[4] = 0, g.b[7] = 3;  // big-endian 3
  expect_error(g.b, "big-endian");
  expect_error({'G', 'G'}, "truncated");
}

TEST(GgufReader, RejectsCountsPastEndOfFile) {
  Builder g;
  g.header(0, 1000000);
  expect_error(g.b, "metadata count");
  g = Builder();
  g.header(~0ull, 0);
  expect_error(g.b, "tensor count");
  g = Builder();  // a string whose length runs past the end
  g.header(0, 1);
  g.u64(1ull << 40);
  g.raw("abc", 3);
  g.zeros(16);
  expect_error(g.b, "truncated");
  g = Builder::one_key("a", 9);  // array with an absurd element count
  g.u32(5);
  g.u64(1ull << 61);
  expect_error(g.b, "past the end");
  g = Builder::one_key("a", 9);  // array of strings with an absurd count
  g.u32(8);
  g.u64(1ull << 61);
  expect_error(g.b, "cannot fit");
}

TEST(GgufReader, RejectsBadValues) {
  Builder g = Builder::one_key("k", 13);
  g.u32(0);
  expect_error(g.b, "unknown value type 13");
  g = Builder::one_key("k", 7);
  g.u8(2);
  expect_error(g.b, "bool value 2");
  g = Builder::one_key("k", 9);
  g.u32(9);
  g.u64(1);
  expect_error(g.b, "nested arrays");
  g = Builder();
  g.header(0, 2);
  g.kv_u32("k", 1);
  g.kv_u32("k", 2);
  expect_error(g.b, "duplicate metadata key 'k'");
  g = Builder();
  g.header(0, 1);
  g.kv_u32("general.alignment", 48);
  expect_error(g.b, "not a power of two");
  g = Builder();
  g.header(0, 1);
  g.kv_str("general.alignment", "32");
  expect_error(g.b, "general.alignment has type string");
}

TEST(GgufReader, RejectsBadTensorInfos) {
  auto one_tensor = [](std::vector<uint64_t> ne, uint32_t type, uint64_t off, size_t data) {
    Builder g;
    g.header(1, 0);
    g.tensor("t", ne, type, off);
    g.align();
    g.zeros(data);
    return g.b;
  };
  expect_error(one_tensor({32}, 99, 0, 128), "ggml type 99");
  expect_error(one_tensor({32}, 10, 0, 128), "ggml type 10");  // Q2_K: not supported
  expect_error(one_tensor({33, 2}, 8, 0, 128), "not a multiple of q8_0's block");
  expect_error(one_tensor({32}, 0, 16, 256), "not a multiple of the alignment 32");
  expect_error(one_tensor({32, 4}, 0, 0, 100), "truncated: tensor 't'");
  expect_error(one_tensor({32}, 0, 1ull << 62, 128), "truncated: tensor 't'");
  expect_error(one_tensor({0}, 0, 0, 128), "dimension 0 = 0");
  expect_error(one_tensor({1ull << 50}, 0, 0, 128), "out of range");
  expect_error(one_tensor({1u << 20, 1u << 20, 1u << 20}, 0, 0, 128), "out of range");
  expect_error(one_tensor({}, 0, 0, 128), "0 dimensions");
  expect_error(one_tensor({1, 1, 1, 1, 1}, 0, 0, 128), "5 dimensions");

  Builder g;  // name too long
  g.header(1, 0);
  g.tensor(std::string(64, 'n'), {32}, 0, 0);
  g.align();
  g.zeros(128);
  expect_error(g.b, "longer than 63");

  g = Builder();  // overlap: second tensor starts inside the first
  g.header(2, 0);
  g.tensor("a", {32, 2}, 0, 0);
  g.tensor("b", {32}, 0, 128);
  g.align();
  g.zeros(512);
  expect_error(g.b, "overlap");

  g = Builder();  // same name twice
  g.header(2, 0);
  g.tensor("a", {32}, 0, 0);
  g.tensor("a", {32}, 0, 128);
  g.align();
  g.zeros(512);
  expect_error(g.b, "duplicate tensor name 'a'");
}

TEST(GgufReader, IndexesComeFromTheArenaAndFailCleanly) {
  Builder g = valid_file();
  std::vector<uint8_t> mem(64);  // far too small for the index arrays
  Arena arena(mem.data(), mem.size());
  gguf::GgufFile f;
  Status st = f.parse(g.b.data(), g.b.size(), arena);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("out of memory"), std::string::npos) << st.message();
}

TEST(GgufReader, TruncatedAtEveryByteIsAnErrorNeverACrash) {
  Builder g = valid_file();
  for (size_t n = 0; n < g.b.size(); n++) {
    std::vector<uint8_t> cut(g.b.begin(), g.b.begin() + n);
    Parsed p;
    EXPECT_FALSE(p.parse(cut)) << "accepted a file cut to " << n << " bytes";
  }
}

TEST(GgufReader, SummarizesTheHead) {
  Builder g = valid_file();
  gguf::HeadSummary s;
  ASSERT_TRUE(gguf::summarize_head(g.b.data(), 90, &s));  // head ends inside the KVs
  EXPECT_STREQ(s.architecture, "llama");
  EXPECT_EQ(s.tensor_count, 2u);
  EXPECT_EQ(s.block_count, 0u);  // past the 90 bytes
  ASSERT_TRUE(gguf::summarize_head(g.b.data(), g.b.size(), &s));
  EXPECT_EQ(s.block_count, 6u);  // "<arch>.*" numbers for the loader's fit check
  EXPECT_EQ(s.head_count, 0u);   // not in the file
  EXPECT_TRUE(gguf::has_magic(g.b.data(), g.b.size()));
}

TEST(GgufReader, HeadHyperparametersGiveTheMenuItsKvCacheSize) {
  Builder g;
  g.header(0, 6);
  g.kv_str("general.architecture", "qwen2");
  g.kv_u32("qwen2.block_count", 28);
  g.kv_u32("qwen2.embedding_length", 1024);
  g.kv_u32("qwen2.attention.head_count", 16);
  g.kv_u32("qwen2.attention.head_count_kv", 8);
  g.kv_u32("qwen2.context_length", 40960);
  g.align();
  ModelSummary m;
  ASSERT_TRUE(describe_model(g.b.data(), g.b.size(), g.b.size(), &m));
  EXPECT_EQ(m.context, 40960);
  EXPECT_EQ(m.kv_bytes_per_position, 28u * 8 * (64 + 64) * 2);  // f16 keys + values, all layers
}
