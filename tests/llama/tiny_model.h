// In-memory tiny Llama model files for unit tests: our model.bin v1, llama2.c v0 and an SPM
// tokenizer.bin, built byte by byte from docs/formats.md so tests can corrupt them freely.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace inferpi::test {

struct TinySpec {
  int dim = 8, hidden = 16, layers = 2, heads = 2, kv_heads = 1, head_dim = 4;
  int vocab = 264, context = 64;
  bool tied = false, bias = false;
  uint32_t chat_template = 1;  // alpaca
  uint32_t seed = 1;
};

inline void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; i++) b.push_back(uint8_t(v >> (8 * i)));
}
inline void put64(std::vector<uint8_t>& b, uint64_t v) {
  for (int i = 0; i < 8; i++) b.push_back(uint8_t(v >> (8 * i)));
}
inline void putf(std::vector<uint8_t>& b, float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  put32(b, u);
}
inline void set32(std::vector<uint8_t>& b, size_t off, uint32_t v) { memcpy(&b[off], &v, 4); }
inline void set64(std::vector<uint8_t>& b, size_t off, uint64_t v) { memcpy(&b[off], &v, 8); }

struct Lcg {
  uint32_t s;
  float next() {
    s = s * 1664525u + 1013904223u;
    return float(int32_t(s >> 8) - (1 << 23)) / float(1 << 23) * 0.5f;
  }
};

struct TensorPlan {
  std::string name;
  int rows, cols;
  bool norm;
};

inline std::vector<TensorPlan> tiny_plan(const TinySpec& s) {
  const int q = s.heads * s.head_dim, kv = s.kv_heads * s.head_dim;
  std::vector<TensorPlan> p{{"token_embd.weight", s.vocab, s.dim, false}};
  for (int l = 0; l < s.layers; l++) {
    std::string b = "blk." + std::to_string(l) + ".";
    p.push_back({b + "attn_norm.weight", 1, s.dim, true});
    p.push_back({b + "attn_q.weight", q, s.dim, false});
    p.push_back({b + "attn_k.weight", kv, s.dim, false});
    p.push_back({b + "attn_v.weight", kv, s.dim, false});
    if (s.bias) {
      p.push_back({b + "attn_q.bias", 1, q, false});
      p.push_back({b + "attn_k.bias", 1, kv, false});
      p.push_back({b + "attn_v.bias", 1, kv, false});
    }
    p.push_back({b + "attn_output.weight", s.dim, q, false});
    p.push_back({b + "ffn_norm.weight", 1, s.dim, true});
    p.push_back({b + "ffn_gate.weight", s.hidden, s.dim, false});
    p.push_back({b + "ffn_up.weight", s.hidden, s.dim, false});
    p.push_back({b + "ffn_down.weight", s.dim, s.hidden, false});
  }
  p.push_back({"output_norm.weight", 1, s.dim, true});
  if (!s.tied) p.push_back({"output.weight", s.vocab, s.dim, false});
  return p;
}

// Offsets of the header fields we corrupt in tests (docs/formats.md).
constexpr size_t kOffDim = 16, kOffLayers = 24, kOffHeads = 28, kOffKvHeads = 32,
                 kOffHeadDim = 36, kOffVocab = 40, kOffFileSize = 120, kTable = 256;

