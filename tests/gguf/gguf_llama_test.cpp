// GGUF → Llama engine config: what we accept, what we refuse with "unsupported: …", chat
// template recognition. (Numerical agreement with llama.cpp is the peer test in tests/peer.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engines/gguf/gguf_llama.h"
#include "gguf_builder.h"

using gguf_test::Builder;
using namespace inferpi;

namespace {

struct Meta {
  std::string arch = "llama";
  bool eps = true;
  std::string scaling;  // rope.scaling.type, empty = absent
  bool rope_freqs = false;
  std::string jinja;
};

// Metadata-only file (plus an optional rope_freqs tensor): enough for the config.
std::vector<uint8_t> make(const Meta& m) {
  Builder g;
  int n_kv = 8 + (m.eps ? 1 : 0) + (m.scaling.empty() ? 0 : 1) + (m.jinja.empty() ? 0 : 1);
  g.header(m.rope_freqs ? 1 : 0, uint64_t(n_kv));
  g.kv_str("general.architecture", m.arch);
  g.kv_u32(m.arch + ".embedding_length", 64);
  g.kv_u32(m.arch + ".block_count", 2);
  g.kv_u32(m.arch + ".feed_forward_length", 128);
  g.kv_u32(m.arch + ".attention.head_count", 4);
  g.kv_u32(m.arch + ".attention.head_count_kv", 2);
  if (m.eps) g.kv_f32(m.arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
  if (!m.scaling.empty()) g.kv_str(m.arch + ".rope.scaling.type", m.scaling);
  if (!m.jinja.empty()) g.kv_str("tokenizer.chat_template", m.jinja);
  g.kv_str("tokenizer.ggml.model", "llama");
  g.str("tokenizer.ggml.tokens");
  g.u32(9), g.u32(8), g.u64(4);
  for (const char* t : {"<unk>", "<s>", "</s>", "<|im_end|>"}) g.str(t);
  if (m.rope_freqs) g.tensor("rope_freqs.weight", {8}, 0, 0);
  g.align();
  if (m.rope_freqs) g.zeros(32);
  return g.b;
}

Status config_of(const Meta& m, LlamaConfig* c) {
  static std::vector<uint8_t> mem(1 << 20);
  static std::vector<uint8_t> bytes;
  bytes = make(m);
  Arena arena(mem.data(), mem.size());
  gguf::GgufFile f;
  Status st = f.parse(bytes.data(), bytes.size(), arena);
  if (!st) return st;
  return gguf::llama_config_from_gguf(f, c);
}

std::string message(const Meta& m) {
  LlamaConfig c;
  Status st = config_of(m, &c);
  return st ? "ok" : st.message();
}

}  // namespace

TEST(GgufLlama, ReadsLlamaConfig) {
  LlamaConfig c;
  Status st = config_of(Meta{}, &c);
  ASSERT_TRUE(st) << st.message();
  EXPECT_STREQ(c.architecture, "llama");
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.n_layers, 2);
  EXPECT_EQ(c.n_heads, 4);
  EXPECT_EQ(c.n_kv_heads, 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.vocab_size, 4);
  EXPECT_EQ(c.context_length, 2048);  // default when the key is absent
  EXPECT_FLOAT_EQ(c.rms_eps, 1e-6f);
  EXPECT_FLOAT_EQ(c.rope_theta, 10000.0f);
  EXPECT_EQ(c.rope_pairing, RopePairing::Interleaved);
  EXPECT_TRUE(c.tied_output);  // no output.weight
  EXPECT_TRUE(c.add_bos);      // SentencePiece default
  EXPECT_EQ(c.bos_id, 1);
  EXPECT_EQ(c.eos_id, 2);
  // eos and <|im_end|> (recognised by its text) both stop a reply.
  ASSERT_EQ(c.n_stop_ids, 2);
  EXPECT_EQ(c.stop_ids[0], 2);
  EXPECT_EQ(c.stop_ids[1], 3);
  EXPECT_EQ(c.chat_template, ChatTemplateId::Completion);
}

TEST(GgufLlama, RefusesWhatWeCannotRun) {
  Meta m;
  m.arch = "gptneox";
  EXPECT_EQ(message(m), "unsupported: architecture 'gptneox' (InferPi runs llama and qwen2 GGUFs)");
  m = Meta{};
  m.scaling = "yarn";
  EXPECT_EQ(message(m), "unsupported: rope scaling 'yarn'");
  m.scaling = "none";
  EXPECT_EQ(message(m), "ok");
  m = Meta{};
  m.rope_freqs = true;
  EXPECT_NE(message(m).find("unsupported: rope_freqs.weight"), std::string::npos);
  m = Meta{};
  m.eps = false;
  EXPECT_EQ(message(m), "missing metadata llama.attention.layer_norm_rms_epsilon");
  m = Meta{};
  m.arch = "qwen2";
  EXPECT_EQ(message(m), "qwen2 file without blk.0.attn_q.bias");
}

TEST(GgufLlama, RecognisesChatTemplates) {
  auto id = [](const char* j, bool want_recognised = true) {
    bool rec = false;
    ChatTemplateId t = gguf::chat_template_from_jinja(gguf::Str{j, strlen(j)}, &rec);
    EXPECT_EQ(rec, want_recognised) << j;
    return t;
  };
  EXPECT_EQ(id("{% for m in messages %}<|im_start|>{{m.role}}"), ChatTemplateId::ChatML);
  EXPECT_EQ(id("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud."),
            ChatTemplateId::ChatMLQwen);
  EXPECT_EQ(id("<|im_start|>system\nYou are a helpful AI assistant named SmolLM"),
            ChatTemplateId::ChatMLSmolLM);
  EXPECT_EQ(id("<|start_header_id|>user<|end_header_id|>"), ChatTemplateId::Llama3);
  EXPECT_EQ(id("{{ bos_token + '[INST] ' + content + ' [/INST]' }}"), ChatTemplateId::Llama2);
  EXPECT_EQ(id("<|user|>\n{{ m }}</s>\n<|assistant|>\n"), ChatTemplateId::Zephyr);
  EXPECT_EQ(id("### Instruction:\n{{x}}\n\n### Response:\n"), ChatTemplateId::Alpaca);
  EXPECT_EQ(id("Below is an instruction that describes a task.\n### Instruction:\n### Response:"),
            ChatTemplateId::AlpacaStanford);
  EXPECT_EQ(id("<start_of_turn>user\n{{ m }}<end_of_turn>"), ChatTemplateId::Gemma);
  EXPECT_EQ(id("<|im_start|>assistant\n{%- if enable_thinking is defined %}"),
            ChatTemplateId::ChatMLQwen3);
  EXPECT_EQ(id("<|start_header_id|>system<|end_header_id|>Cutting Knowledge Date: December"),
            ChatTemplateId::Llama31);
  EXPECT_EQ(id("{{ messages }}", false), ChatTemplateId::Completion);
  EXPECT_EQ(id("", false), ChatTemplateId::Completion);

  Meta m;
  m.jinja = "<|im_start|>user";
  LlamaConfig c;
  ASSERT_TRUE(config_of(m, &c));
  EXPECT_EQ(c.chat_template, ChatTemplateId::ChatML);
}
