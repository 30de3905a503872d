// The GPT2 engine against nanochat's own outputs (../shared/golden/nanochat_gqa_sssl):
// a random-weight GQA model with SSSL windows, smear, backout, value embeddings.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/gpt2/gpt2_test_util.h"

using namespace gpt2test;

namespace {

std::string golden_dir() { return shared_dir() + "/golden/nanochat_gqa_sssl"; }

std::string export_golden(const char* dtype) {
  std::string g = golden_dir();
  std::string out;
  std::string dir =
      cached_export("--checkpoint-dir '" + g + "/chatsft_checkpoints/d4' --tokenizer-dir '" + g +
                        "/tokenizer' --dtype " + dtype,
                    &out);
  EXPECT_NE(dir, "") << out;
  return dir;
}

float max_abs_diff(const float* a, const float* b, size_t n) {
  float worst = 0;
  for (size_t i = 0; i < n; i++) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

// Every test: nanochat's golden.json (prompt, expected ids) and the golden model, exported by
// our exporter and loaded by our engine.
class Gpt2Golden : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!exists(golden_dir() + "/golden.json"))
      GTEST_SKIP() << "../shared/golden/nanochat_gqa_sssl not present (fresh clone)";
    g = read_json(golden_dir() + "/golden.json");
    prompt = g["prompt_ids"].ints();
  }
  // "ok" or what went wrong; f32 KV for the comparisons with nanochat's float32 logits.
  std::string load_golden(const char* dtype, inferpi::KvType kv = inferpi::KvType::F16) {
    return load(export_golden(dtype), &m, 0, kv);
  }
  std::vector<float> golden_logits() const { return read_f32(golden_dir() + "/logits.f32"); }

  Loaded m;
  Json g;
  std::vector<int> prompt;
};

}  // namespace

TEST_F(Gpt2Golden, ConfigMatchesNanochatWindows) {
  ASSERT_EQ(load_golden("f32"), "ok");
  const auto& cfg = m.gpt2()->config();
  EXPECT_EQ(cfg.variant, 4u);
  EXPECT_EQ(cfg.n_kv_head, 2);
  for (int l = 0; l < cfg.n_layer; l++) EXPECT_EQ(cfg.window[l], int(g["window_sizes"][l][0].num));
  EXPECT_TRUE(m.engine->chat_format().is_chat());
}

TEST_F(Gpt2Golden, FullSequenceLogits) {
  ASSERT_EQ(load_golden("f32", inferpi::KvType::F32), "ok");
  std::vector<float> want = golden_logits();
  const int V = m.engine->info().vocab_size;
  ASSERT_EQ(want.size(), prompt.size() * V);
  std::vector<float> got(want.size());
  ASSERT_TRUE(m.engine->forward(prompt.data(), int(prompt.size()), got.data()));
  float worst = max_abs_diff(got.data(), want.data(), want.size());
  std::printf("golden full-sequence logits (%zu positions): max abs error %.3g\n", prompt.size(),
              worst);
  RecordProperty("max_abs_error", std::to_string(worst));
  EXPECT_LE(worst, 1e-4f);
}

TEST_F(Gpt2Golden, KvCacheChunksMatch) {
  ASSERT_EQ(load_golden("f32", inferpi::KvType::F32), "ok");
  std::vector<float> want = golden_logits();
  const int V = m.engine->info().vocab_size, n = int(prompt.size());
  for (int chunk : {1, 7, 64}) {
    m.engine->reset();
    std::vector<float> got(want.size());
    for (int p = 0; p < n; p += chunk) {
      int k = std::min(chunk, n - p);
      ASSERT_TRUE(m.engine->forward(prompt.data() + p, k, got.data() + size_t(p) * V));
      // logits() is the last row of the chunk
      ASSERT_EQ(0, memcmp(m.engine->logits(), got.data() + size_t(p + k - 1) * V, size_t(V) * 4));
    }
    float worst = max_abs_diff(got.data(), want.data(), want.size());
    std::printf("golden logits through the KV cache in chunks of %d: max abs error %.3g\n", chunk,
                worst);
    RecordProperty("max_abs_error_chunk" + std::to_string(chunk), std::to_string(worst));
    EXPECT_LE(worst, 1e-4f) << "chunk " << chunk;
    EXPECT_EQ(m.engine->position(), n);
  }
}

