// Bad input to the Llama engine: truncated and corrupted model.bin (ours and llama2.c v0),
// wrong header sizes, vocab/tokenizer mismatch, tokenizer lengths past the end. Every case
// must fail with a clear message and no out-of-bounds access (this binary also runs under
// ASan/UBSan: preset host-asan, label `sanitize`). Files are copied into exactly-sized heap
// blocks so that any read past the end is caught.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engines/core/engine.h"
#include "tests/llama/tiny_model.h"

namespace inferpi {
namespace {

using test::make_llama2c_v0;
using test::make_model_bin;
using test::make_spm_tokenizer;
using test::TinySpec;

// One arena block for all cases (allocating it per case is slow under ASan); each Loaded
// starts from an empty arena, so only one engine is alive at a time.
uint8_t* arena_block() {
  static std::vector<uint8_t> block(size_t(8) << 20);
  return block.data();
}

struct Loaded {
  Arena arena{arena_block(), size_t(8) << 20};
  Engine* engine = nullptr;
};

// Copies into exact-size allocations and builds the engine.
Status load(const std::vector<uint8_t>& model, const std::vector<uint8_t>& tok, Loaded* out,
            int max_context = 0) {
  static std::unique_ptr<uint8_t[]> m, t;
  m.reset(new uint8_t[model.size() ? model.size() : 1]);
  t.reset(new uint8_t[tok.size() ? tok.size() : 1]);
  if (!model.empty()) memcpy(m.get(), model.data(), model.size());
  if (!tok.empty()) memcpy(t.get(), tok.data(), tok.size());
  ModelFiles files{m.get(), model.size(), t.get(), tok.size()};
  EngineOptions options;
  options.max_context = max_context;
  return create_engine(files, options, out->arena, &out->engine);
}

TEST(LlamaBadInput, ValidTinyModelLoadsAndRuns) {
  TinySpec s;
  Loaded l;
  Status st = load(make_model_bin(s), make_spm_tokenizer(s.vocab), &l);
  ASSERT_TRUE(st) << st.message();
  int ids[3] = {1, 260, 261};
  ASSERT_TRUE(l.engine->forward(ids, 3));
  EXPECT_EQ(l.engine->position(), 3);
  for (int i = 0; i < s.vocab; i++) ASSERT_TRUE(l.engine->logits()[i] == l.engine->logits()[i]);
}

TEST(LlamaContextFit, FullContextWhenItFitsLargestThatFitsOtherwise) {
  TinySpec s;
  s.context = 1 << 20;  // a 1 M-token model in an 8 MB arena: its KV cache cannot fit
  Loaded l;
  Status st = load(make_model_bin(s), make_spm_tokenizer(s.vocab), &l);
  ASSERT_TRUE(st) << st.message();
  const ModelInfo& info = l.engine->info();
  const int n = l.engine->context_length();
  EXPECT_EQ(info.requested_context, 1 << 20);
  EXPECT_EQ(info.max_context, 1 << 20);
  EXPECT_GE(n, 256);
  EXPECT_LT(n, 1 << 20);
  EXPECT_EQ(n % 256, 0);
  // What it chose is what is left: a context 256 tokens longer would not have fit.
  EXPECT_LT(l.arena.largest_free(), info.bytes_per_position * 256 + (size_t(2) << 20));
  int ids[2] = {1, 260};
  ASSERT_TRUE(l.engine->forward(ids, 2));

  // The model's own context when it fits.
  TinySpec small;
  Loaded l2;
  ASSERT_TRUE(load(make_model_bin(small), make_spm_tokenizer(small.vocab), &l2));
  EXPECT_EQ(l2.engine->context_length(), small.context);
  EXPECT_EQ(l2.engine->info().requested_context, small.context);
}

TEST(LlamaContextFit, AnExplicitContextThatDoesNotFitSaysWhatFits) {
  TinySpec s;
  s.context = 1 << 20;
  Loaded l;
  Status st = load(make_model_bin(s), make_spm_tokenizer(s.vocab), &l, 1 << 19);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("a context of 524288 tokens needs"), std::string::npos)
      << st.message();
  EXPECT_NE(std::string(st.message()).find("tokens fit)"), std::string::npos) << st.message();
  Loaded l2;
  ASSERT_TRUE(load(make_model_bin(s), make_spm_tokenizer(s.vocab), &l2, 1000));
  EXPECT_EQ(l2.engine->context_length(), 1000);
}

TEST(LlamaBadInput, TruncatedModelAtEveryLength) {
  TinySpec s;
  std::vector<uint8_t> full = make_model_bin(s), tok = make_spm_tokenizer(s.vocab);
  for (size_t n = 0; n < full.size(); n += (n < 2048 ? 1 : 61)) {
    Loaded l;
    std::vector<uint8_t> cut(full.begin(), full.begin() + long(n));
    // Also make the header agree with the short file, so that the per-tensor bounds checks
    // (not just the file-size field) are what rejects it.
    if (n >= 128 && n % 2) test::set64(cut, test::kOffFileSize, n);
    Status st = load(cut, tok, &l);
    ASSERT_FALSE(st) << "loaded a model cut at " << n << " bytes";
    ASSERT_GT(strlen(st.message()), 10u);
  }
}

TEST(LlamaBadInput, TruncatedMessageSaysSo) {
  TinySpec s;
  std::vector<uint8_t> full = make_model_bin(s);
  full.resize(full.size() - 100);
  Loaded l;
  Status st = load(full, make_spm_tokenizer(s.vocab), &l);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("truncated"), std::string::npos) << st.message();
}

