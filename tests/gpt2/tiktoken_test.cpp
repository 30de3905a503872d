// The tiktoken tokenizer against tiktoken's own outputs (../shared/golden/nanochat_tokenizer)
// and the split regex against Python's regex engine.
#include <gtest/gtest.h>

#include "engines/tokenizers/tiktoken.h"
#include "engines/tokenizers/unicode_tables.h"
#include "tests/gpt2/gpt2_test_util.h"

using namespace gpt2test;
using inferpi::TiktokenTokenizer;

namespace {

std::string golden_dir() { return shared_dir() + "/golden/nanochat_tokenizer"; }

struct LoadedTokenizer {
  std::vector<uint8_t> file;
  std::unique_ptr<uint8_t[]> mem{new uint8_t[8 << 20]};
  inferpi::Arena arena{mem.get(), 8 << 20};
  TiktokenTokenizer tok;
};

// Exports tokenizer.pkl (through the exporter's restricted unpickler) and loads it.
bool load_golden_tokenizer(LoadedTokenizer* t) {
  std::string out;
  std::string dir = cached_export("--tokenizer-only --tokenizer-dir '" + golden_dir() + "'", &out);
  EXPECT_NE(dir, "") << out;
  if (dir.empty()) return false;
  t->file = read_file(dir + "/tokenizer.bin");
  inferpi::Status st = t->tok.load(t->file.data(), t->file.size(), t->arena);
  EXPECT_TRUE(st) << st.message();
  return bool(st);
}

std::vector<int> encode(const TiktokenTokenizer& tok, const std::string& s, bool specials = false) {
  std::vector<int> ids(s.size() + 16);
  int n = 0;
  inferpi::Status st =
      specials ? tok.encode_with_specials(s.data(), s.size(), ids.data(), int(ids.size()), &n)
               : tok.encode(s.data(), s.size(), ids.data(), int(ids.size()), &n);
  EXPECT_TRUE(st) << st.message();
  ids.resize(size_t(n));
  return ids;
}

std::string decode(const TiktokenTokenizer& tok, const std::vector<int>& ids) {
  std::string s;
  char buf[256];
  for (int id : ids) s.append(buf, tok.decode(-1, id, buf, sizeof(buf)));
  return s;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> pieces;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = inferpi::split_nanochat(s.data(), s.size(), pos);
    pieces.push_back(s.substr(pos, end - pos));
    pos = end;
  }
  return pieces;
}

#define REQUIRE_GOLDEN()                      \
  if (!exists(golden_dir() + "/golden.json")) \
  GTEST_SKIP() << "../shared/golden/nanochat_tokenizer not present"

}  // namespace

TEST(Tiktoken, GoldenCasesExact) {
  REQUIRE_GOLDEN();
  LoadedTokenizer t;
  ASSERT_TRUE(load_golden_tokenizer(&t));
  Json g = read_json(golden_dir() + "/golden.json");
  EXPECT_EQ(t.tok.vocab_size(), int(g["vocab_size"].num));
  for (const auto& [name, id] : g["special_tokens"].obj)
    EXPECT_EQ(t.tok.special_id(name.c_str()), int(id.num)) << name;
  int n_cases = 0;
  for (const Json& c : g["cases"].arr) {
    std::vector<int> ids = encode(t.tok, c["text"].str);
    EXPECT_EQ(ids, c["ids"].ints()) << "text: " << c["text"].str;
    EXPECT_EQ(decode(t.tok, c["ids"].ints()), c["decoded"].str);
    n_cases++;
  }
  EXPECT_GE(n_cases, 10);
  const Json& ews = g["encode_with_specials"];
  EXPECT_EQ(encode(t.tok, ews["text"].str, true), ews["ids"].ints());
  // Typed text never produces a special id.
  for (int id : encode(t.tok, ews["text"].str)) EXPECT_FALSE(t.tok.is_special(id));
}

