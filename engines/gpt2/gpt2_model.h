// model.bin for the GPT2 engine (nanochat checkpoints), written by tools/export_gpt2.py.
// Every architecture choice is an explicit header field or flag, so the engine never
// guesses which nanochat era a checkpoint comes from (docs/nanochat.md §7.5).
// Byte layout: docs/formats.md, "GPT2 (nanochat)". All integers little-endian.
#pragma once
#include <cstddef>
#include <cstdint>

#include "engines/core/tensor.h"
#include "runtime/core/status.h"

namespace inferpi::gpt2 {

constexpr uint32_t kMagic = 0x4E434854;  // "NCHT"
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 256;
constexpr size_t kLayerEntryBytes = 16;
constexpr size_t kTensorEntryBytes = 96;
constexpr int kMaxLayers = 256;

enum Flags : uint32_t {
  kFlagLambdas = 1u << 0,      // resid_lambdas / x0_lambdas
  kFlagValueEmbeds = 1u << 1,  // value_embeds.{i} + ve_gate on layers with kLayerHasVe
  kFlagSmear = 1u << 2,        // smear_gate / smear_lambda
  kFlagBackout = 1u << 3,      // backout_lambda after layer backout_layer
  kFlagQkNorm = 1u << 4,       // RMSNorm of q and k per head
  kFlagRopeNeg = 1u << 5,      // nanochat's -theta rotation (the only one we accept)
  kFlagChat = 1u << 6,         // chat (SFT/RL) checkpoint; otherwise completion mode
};
enum LayerFlags : uint32_t { kLayerHasVe = 1u << 0 };

struct Config {
  uint32_t variant;  // 0..4 = V0..V4 of docs/nanochat.md §7.5 (informational)
  int vocab_size, padded_vocab, n_layer, n_head, n_kv_head, dim, head_dim, hidden, seq_len;
  uint32_t flags;
  float rope_base, qk_scale, softcap, norm_eps, ve_gate_scale;
  int ve_gate_channels, smear_gate_channels, backout_layer;
  uint32_t matrix_dtype;   // type of the big matrices (for the menu)
  int max_positions;       // nanochat's RoPE table length (10 x sequence_len)
  int window[kMaxLayers];  // left window per layer; 0 = plain causal (no window)
  bool has_ve[kMaxLayers];
};

// A bounds-checked view of a loaded model.bin: header, layer table, tensor table.
class ModelFile {
 public:
  // Checks magic, version, sizes, and that every table and tensor lies inside the file.
  Status open(const uint8_t* data, size_t size);
  // Checks the fixed header alone (first kHeaderBytes) for the model menu.
  static Status read_config(const uint8_t* data, size_t size, Config* out, uint64_t* n_tensors);
  const Config& config() const { return config_; }
  // The tensor called `name` with exactly rows x cols elements, or an error naming it.
  Status tensor(const char* name, int64_t rows, int64_t cols, Tensor* out) const;
  uint64_t weight_bytes() const { return weight_bytes_; }
  uint64_t n_params() const { return n_params_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  Config config_{};
  uint64_t n_tensors_ = 0, table_offset_ = 0;
  uint64_t weight_bytes_ = 0, n_params_ = 0;
};

}  // namespace inferpi::gpt2
