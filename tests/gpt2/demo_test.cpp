// The real trained checkpoint ../shared/models/demo-nanochat (bf16 weights): chat and
// perplexity against the value nanochat's own model code gives.
#include <gtest/gtest.h>

#include <cmath>

#include "engines/core/sampler.h"
#include "tests/gpt2/gpt2_test_util.h"

using namespace gpt2test;

namespace {

std::string demo_dir() { return shared_dir() + "/models/demo-nanochat"; }

std::string export_demo() {
  std::string out;
  std::string dir =
      cached_export("--checkpoint-dir '" + demo_dir() +
                        "/chatsft_checkpoints/d6' --tokenizer-dir '" + demo_dir() + "/tokenizer'",
                    &out);
  EXPECT_NE(dir, "") << out;
  return dir;
}

#define REQUIRE_DEMO()                                  \
  if (!exists(demo_dir() + "/tokenizer/tokenizer.pkl")) \
  GTEST_SKIP() << "../shared/models/demo-nanochat not present (fresh clone)"

// One chat turn as the app runs it: render, prefill, greedy until a stop token, feeding
// tool output when the format asks for it. Returns the reply text.
std::string chat_turn(inferpi::Engine* e, const char* user, int max_tokens,
                      std::vector<int>* reply_ids) {
  inferpi::ChatFormat& chat = e->chat_format();
  const inferpi::Tokenizer& tok = e->tokenizer();
  std::vector<int> ids(1024);
  int n = 0;
  EXPECT_TRUE(chat.render_user_turn(tok, user, e->position() == 0, ids.data(), 1024, &n));
  EXPECT_TRUE(e->forward(ids.data(), n));
  std::string text;
  int last = -1;
  for (int i = 0; i < max_tokens; i++) {
    int t = inferpi::Sampler::argmax(e->logits(), e->info().vocab_size);
    last = t;
    if (chat.is_stop(t)) break;
    if (reply_ids) reply_ids->push_back(t);
    char buf[256];
    text.append(buf, tok.decode(-1, t, buf, sizeof(buf)));
    EXPECT_TRUE(e->forward(&t, 1));
  }
  EXPECT_TRUE(chat.render_assistant_end(tok, last, ids.data(), 1024, &n));
  if (n) {
    EXPECT_TRUE(e->forward(ids.data(), n));
  }
  return text;
}

}  // namespace

TEST(Gpt2Demo, ReciteGenesisDeterministic) {
  REQUIRE_DEMO();
  Loaded m;  // f32 KV cache: the pinned reply below was recorded with it
  ASSERT_EQ(load(export_demo(), &m, 0, inferpi::KvType::F32), "ok");
  EXPECT_TRUE(m.engine->chat_format().is_chat());
  std::string first = chat_turn(m.engine, "Recite Genesis 1:1", 80, nullptr);
  std::printf("demo-nanochat, \"Recite Genesis 1:1\" (greedy): %s\n", first.c_str());
  RecordProperty("reply", first);
  m.engine->reset();
  std::string again = chat_turn(m.engine, "Recite Genesis 1:1", 80, nullptr);
  EXPECT_EQ(first, again);
  // The reply recorded when this test was written (fp32 compute, greedy). The small d6
  // model does not know the verse; its answer is KJV-like text, pinned here so any change
  // in the numerics that flips a greedy choice early is noticed.
  EXPECT_EQ(first.substr(0, 111),
            "And the LORD said unto him, Go, and tell me thy servant, and go unto me, and I will "
            "give thee the "
            "land of Egypt")
      << first;
  // The default f16 KV cache: the same first 18 words, then a different (equally KJV-like)
  // greedy path; pinned too.
  Loaded m16;
  ASSERT_EQ(load(export_demo(), &m16), "ok");
  std::string f16 = chat_turn(m16.engine, "Recite Genesis 1:1", 80, nullptr);
  std::printf("with the f16 KV cache: %s\n", f16.c_str());
  EXPECT_EQ(f16.substr(0, 111),
            "And the LORD said unto him, Go, and tell me thy servant, and go to the land of Egypt, "
            "and go into the land of E")
      << f16;
}

TEST(Gpt2Demo, MultiTurnKeepsTheKvCache) {
  REQUIRE_DEMO();
  Loaded m;
  ASSERT_EQ(load(export_demo(), &m), "ok");
  // Two turns over the same cache...
  std::vector<int> r1, r2;
  chat_turn(m.engine, "Recite Genesis 1:1", 60, &r1);
  int pos_after_first = m.engine->position();
  std::string second = chat_turn(m.engine, "Recite Exodus 20:3", 60, &r2);
  std::printf("demo-nanochat, second turn \"Recite Exodus 20:3\": %s\n", second.c_str());
  EXPECT_GT(pos_after_first, 0);
  // ...equal a fresh prefill of the whole conversation (nanochat's chat_cli re-prefills).
  inferpi::ChatFormat& chat = m.engine->chat_format();
  const inferpi::Tokenizer& tok = m.engine->tokenizer();
  std::vector<int> conv(2048);
  int n = 0, k = 0;
  chat.render_user_turn(tok, "Recite Genesis 1:1", true, conv.data(), 2048, &k);
  n += k;
  for (int t : r1) conv[n++] = t;
  chat.render_assistant_end(tok, -1, conv.data() + n, 2048 - n, &k);
  n += k;
  chat.render_user_turn(tok, "Recite Exodus 20:3", false, conv.data() + n, 2048 - n, &k);
  n += k;
  conv.resize(n);
  m.engine->reset();
  std::vector<int> fresh = greedy(m.engine, conv, int(r2.size()));
  EXPECT_EQ(fresh, r2);
}

// Perplexity (../shared/golden/README.md procedure) runs through the host CLI:
// tests/gpt2/gpt2_cli_cases.py, case "perplexity" (ctest gpt2_cli_perplexity).