TEST(Tiktoken, EveryTokensBytesMatch) {
  REQUIRE_GOLDEN();
  LoadedTokenizer t;
  ASSERT_TRUE(load_golden_tokenizer(&t));
  Json g = read_json(golden_dir() + "/golden.json");
  const Json& hex = g["token_bytes_hex"];
  ASSERT_GT(hex.arr.size(), 256u);
  for (size_t id = 0; id < hex.arr.size(); id++) {
    char buf[256];
    size_t n = t.tok.decode(-1, int(id), buf, sizeof(buf));
    std::string got;
    for (size_t i = 0; i < n; i++) {
      char h[3];
      snprintf(h, sizeof(h), "%02x", static_cast<unsigned char>(buf[i]));
      got += h;
    }
    ASSERT_EQ(got, hex[id].str) << "token " << id;
    // A whole token's bytes encode back to exactly that token (tiktoken's shortcut).
    EXPECT_EQ(t.tok.rank_of(reinterpret_cast<const uint8_t*>(buf), n), int(id));
  }
}

TEST(Tiktoken, SplitMatchesPythonRegexEngine) {
  std::string out;
  ASSERT_EQ(run(std::string(INFERPI_PYTHON) + " " + INFERPI_SOURCE_DIR +
                    "/tests/gpt2/split_reference.py 7",
                &out),
            0)
      << out.substr(0, 500);
  Json cases = parse_json(out);
  ASSERT_GE(cases.arr.size(), 1000u);
  int mismatches = 0;
  for (const Json& c : cases.arr) {
    std::vector<std::string> want;
    for (const Json& p : c[1].arr) want.push_back(p.str);
    std::vector<std::string> got = split(c[0].str);
    if (got != want && ++mismatches <= 5) ADD_FAILURE() << "split differs for: " << c[0].str;
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(Tiktoken, SplitDocumentedExamples) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("12345"), (V{"12", "34", "5"}));
  EXPECT_EQ(split(" !abc"), (V{" !", "abc"}));
  EXPECT_EQ(split("DON'T stop"), (V{"DON", "'T", " stop"}));
  EXPECT_EQ(split("x   "), (V{"x", "   "}));
  EXPECT_EQ(split("a  b"), (V{"a", " ", " b"}));
  EXPECT_EQ(split("  \n\n  x"), (V{"  \n\n", " ", " x"}));
  EXPECT_EQ(split("a\r\nb"), (V{"a", "\r\n", "b"}));
  EXPECT_EQ(split("½²"), (V{"½²"}));
  EXPECT_EQ(split("'\xc5\xbf"), (V{"'\xc5\xbf"}));  // (?i)s matches U+017F long s
  EXPECT_EQ(split("\xff\xfe"), (V{"\xff\xfe"}));    // invalid UTF-8: "other" characters
  EXPECT_TRUE(inferpi::unicode::is_letter(0x4E2D));
  EXPECT_TRUE(inferpi::unicode::is_number(0xBD));
  EXPECT_FALSE(inferpi::unicode::is_white_space(0x1C));
}

TEST(Tiktoken, RejectsCorruptFiles) {
  REQUIRE_GOLDEN();
  LoadedTokenizer t;
  ASSERT_TRUE(load_golden_tokenizer(&t));
  std::vector<uint8_t> f = t.file;
  for (size_t cut : {size_t(0), size_t(10), size_t(40), f.size() / 2, f.size() - 3}) {
    TiktokenTokenizer tok;
    inferpi::Status st = tok.load(f.data(), cut, t.arena);
    EXPECT_FALSE(st) << "accepted a file cut at " << cut;
  }
  std::vector<uint8_t> bad = f;
  bad[0] ^= 1;
  TiktokenTokenizer tok;
  EXPECT_FALSE(tok.load(bad.data(), bad.size(), t.arena));
  bad = f;
  bad[8] = 0xff, bad[9] = 0xff, bad[10] = 0xff;  // rank count far beyond the file
  EXPECT_FALSE(tok.load(bad.data(), bad.size(), t.arena));
}
