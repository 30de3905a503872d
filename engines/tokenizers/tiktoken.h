// TiktokenTokenizer: byte-level BPE by merge rank, encoding exactly as OpenAI's tiktoken
// (what nanochat uses at inference): the text is pre-split by a regex, each piece's UTF-8
// bytes are merged pairwise by lowest rank, ids are the ranks of the final parts.
// Loaded from tokenizer.bin (docs/formats.md, "GPT2 (nanochat)"); the split regex is
// nanochat's, implemented by hand in split_nanochat() (no regex engine).
#pragma once
#include <cstddef>
#include <cstdint>

#include "engines/core/byte_index.h"
#include "engines/core/tokenizer.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

// Returns the end (byte offset) of the piece starting at `pos`, as tiktoken's regex
//   '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|
//   \s*[\r\n]|\s+(?!\S)|\s+
// would match it. Always > pos for pos < len (the pieces tile the text). Invalid UTF-8
// bytes count as one non-letter, non-number, non-space character each.
size_t split_nanochat(const char* text, size_t len, size_t pos);

class TiktokenTokenizer final : public Tokenizer {
 public:
  static constexpr uint32_t kMagic = 0x4E43544B;  // "NCTK"
  static constexpr uint32_t kVersion = 1;
  static constexpr uint32_t kSplitNanochat = 1;
  static constexpr size_t kMaxPieceBytes = 1 << 16;  // BPE scratch; longer pieces fail

  // Parses tokenizer.bin (bounds-checked); token bytes stay in `data` (not copied).
  Status load(const uint8_t* data, size_t size, Arena& arena);

  int vocab_size() const override { return vocab_size_; }
  // tiktoken encode_ordinary: special-token text is plain text.
  Status encode(const char* text, size_t len, int* out, int cap, int* count) const override;
  // tiktoken encode(allowed_special="all"): special-token text becomes its id. For
  // rendering templates only; never for what a user typed.
  Status encode_with_specials(const char* text, size_t len, int* out, int cap, int* count) const;
  size_t decode(int prev, int token, char* out, size_t cap) const override;
  int special_id(const char* text) const override;
  int bos_id() const override { return bos_; }
  // nanochat ends an assistant turn with <|assistant_end|> (and a document with <|bos|>).
  int eos_id() const override { return assistant_end_; }

  // Rank of a byte string, or -1 when it is not a token.
  int rank_of(const uint8_t* bytes, size_t len) const;
  bool is_special(int id) const { return id >= n_ranks_ && id < vocab_size_; }

 private:
  struct Token {
    const uint8_t* bytes;
    uint32_t len;
  };
  struct Part {
    uint32_t start;
    int32_t rank;  // rank of bytes [start, start of the part after next), or INT32_MAX
  };
  Status encode_piece(const uint8_t* p, size_t n, int* out, int cap, int* count) const;
  Status encode_ordinary_into(const char* text, size_t len, int* out, int cap, int* count) const;

  int vocab_size_ = 0;
  int n_ranks_ = 0;
  int n_specials_ = 0;
  Token* tokens_ = nullptr;        // [vocab_size_]; specials hold their names
  ByteIndex rank_index_;           // token bytes -> rank
  mutable Part* parts_ = nullptr;  // BPE scratch [kMaxPieceBytes + 1]
  int bos_ = -1;
  int assistant_end_ = -1;
};

}  // namespace inferpi