// The default f16 KV cache: nanochat's f32 logits within what rounding the keys and values
// to f16 costs (measured 3.3e-4; the f32 cache gives < 1e-4 above), and chunked prefill
// equals one whole-sequence forward bit for bit (each row is rounded once, when stored,
// before any token reads it).
TEST_F(Gpt2Golden, F16KvCacheStaysClose) {
  ASSERT_EQ(load_golden("f32"), "ok");
  std::vector<float> want = golden_logits();
  const int V = m.engine->info().vocab_size, n = int(prompt.size());
  std::vector<float> whole(want.size()), chunked(want.size());
  ASSERT_TRUE(m.engine->forward(prompt.data(), n, whole.data()));
  float worst = max_abs_diff(whole.data(), want.data(), want.size());
  std::printf("golden logits with the f16 KV cache: max abs error %.3g\n", worst);
  RecordProperty("max_abs_error_f16_kv", std::to_string(worst));
  EXPECT_LE(worst, 2e-3f);
  m.engine->reset();
  for (int p = 0; p < n; p += 7) {
    int k = std::min(7, n - p);
    ASSERT_TRUE(m.engine->forward(prompt.data() + p, k, chunked.data() + size_t(p) * V));
  }
  EXPECT_EQ(0, memcmp(whole.data(), chunked.data(), whole.size() * sizeof(float)));
}

TEST_F(Gpt2Golden, GreedyTokens) {
  ASSERT_EQ(load_golden("f32"), "ok");
  std::vector<int> want = g["greedy_ids"].ints();
  std::vector<int> got = greedy(m.engine, g["prompt_ids"].ints(), int(want.size()));
  EXPECT_EQ(got, want);
}

TEST_F(Gpt2Golden, F16ExportStaysClose) {
  ASSERT_EQ(load_golden("f16"), "ok");
  EXPECT_STREQ(m.engine->info().dtype, "f16");
  std::vector<float> want = golden_logits();
  std::vector<float> got(want.size());
  ASSERT_TRUE(m.engine->forward(prompt.data(), int(prompt.size()), got.data()));
  float worst = max_abs_diff(got.data(), want.data(), want.size());
  std::printf("golden logits with the f16 export: max abs error %.3g\n", worst);
  RecordProperty("max_abs_error_f16", std::to_string(worst));
  EXPECT_LE(worst, 5e-2f);
  m.engine->reset();
  std::vector<int> want_ids = g["greedy_ids"].ints();
  std::vector<int> got_ids = greedy(m.engine, prompt, int(want_ids.size()));
  int same = 0;
  while (same < int(want_ids.size()) && got_ids[same] == want_ids[same]) same++;
  std::printf("f16 export: %d of %zu greedy tokens identical before the first difference\n", same,
              want_ids.size());
  EXPECT_GE(same, 20);
}

TEST_F(Gpt2Golden, ChatCompletionIds) {
  ASSERT_EQ(load_golden("f32"), "ok");
  const Json& msgs = g["chat_completion_conversation"]["messages"];
  inferpi::ChatFormat& chat = m.engine->chat_format();
  const inferpi::Tokenizer& tok = m.engine->tokenizer();
  // As the app renders it: user turn, the reply the model gave, its end, next user turn.
  std::vector<int> ids(512);
  int n = 0, k = 0;
  ASSERT_TRUE(
      chat.render_user_turn(tok, msgs[0]["content"].str.c_str(), true, ids.data(), 512, &k));
  n += k;
  const std::string& reply = msgs[1]["content"].str;
  ASSERT_TRUE(tok.encode(reply.data(), reply.size(), ids.data() + n, 512 - n, &k));
  n += k;
  ASSERT_TRUE(chat.render_assistant_end(tok, ids[n - 1], ids.data() + n, 512 - n, &k));
  n += k;
  ASSERT_TRUE(chat.render_user_turn(tok, msgs[2]["content"].str.c_str(), false, ids.data() + n,
                                    512 - n, &k));
  n += k;
  ids.resize(n);
  EXPECT_EQ(ids, g["chat_completion_ids"].ints());
}

TEST_F(Gpt2Golden, RenderConversationIdsAndMask) {
  ASSERT_EQ(load_golden("f32"), "ok");
  const Json& msgs = g["render_conversation"]["messages"];
  auto& tok = static_cast<const inferpi::TiktokenTokenizer&>(m.engine->tokenizer());
  auto& fmt = static_cast<inferpi::NanochatChatFormat&>(m.engine->chat_format());
  std::vector<int> ids(512), mask(512);
  inferpi::NanochatRenderer r(tok, fmt, ids.data(), mask.data(), 512);
  ASSERT_TRUE(r.begin());
  for (const Json& msg : msgs.arr) {
    const Json& content = msg["content"];
    if (msg["role"].str == "user") {
      ASSERT_TRUE(r.user(content.str.c_str()));
    } else if (content.type == Json::String) {
      inferpi::NanochatPart p{inferpi::NanochatPart::kText, content.str.c_str()};
      ASSERT_TRUE(r.assistant(&p, 1));
    } else {
      std::vector<inferpi::NanochatPart> parts;
      for (const Json& part : content.arr) {
        const std::string& type = part["type"].str;
        auto kind = type == "text"     ? inferpi::NanochatPart::kText
                    : type == "python" ? inferpi::NanochatPart::kPython
                                       : inferpi::NanochatPart::kPythonOutput;
        parts.push_back({kind, part["text"].str.c_str()});
      }
      ASSERT_TRUE(r.assistant(parts.data(), int(parts.size())));
    }
  }
  ids.resize(r.count());
  mask.resize(r.count());
  EXPECT_EQ(ids, g["render_conversation_ids"].ints());
  EXPECT_EQ(mask, g["render_conversation_mask"].ints());
}

