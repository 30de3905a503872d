// Byte-level BPE as HuggingFace `tokenizers` runs it for GPT-2-style models (SmolLM2,
// Qwen2.5, Llama-3, Supra): split the text into pieces with the model family's
// pre-tokenizer regex (hand-coded here, see split_*), spell each piece as its UTF-8 bytes,
// then repeatedly merge the adjacent pair with the lowest merge rank (leftmost on ties).
// Token texts are stored as raw bytes (the exporter undoes GPT-2's byte->unicode map).
// Added tokens are cut out of the text before splitting (engines/tokenizers/special_split.h):
// user-defined ones always, control ones only by encode_special (rendered templates), as
// llama.cpp's parse_special.
// File format: tokenizer.bin "IPBT" (docs/formats.md, "InferPi BPE tokenizer.bin").
#pragma once
#include <cstddef>
#include <cstdint>

#include "engines/core/byte_index.h"
#include "engines/core/tokenizer.h"
#include "engines/tokenizers/special_split.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

// Pre-tokenizer regexes (docs/formats.md §6.11). Each returns the end of the piece that
// starts at `pos` (> pos for pos < len), as the regex's leftmost-alternative match would.
enum class PreTokenizer : uint32_t { Gpt2 = 1, Qwen2 = 2, Llama3 = 3, SmolLM = 4 };
size_t split_gpt2(const char* text, size_t len, size_t pos);
size_t split_qwen2(const char* text, size_t len, size_t pos, int max_digits);

class BpeTokenizer final : public SplittingTokenizer {
 public:
  static constexpr uint32_t kVersion = 1;
  static constexpr size_t kHeaderSize = 64;
  static constexpr size_t kMaxPieceBytes = 4096;  // longer pieces are encoded in slices

  // Parses tokenizer.bin; token bytes stay in `data`. `vocab_size` is the model's.
  Status load(const uint8_t* data, size_t size, int vocab_size, Arena& arena);

  size_t decode(int prev, int token, char* out, size_t cap) const override;
  int special_id(const char* text) const override;
  size_t token_text(int id, char* out, size_t cap) const override;
  PreTokenizer pre_tokenizer() const { return pre_; }

 private:
  struct Token {
    const uint8_t* bytes;
    uint32_t len;
    uint8_t type;
  };
  struct Merge {  // hash-table slot: pair (left, right) -> rank and result
    int32_t left, right, result, rank;
  };
  int find_token(const uint8_t* bytes, size_t len) const;  // -1 if none
  const Merge* find_merge(int left, int right) const;
  Status encode_piece(const uint8_t* p, size_t n, int* out, int cap, int* count) const;
  Status encode_plain(const char* text, size_t len, int* out, int cap, int* count) const;
  Status encode_split(const SpecialSplitter& splitter, const char* text, size_t len, int* out,
                      int cap, int* count) const override;

  PreTokenizer pre_ = PreTokenizer::Gpt2;
  bool ignore_merges_ = false;
  Token* tokens_ = nullptr;
  int byte_token_[256] = {};
  ByteIndex token_index_;    // token bytes -> id
  Merge* merges_ = nullptr;  // open addressing over pairs, left = -1 when empty
  uint32_t merge_mask_ = 0;
  int* added_ = nullptr;  // user-defined tokens, longest first
  int n_added_ = 0;
  int* specials_ = nullptr;  // control + user-defined tokens, longest first
  int n_specials_ = 0;
  mutable int* symbols_ = nullptr;  // BPE scratch [kMaxPieceBytes]
};

}  // namespace inferpi
