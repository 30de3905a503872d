// Chat templates and ChatSession on a tiny in-memory model: rendering of first and later
// turns, the reply-closing tokens, stop tokens, Ctrl-C, the context-full policy and the
// stats lines. Output goes to a capturing Console.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engines/core/chat_templates.h"
#include "engines/core/engine.h"
#include "engines/tokenizers/spm_tokenizer.h"
#include "runtime/app/chat_session.h"
#include "runtime/core/console.h"
#include "tests/llama/tiny_model.h"

namespace inferpi {
namespace {

class CaptureConsole : public Console {
 public:
  void write(const char* data, size_t len) override { out.append(data, len); }
  int read_byte(uint32_t) override { return ctrl_c_after >= 0 && polls++ >= ctrl_c_after ? 3 : -1; }
  std::string out;
  int ctrl_c_after = -1;  // poll count after which Ctrl-C arrives (-1: never)
  int polls = 0;
};

struct Fixture {
  std::vector<uint8_t> model, tok;
  std::vector<uint8_t> memory = std::vector<uint8_t>(size_t(8) << 20);
  Arena arena{memory.data(), memory.size()};
  Engine* engine = nullptr;
  explicit Fixture(int context, uint32_t tmpl = 1) {
    test::TinySpec s;
    s.chat_template = tmpl;
    s.context = 256;
    model = test::make_model_bin(s);
    tok = test::make_spm_tokenizer(s.vocab, true, -1, {"### Instruction:", "\n\n"});
    ModelFiles files{model.data(), model.size(), tok.data(), tok.size()};
    EngineOptions o;
    o.max_context = context;
    Status st = create_engine(files, o, arena, &engine);
    EXPECT_TRUE(st) << st.message();
  }
};

// A ChatSession over the tiny model, printing to a capturing console for as long as it lives.
struct ChatFixture : Fixture {
  CaptureConsole con;
  ChatSession chat;
  explicit ChatFixture(int context) : Fixture(context) { set_console(&con); }
  ~ChatFixture() { set_console(nullptr); }
  Status init(const SamplerSettings& settings, int max_tokens) {
    return chat.init(*engine, arena, settings, max_tokens);
  }
  static SamplerSettings greedy() {
    SamplerSettings s;
    s.temperature = 0;
    return s;
  }
};

std::vector<int> encode(const Tokenizer& t, const char* s) {
  std::vector<int> ids(strlen(s) + 4);
  int n = 0;
  EXPECT_TRUE(t.encode(s, strlen(s), ids.data(), int(ids.size()), &n));
  ids.resize(size_t(n));
  return ids;
}

TEST(ChatTemplates, AlpacaTurnsRenderAsTheJinjaTemplate) {
  Fixture f(64);
  const Tokenizer& t = f.engine->tokenizer();
  ChatFormat& fmt = f.engine->chat_format();
  EXPECT_STREQ(fmt.name(), "alpaca");
  int ids[256], n = 0;
  ASSERT_TRUE(fmt.render_user_turn(t, "ab", true, ids, 256, &n));
  // {{ bos }} then "### Instruction:\n" + content + "\n\n### Response:\n" as one text.
  std::vector<int> want{t.bos_id()};
  for (int id : encode(t, "### Instruction:\nab\n\n### Response:\n")) want.push_back(id);
  EXPECT_EQ(std::vector<int>(ids, ids + n), want);
  // A later turn: the "\n\n" after the previous reply's EOS goes in front, no BOS.
  ASSERT_TRUE(fmt.render_user_turn(t, "b", false, ids, 256, &n));
  EXPECT_EQ(std::vector<int>(ids, ids + n),
            encode(t, "\n\n### Instruction:\nb\n\n### Response:\n"));
  ASSERT_TRUE(fmt.render_assistant_end(t, 5, ids, 256, &n));
  EXPECT_EQ(std::vector<int>(ids, ids + n), std::vector<int>{t.eos_id()});
  EXPECT_TRUE(fmt.is_stop(t.eos_id()));
  EXPECT_FALSE(fmt.is_stop(t.bos_id()));
  // Typed text never becomes a special token.
  ASSERT_TRUE(fmt.render_user_turn(t, "</s>", false, ids, 256, &n));
  for (int i = 0; i < n; i++) EXPECT_NE(ids[i], t.eos_id());
}

TEST(ChatTemplates, SystemPromptIsFoldedWhereTheTemplateHasNoSystemRole) {
  Fixture f(64);  // alpaca: no system role
  const Tokenizer& t = f.engine->tokenizer();
  ChatFormat& fmt = f.engine->chat_format();
  ASSERT_TRUE(fmt.set_system_prompt("Be brief."));
  EXPECT_STREQ(fmt.system_prompt(), "Be brief.");
  char text[512];
  size_t len = 0;
  ASSERT_TRUE(fmt.render_user_turn_text(t, "ab", true, text, sizeof text, &len));
  EXPECT_EQ(std::string(text, len), "<s>### Instruction:\nBe brief.\n\nab\n\n### Response:\n");
  ASSERT_TRUE(fmt.render_user_turn_text(t, "b", false, text, sizeof text, &len));
  EXPECT_EQ(std::string(text, len), "\n\n### Instruction:\nb\n\n### Response:\n");
  ASSERT_TRUE(fmt.render_assistant_end_text(t, text, sizeof text, &len));
  EXPECT_EQ(std::string(text, len), "</s>");
  // The token path renders the same turn: BOS, then the text as one piece.
  int ids[256], n = 0;
  ASSERT_TRUE(fmt.render_user_turn(t, "ab", true, ids, 256, &n));
  std::vector<int> want{t.bos_id()};
  for (int id : encode(t, "### Instruction:\nBe brief.\n\nab\n\n### Response:\n"))
    want.push_back(id);
  EXPECT_EQ(std::vector<int>(ids, ids + n), want);
  EXPECT_FALSE(fmt.has_thinking_switch());
  std::string long_prompt(5000, 'x');
  EXPECT_FALSE(fmt.set_system_prompt(long_prompt.c_str()));

  Fixture completion(64, 0);
  EXPECT_FALSE(completion.engine->chat_format().set_system_prompt("x"));
}

TEST(ChatTemplates, MissingSpecialTokenIsAClearError) {
  Fixture f(64, 3);  // ChatML, but the tokenizer has no <|im_start|>
  int ids[64], n = 0;
  Status st =
      f.engine->chat_format().render_user_turn(f.engine->tokenizer(), "hi", true, ids, 64, &n);
  ASSERT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("<|im_start|>"), std::string::npos) << st.message();
}

TEST(ChatTemplates, EveryTemplateHasANameAndRoundTripsById) {
  for (uint32_t id = 0; id < kChatTemplateCount; id++) {
    const ChatTemplateSpec* s = chat_template_spec(id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(chat_template_by_name(s->name), s);
    EXPECT_NE(strstr(s->user_turn, "{}"), nullptr) << s->name;
  }
  EXPECT_EQ(chat_template_spec(kChatTemplateCount), nullptr);
}

TEST(ChatSession, MultiTurnKeepsTheCacheAndPrintsStats) {
  ChatFixture f(256);
  ASSERT_TRUE(f.init(ChatFixture::greedy(), 5));
  TurnStats s1, s2;
  ASSERT_TRUE(f.chat.turn("ab", &s1));
  int after_first = f.engine->position();
  EXPECT_EQ(after_first, s1.prompt.tokens + s1.generation.tokens);
  ASSERT_TRUE(f.chat.turn("b", &s2));
  // The second turn only prefilled its own tokens (+ the EOS closing reply 1).
  EXPECT_EQ(f.engine->position(), after_first + s2.prompt.tokens + s2.generation.tokens);
  EXPECT_NE(f.con.out.find("Generation: "), std::string::npos);
  EXPECT_NE(f.con.out.find(" tokens/sec)"), std::string::npos);
  EXPECT_NE(f.con.out.find("Prompt: "), std::string::npos);
}

TEST(ChatSession, CtrlCStopsGeneration) {
  ChatFixture f(64);
  f.con.ctrl_c_after = 1;
  ASSERT_TRUE(f.init(ChatFixture::greedy(), 40));
  TurnStats s;
  ASSERT_TRUE(f.chat.turn("ab", &s));
  EXPECT_LE(s.generation.tokens, 2);
  if (s.generation.tokens >= 2) {  // the model did not stop on its own first
    EXPECT_TRUE(s.interrupted);
    EXPECT_EQ(s.generation.tokens, 2);
    EXPECT_NE(f.con.out.find("[stopped]"), std::string::npos);
  }
}

TEST(ChatSession, ContextFullResetsTheConversation) {
  ChatFixture f(40);
  ASSERT_TRUE(f.init(ChatFixture::greedy(), 30));
  for (int i = 0; i < 6; i++) {
    TurnStats s;
    Status st = f.chat.turn("ab", &s);
    ASSERT_TRUE(st) << st.message();
    EXPECT_LE(f.engine->position(), f.engine->context_length());
  }
  EXPECT_NE(f.con.out.find("[context full"), std::string::npos);
  // A message longer than the whole context is refused, not crashed on.
  std::string huge(200, 'a');
  TurnStats s;
  Status st = f.chat.turn(huge.c_str(), &s);
  EXPECT_FALSE(st);
}

TEST(ChatSession, SystemThinkAndCtxCommands) {
  ChatFixture f(64);
  ASSERT_TRUE(f.init(SamplerSettings{}, 8));
  f.chat.handle_line("/set system   Answer in one word.");
  EXPECT_STREQ(f.engine->chat_format().system_prompt(), "Answer in one word.");
  EXPECT_NE(f.con.out.find("[system prompt set; new conversation]"), std::string::npos);
  f.chat.handle_line("/set system");
  EXPECT_STREQ(f.engine->chat_format().system_prompt(), "");
  EXPECT_NE(f.con.out.find("[system prompt cleared"), std::string::npos);
  f.chat.handle_line("/set think off");
  EXPECT_NE(f.con.out.find("template 'alpaca' has no thinking switch"), std::string::npos);
  f.chat.handle_line("/set ctx 32");
  EXPECT_NE(f.con.out.find("/set ctx needs the model menu"), std::string::npos);
}

TEST(ChatSession, Commands) {
  ChatFixture f(64);
  ASSERT_TRUE(f.init(SamplerSettings{}, 8));
  EXPECT_EQ(f.chat.handle_line("/set temp 0"), ChatSession::LineResult::Continue);
  EXPECT_EQ(f.chat.sampler().settings().temperature, 0.0f);
  f.chat.handle_line("/set top_k 5");
  EXPECT_EQ(f.chat.sampler().settings().top_k, 5);
  f.chat.handle_line("/set max_tokens 3");
  EXPECT_EQ(f.chat.max_tokens(), 3);
  f.chat.handle_line("/set temp banana");
  EXPECT_NE(f.con.out.find("usage: /set"), std::string::npos);
  f.chat.handle_line("/stats");
  EXPECT_NE(f.con.out.find("template alpaca"), std::string::npos);
  f.chat.handle_line("ab");
  EXPECT_GT(f.engine->position(), 0);
  f.chat.handle_line("/reset");
  EXPECT_EQ(f.engine->position(), 0);
  EXPECT_EQ(f.chat.handle_line("/exit"), ChatSession::LineResult::Exit);
}

// /exit means different things to the appliance (unload, back to the menu) and to the
// one-model CLI (leave): print_help() leaves it to the caller, so /help lists it once.
TEST(ChatSession, HelpListsExitOnceAndOnlyWhereTheCallerSaysWhatItDoes) {
  ChatFixture f(64);
  ASSERT_TRUE(f.init(SamplerSettings{}, 8));
  f.chat.print_help();
  EXPECT_NE(f.con.out.find("/set ctx N"), std::string::npos);
  EXPECT_EQ(f.con.out.find("/exit"), std::string::npos) << f.con.out;
  f.con.out.clear();
  f.chat.handle_line("/help");
  const size_t first = f.con.out.find("/exit");
  ASSERT_NE(first, std::string::npos) << f.con.out;
  EXPECT_EQ(f.con.out.find("/exit", first + 1), std::string::npos) << f.con.out;
  EXPECT_NE(f.con.out.find("leave the chat"), std::string::npos);
}

TEST(SpmTokenizer, DecodeDropsControlTokensAndMapsBytes) {
  Fixture f(16);
  const Tokenizer& t = f.engine->tokenizer();
  char buf[16];
  EXPECT_EQ(t.decode(0, t.eos_id(), buf, sizeof(buf)), 0u);
  ASSERT_EQ(t.decode(0, 3 + 'A', buf, sizeof(buf)), 1u);  // <0x41>
  EXPECT_EQ(buf[0], 'A');
  int sp_a = encode(t, "a")[0];                                 // " a" with the dummy prefix
  ASSERT_EQ(t.decode(t.bos_id(), sp_a, buf, sizeof(buf)), 1u);  // space dropped after BOS
  EXPECT_EQ(buf[0], 'a');
  EXPECT_EQ(t.decode(5, sp_a, buf, sizeof(buf)), 2u);
  EXPECT_EQ(t.special_id("</s>"), t.eos_id());
  EXPECT_EQ(t.special_id("a"), -1);
  std::vector<int> empty = encode(t, "");
  EXPECT_TRUE(empty.empty());
}

}  // namespace
}  // namespace inferpi
