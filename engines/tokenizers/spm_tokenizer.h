// SentencePiece-style BPE over a llama2.c tokenizer.bin (docs/formats.md §2 and "InferPi
// llama tokenizer.bin"): pieces with scores; encoding starts from UTF-8 characters (after
// the dummy-prefix space), repeatedly merges the adjacent pair whose concatenation is the
// highest-scoring piece (leftmost on ties), and spells characters that are not pieces as
// <0xHH> byte tokens. Same result as sentencepiece's BPE model with an identity normalizer.
// As llama.cpp: user-defined pieces are cut out of the text first (control ones too with
// encode_special), and every text fragment that starts the text or follows such a token gets
// the dummy-prefix space (when the vocabulary has one; Gemma's has not).
// The pieces stay in the loaded file; the index and scratch come from the arena.
#pragma once
#include <cstddef>
#include <cstdint>

#include "engines/core/tokenizer.h"
#include "engines/tokenizers/special_split.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

class SpmTokenizer : public SplittingTokenizer {
 public:
  // `vocab_size`, `bos_id`, `eos_id` come from the model header (llama2.c's file has no
  // count). Fails when the file has fewer or more tokens than vocab_size.
  Status load(const uint8_t* data, size_t size, int vocab_size, int bos_id, int eos_id,
              Arena& arena);

  size_t decode(int prev, int token, char* out, size_t cap) const override;
  int special_id(const char* text) const override;
  size_t token_text(int id, char* out, size_t cap) const override;

  // Piece text of a token (raw bytes from the file, U+2581 already turned into spaces).
  const char* piece(int id, size_t* len) const;
  uint8_t piece_type(int id) const { return types_[id]; }

 private:
  struct Symbol {  // a run of the working text: [start, start + len)
    int start, len, prev, next;
  };
  struct Candidate {  // adjacent pair (left, left.next) whose concatenation is a piece
    float score;
    int left, len_left, len_right;
  };
  static constexpr int kSegment = 16384;  // bytes encoded at once (text is split at spaces)

  int lookup(const char* s, size_t len) const;  // matchable piece id or -1
  Status encode_segment(const char* text, size_t len, bool prefix, int* out, int cap,
                        int* count) const;
  Status encode_text(const char* text, size_t len, bool prefix, int* out, int cap,
                     int* count) const;
  Status encode_split(const SpecialSplitter& splitter, const char* text, size_t len, int* out,
                      int cap, int* count) const override;
  void push_candidate(int left) const;

  int unk_id_ = 0;
  bool add_dummy_prefix_ = true;
  bool split_at_spaces_ = true;     // no piece has a space after its first byte
  bool split_at_words_ = true;      // no piece has a space right after a non-space (Gemma)
  const uint8_t** text_ = nullptr;  // per id: the piece bytes (in the file)
  uint32_t* len_ = nullptr;
  float* score_ = nullptr;
  uint8_t* types_ = nullptr;
  int* sorted_ = nullptr;  // matchable ids sorted by bytes
  int n_sorted_ = 0;
  int byte_id_[256] = {};
  int* added_ = nullptr;     // user-defined pieces, longest first
  int* specials_ = nullptr;  // user-defined, control and unknown pieces, longest first
  // Encoding scratch (encode is const but not reentrant).
  char* work_ = nullptr;
  Symbol* symbols_ = nullptr;
  Candidate* heap_ = nullptr;
  mutable int heap_size_ = 0;
};

}  // namespace inferpi