TEST(LlamaBadInput, WrongSizesInHeader) {
  TinySpec s;
  const std::vector<uint8_t> good = make_model_bin(s);
  struct Case {
    size_t offset;
    uint32_t value;
    const char* expect;  // part of the message
  } cases[] = {
      {test::kOffDim, 9, "expected"},                  // tensors no longer match the config
      {test::kOffLayers, 3, "missing"},                // a layer with no tensors
      {test::kOffLayers, 0x7fffffff, "out-of-range"},  // absurd sizes
      {test::kOffHeads, 3, "expected"},                // wq has the wrong row count
      {test::kOffKvHeads, 2, "expected"},
      {test::kOffHeadDim, 0, "out-of-range"},
      {test::kOffVocab, 0xfffffff0u, "out-of-range"},
      {test::kOffVocab, 100, "expected"},
      {test::kTable + 32, 99, "unsupported type"},  // dtype of the first tensor
      {test::kTable + 36, 1000000, "bytes"},        // rows of the first tensor
      {test::kTable + 48, 0xfffff000u, "outside"},  // offset of the first tensor
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> bad = good;
    test::set32(bad, c.offset, c.value);
    Loaded l;
    Status st = load(bad, make_spm_tokenizer(s.vocab), &l);
    ASSERT_FALSE(st) << "offset " << c.offset << " value " << c.value;
    EXPECT_NE(std::string(st.message()).find(c.expect), std::string::npos)
        << "offset " << c.offset << ": " << st.message();
  }
  std::vector<uint8_t> bad = good;
  test::set64(bad, test::kOffFileSize, good.size() + 1);
  Loaded l;
  EXPECT_FALSE(load(bad, make_spm_tokenizer(s.vocab), &l));
}

TEST(LlamaBadInput, RandomHeaderCorruptionNeverCrashes) {
  TinySpec s;
  const std::vector<uint8_t> good = make_model_bin(s), tok = make_spm_tokenizer(s.vocab);
  test::Lcg rng{7};
  for (int i = 0; i < 400; i++) {
    std::vector<uint8_t> bad = good;
    for (int k = 0; k < 3; k++) {
      size_t at = size_t(rng.next() * 1e6 + 2e6) % (256 + 64 * test::tiny_plan(s).size());
      bad[at] = uint8_t(rng.next() * 1000);
    }
    Loaded l;
    Status st = load(bad, tok, &l);
    if (st) {  // a harmless change (e.g. a reserved byte): the model must still run
      int ids[2] = {1, 2};
      (void)l.engine->forward(ids, 2);
    }
  }
}