inline std::vector<uint8_t> make_model_bin(const TinySpec& s) {
  std::vector<TensorPlan> plan = tiny_plan(s);
  std::vector<uint8_t> b;
  b.insert(b.end(), {'I', 'P', 'L', 'M'});
  put32(b, 1);
  put32(b, 256);
  put32(b, s.bias ? 2 : 1);
  for (int v : {s.dim, s.hidden, s.layers, s.heads, s.kv_heads, s.head_dim, s.vocab, s.context})
    put32(b, uint32_t(v));
  putf(b, 10000.0f);
  putf(b, 1e-5f);
  put32(b, s.bias ? 1 : 0);
  put32(b, (s.tied ? 1 : 0) | (s.bias ? 2 : 0) | 4);
  for (int v : {1, 2, 2, -1, -1, -1}) put32(b, uint32_t(v));  // bos, eos, stops
  put32(b, 1);  // SPM
  put32(b, s.chat_template);
  put32(b, uint32_t(plan.size()));
  put32(b, 64);
  size_t data = (256 + 64 * plan.size() + 63) / 64 * 64;
  put64(b, 256);
  put64(b, data);
  put64(b, 0);  // file size, set below
  b.resize(256, 0);
  size_t off = data;
  for (const TensorPlan& t : plan) {
    char name[32] = {};
    memcpy(name, t.name.data(), t.name.size());
    b.insert(b.end(), name, name + 32);
    put32(b, 0);  // f32
    put32(b, uint32_t(t.rows));
    put32(b, uint32_t(t.cols));
    put32(b, 0);
    put64(b, off);
    put64(b, uint64_t(t.rows) * uint64_t(t.cols) * 4);
    off = (off + size_t(t.rows) * size_t(t.cols) * 4 + 63) / 64 * 64;
  }
  Lcg rng{s.seed};
  for (const TensorPlan& t : plan) {
    b.resize((b.size() + 63) / 64 * 64, 0);
    for (int i = 0; i < t.rows * t.cols; i++) putf(b, t.norm ? 1.0f + rng.next() * 0.2f : rng.next());
  }
  set64(b, kOffFileSize, b.size());
  return b;
}

// llama2.c v0: 7 int32 + fp32 arrays (docs/formats.md §1.2). Needs heads*head_dim == dim.
inline std::vector<uint8_t> make_llama2c_v0(const TinySpec& s) {
  std::vector<uint8_t> b;
  for (int v : {s.dim, s.hidden, s.layers, s.heads, s.kv_heads, s.tied ? s.vocab : -s.vocab,
                s.context})
    put32(b, uint32_t(v));
  const int kv = s.kv_heads * s.head_dim;
  size_t floats = size_t(s.vocab) * s.dim +
                  size_t(s.layers) * (2 * s.dim + 2 * s.dim * s.dim + 2 * s.dim * kv +
                                      3 * s.dim * s.hidden) +
                  s.dim + size_t(s.context) * s.head_dim + (s.tied ? 0 : size_t(s.vocab) * s.dim);
  Lcg rng{s.seed};
  for (size_t i = 0; i < floats; i++) putf(b, rng.next());
  return b;
}

// SPM tokenizer.bin: <unk> <s> </s>, 256 byte pieces, then " ", "a".."z" style pieces and
// fillers up to `vocab`; `entries` overrides how many entries are written.
inline std::vector<uint8_t> make_spm_tokenizer(int vocab, bool trailer = true, int entries = -1,
                                               std::vector<std::string> extra = {}) {
  std::vector<std::string> pieces = {"<unk>", "<s>", "</s>"};
  for (int i = 0; i < 256; i++) {
    char hex[8];
    snprintf(hex, sizeof(hex), "<0x%02X>", i);
    pieces.push_back(hex);
  }
  for (const char* p : {" ", " a", "a", "b", " b", "ab"}) pieces.push_back(p);
  for (const std::string& p : extra) pieces.push_back(p);
  while (int(pieces.size()) < vocab) pieces.push_back("<unused" + std::to_string(pieces.size()) + ">");
  pieces.resize(size_t(vocab));
  if (entries < 0) entries = vocab;
  std::vector<uint8_t> b;
  put32(b, 16);
  std::vector<uint8_t> types;
  for (int i = 0; i < entries; i++) {
    const std::string& p = i < vocab ? pieces[size_t(i)] : std::string("x");
    putf(b, p.rfind("<unused", 0) == 0 ? -1e9f : -float(i));
    put32(b, uint32_t(p.size()));
    b.insert(b.end(), p.begin(), p.end());
    types.push_back(i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1);
  }
  if (trailer) {
    b.insert(b.end(), {'I', 'P', 'T', 'X'});
    put32(b, 1);
    put32(b, uint32_t(entries));
    put32(b, 1);
    b.insert(b.end(), types.begin(), types.end());
  }
  return b;
}

}  // namespace inferpi::test