TEST_F(Gpt2Golden, CalculatorToolForcesOutput) {
  ASSERT_EQ(load_golden("f32"), "ok");
  inferpi::ChatFormat& chat = m.engine->chat_format();
  const inferpi::Tokenizer& tok = m.engine->tokenizer();
  // The golden conversation's tool call: <|python_start|>2+3<|python_end|> -> 5.
  std::vector<int> conv = g["render_conversation_ids"].ints();
  int forced[16];
  int n_forced = 0;
  size_t i = 0;
  for (; i < conv.size(); i++) {
    n_forced = chat.on_token(tok, conv[i], forced, 16);
    if (n_forced) break;
  }
  ASSERT_GT(n_forced, 0) << "no tool output forced";
  std::vector<int> got(forced, forced + n_forced);
  std::vector<int> want(conv.begin() + long(i) + 1, conv.begin() + long(i) + 1 + n_forced);
  EXPECT_EQ(got, want);  // <|output_start|> 5 <|output_end|>
  EXPECT_EQ(conv[i], tok.special_id("<|python_end|>"));
  // A stop token ends the reply; typed text never yields special ids.
  EXPECT_TRUE(chat.is_stop(tok.special_id("<|assistant_end|>")));
  EXPECT_TRUE(chat.is_stop(tok.bos_id()));
  EXPECT_FALSE(chat.is_stop(tok.special_id("<|python_end|>")));
}

TEST_F(Gpt2Golden, CalculatorToolFloatResult) {
  ASSERT_EQ(load_golden("f32"), "ok");
  inferpi::ChatFormat& chat = m.engine->chat_format();
  const inferpi::Tokenizer& tok = m.engine->tokenizer();
  int forced[64], ids[64], n = 0;
  EXPECT_EQ(chat.on_token(tok, tok.special_id("<|python_start|>"), forced, 64), 0);
  ASSERT_TRUE(tok.encode("10/3", 4, ids, 64, &n));
  for (int i = 0; i < n; i++) EXPECT_EQ(chat.on_token(tok, ids[i], forced, 64), 0);
  int k = chat.on_token(tok, tok.special_id("<|python_end|>"), forced, 64);
  std::vector<int> want = {tok.special_id("<|output_start|>")};
  ASSERT_TRUE(tok.encode("3.3333333333333335", 18, ids, 64, &n));
  want.insert(want.end(), ids, ids + n);
  want.push_back(tok.special_id("<|output_end|>"));
  EXPECT_EQ(std::vector<int>(forced, forced + k), want);
  // Outside a python block nothing is forced; an unknown expression forces nothing.
  EXPECT_EQ(chat.on_token(tok, ids[0], forced, 64), 0);
  chat.on_token(tok, tok.special_id("<|python_start|>"), forced, 64);
  ASSERT_TRUE(tok.encode("import os", 9, ids, 64, &n));
  for (int i = 0; i < n; i++) chat.on_token(tok, ids[i], forced, 64);
  EXPECT_EQ(chat.on_token(tok, tok.special_id("<|python_end|>"), forced, 64), 0);
}

TEST_F(Gpt2Golden, RegistryDescribesTheModelFromItsHeader) {
  std::vector<uint8_t> model = read_file(export_golden("f16") + "/model.bin");
  ASSERT_GE(model.size(), 4096u);
  inferpi::ModelSummary s;
  inferpi::Status st = inferpi::describe_model(model.data(), 4096, model.size(), &s);
  ASSERT_TRUE(st) << st.message();
  EXPECT_STREQ(s.engine, "GPT2");
  EXPECT_STREQ(s.architecture, "nanochat-v4 chat");
  EXPECT_STREQ(s.dtype, "f16");
  EXPECT_GT(s.n_params, 0u);
  EXPECT_FALSE(inferpi::describe_model(model.data(), 100, model.size(), &s));  // short header
}