TEST(LlamaBadInput, VocabMismatchWithTokenizer) {
  TinySpec s;
  std::vector<uint8_t> model = make_model_bin(s);
  for (int entries : {s.vocab - 1, s.vocab + 1}) {
    for (bool trailer : {false, true}) {
      Loaded l;
      Status st = load(model, make_spm_tokenizer(s.vocab, trailer, entries), &l);
      ASSERT_FALSE(st) << entries << " entries, trailer " << trailer;
      EXPECT_NE(std::string(st.message()).find("vocab"), std::string::npos) << st.message();
    }
  }
}

TEST(LlamaBadInput, TokenizerLengthPastTheEnd) {
  TinySpec s;
  std::vector<uint8_t> tok = make_spm_tokenizer(s.vocab);
  test::set32(tok, 4 + 4, 0xfffffff0u);  // length of token 0
  Loaded l;
  Status st = load(make_model_bin(s), tok, &l);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("past the end"), std::string::npos) << st.message();
  for (size_t n : {size_t(0), size_t(3), size_t(4), size_t(11), tok.size() / 2}) {
    std::vector<uint8_t> cut(make_spm_tokenizer(s.vocab));
    cut.resize(n);
    Loaded l2;
    EXPECT_FALSE(load(make_model_bin(s), cut, &l2)) << n;
  }
}

TEST(LlamaBadInput, Llama2cV0LoadsAndRejectsTruncation) {
  TinySpec s;
  s.heads = 2;
  s.head_dim = 4;  // heads * head_dim == dim (llama2.c requirement)
  std::vector<uint8_t> v0 = make_llama2c_v0(s), tok = make_spm_tokenizer(s.vocab);
  Loaded l;
  Status st = load(v0, tok, &l);
  ASSERT_TRUE(st) << st.message();
  int ids[2] = {1, 100};
  EXPECT_TRUE(l.engine->forward(ids, 2));
  for (size_t n : {size_t(27), size_t(28), v0.size() / 2, v0.size() - 4, v0.size() - 1}) {
    std::vector<uint8_t> cut(v0.begin(), v0.begin() + long(n));
    Loaded l2;
    EXPECT_FALSE(load(cut, tok, &l2)) << n;
  }
  std::vector<uint8_t> longer = v0;
  longer.resize(v0.size() + 4);
  Loaded l3;
  EXPECT_FALSE(load(longer, tok, &l3));
}

TEST(LlamaBadInput, ForwardRejectsBadTokensAndContextOverflow) {
  TinySpec s;
  Loaded l;
  ASSERT_TRUE(load(make_model_bin(s), make_spm_tokenizer(s.vocab), &l, 8));
  EXPECT_EQ(l.engine->context_length(), 8);
  int bad[2] = {1, s.vocab};
  EXPECT_FALSE(l.engine->forward(bad, 2));
  int neg = -1;
  EXPECT_FALSE(l.engine->forward(&neg, 1));
  int ids[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  Status st = l.engine->forward(ids, 9);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("context full"), std::string::npos);
  EXPECT_TRUE(l.engine->forward(ids, 8));
  EXPECT_FALSE(l.engine->forward(ids, 1));
  l.engine->reset();
  EXPECT_TRUE(l.engine->forward(ids, 1));
}

TEST(LlamaBadInput, GarbageIsNotAModel) {
  std::vector<uint8_t> junk(300, 0xff);
  Loaded l;
  Status st = load(junk, make_spm_tokenizer(264), &l);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("not a model"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace inferpi
