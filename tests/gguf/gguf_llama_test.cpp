// GGUF → Llama engine config: what we accept, what we refuse with "unsupported: …", chat
// template recognition. (Numerical agreement with llama.cpp is the peer test in tests/peer.)
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "engines/core/engine.h"
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
  std::vector<std::pair<std::string, uint32_t>> u32s;  // more "<arch>.<suffix>" keys
  std::vector<std::pair<std::string, float>> f32s;
};

// Metadata-only file (plus an optional rope_freqs tensor): enough for the config.
std::vector<uint8_t> make(const Meta& m) {
  Builder g;
  int n_kv = 8 + (m.eps ? 1 : 0) + (m.scaling.empty() ? 0 : 1) + (m.jinja.empty() ? 0 : 1) +
             int(m.u32s.size() + m.f32s.size());
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
  for (const auto& [k, v] : m.u32s) g.kv_u32(m.arch + "." + k, v);
  for (const auto& [k, v] : m.f32s) g.kv_f32(m.arch + "." + k, v);
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
  EXPECT_EQ(c.max_context, 2048);  // default when the key is absent
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
  EXPECT_EQ(
      message(m),
      "unsupported: architecture 'gptneox' (InferPi runs llama, qwen2, qwen3 and gemma3 GGUFs)");
  m = Meta{};
  m.scaling = "yarn";
  EXPECT_EQ(message(m), "unsupported: rope scaling 'yarn' (InferPi does linear and Llama 3)");
  m.scaling = "none";
  EXPECT_EQ(message(m), "ok");
  m = Meta{};
  m.rope_freqs = true;  // Llama 3.1/3.2 scaling: run; in another family: refused
  EXPECT_EQ(message(m), "ok");
  m.arch = "qwen3";
  EXPECT_EQ(message(m), "unsupported: rope_freqs.weight in a qwen3 file");
  m = Meta{};
  m.eps = false;
  EXPECT_EQ(message(m), "missing metadata llama.attention.layer_norm_rms_epsilon");
  m = Meta{};
  m.arch = "qwen2";
  EXPECT_EQ(message(m), "qwen2 file without blk.0.attn_q.bias");
  m = Meta{};
  m.arch = "gemma3";
  m.f32s = {{"final_logit_softcapping", 30.0f}};
  EXPECT_EQ(message(m), "unsupported: gemma3 final logit softcapping 30");
}

TEST(GgufLlama, MenuLineNamesTheArchitectureOrWhyNot) {
  for (const char* arch : {"llama", "qwen2", "qwen3", "gemma3", "gptneox"}) {
    Meta m;
    m.arch = arch;
    std::vector<uint8_t> bytes = make(m);
    ModelSummary s;
    Status st = describe_model(bytes.data(), bytes.size(), bytes.size(), &s);
    EXPECT_STREQ(s.architecture, arch);
    if (std::string(arch) == "gptneox") {
      EXPECT_EQ(std::string(st.message()),
                "unsupported: architecture 'gptneox' (InferPi runs llama, qwen2, qwen3 and "
                "gemma3 GGUFs)");
    } else {
      EXPECT_TRUE(st) << arch << ": " << st.message();
    }
  }
}

TEST(GgufLlama, ReadsFamilySwitches) {
  LlamaConfig c;
  Meta m;  // Llama 3 with linear scaling keys
  m.scaling = "linear";
  m.f32s = {{"rope.scaling.factor", 8.0f}, {"rope.freq_base", 500000.0f}};
  ASSERT_TRUE(config_of(m, &c));
  EXPECT_FLOAT_EQ(c.rope_freq_scale, 0.125f);
  EXPECT_FLOAT_EQ(c.rope_theta, 500000.0f);
  EXPECT_FALSE(c.qk_norm);

  m = Meta{};  // Qwen3: q/k norms, NeoX pairing, head size from key_length (not D/H = 16)
  m.arch = "qwen3";
  m.u32s = {{"attention.key_length", 32}, {"attention.value_length", 32}};
  ASSERT_TRUE(config_of(m, &c));
  EXPECT_TRUE(c.qk_norm);
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_FALSE(c.post_norms);
  EXPECT_EQ(c.head_dim, 32);
  EXPECT_EQ(c.rope_pairing, RopePairing::HalfSplit);
  EXPECT_EQ(c.ffn_activation, FfnActivation::SiLU);

  m = Meta{};  // Gemma3: llama.cpp's fixed pattern (6), local base 10000, 1/sqrt(head_dim)
  m.arch = "gemma3";
  m.scaling = "linear";
  m.u32s = {{"attention.sliding_window", 512},
            {"attention.key_length", 32},
            {"attention.value_length", 32}};
  m.f32s = {{"rope.scaling.factor", 8.0f}, {"rope.freq_base", 1e6f}};
  ASSERT_TRUE(config_of(m, &c));
  EXPECT_TRUE(c.qk_norm && c.post_norms && c.scale_embeddings);
  EXPECT_EQ(c.ffn_activation, FfnActivation::GeluTanh);
  EXPECT_EQ(c.sliding_window, 512);
  EXPECT_EQ(c.sliding_pattern, 6);
  EXPECT_FLOAT_EQ(c.rope_theta_local, 10000.0f);
  EXPECT_FLOAT_EQ(c.rope_theta, 1e6f);
  EXPECT_FLOAT_EQ(c.rope_freq_scale, 0.125f);
  EXPECT_FLOAT_EQ(c.attn_scale, 1.0f / std::sqrt(32.0f));
  EXPECT_TRUE(c.tied_output);
  for (int l = 0; l < 12; l++) EXPECT_EQ(is_local_layer(c, l), l % 6 != 5) << l;
  m.u32s.push_back({"attention.sliding_window", 0});  // duplicate key: the parser refuses
  EXPECT_NE(message(m), "ok");
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
