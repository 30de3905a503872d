// Cuts special tokens out of text before the normal tokenizer runs, as llama.cpp's
// tokenizer_st_partition does (src/llama-vocab.cpp): candidates are tried longest first, each
// over the whole text, at every place no earlier (longer) candidate took; what is left is
// plain text, encoded fragment by fragment. Which tokens are candidates is the caller's:
// llama.cpp always cuts out user-defined tokens, and control/unknown ones only with
// parse_special (a rendered chat template; never typed text).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "engines/core/tokenizer.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

class SpecialSplitter {
 public:
  // Texts longer than this are scanned leftmost-longest instead (equal results unless two
  // candidates overlap in the text).
  static constexpr size_t kWindow = 65536;

  // Bytes of token `id` at text[pos..] (0 = no match). Tokenizers store pieces differently
  // (SentencePiece spaces are U+2581 in the text), so they match.
  using MatchFn = size_t (*)(const void* ctx, int id, const char* text, size_t len, size_t pos);
  // Called for every piece in order: a run of plain text (id < 0) or a special token.
  using EmitFn = Status (*)(void* ctx, int id, const char* text, size_t len);

  // `ids` sorted by token length, longest first (ties by id); kept by reference.
  Status init(const int* ids, int n, Arena& arena);
  bool empty() const { return n_ == 0; }

  Status split(const char* text, size_t len, MatchFn match, const void* match_ctx, EmitFn emit,
               void* emit_ctx) const;
  // The same with callables: match(id, text, len, pos) -> size_t, emit(id, text, len) -> Status.
  template <typename Match, typename Emit>
  Status split(const char* text, size_t len, const Match& match, Emit& emit) const {
    auto call_match = [](const void* m, int id, const char* t, size_t n, size_t pos) -> size_t {
      return (*static_cast<const Match*>(m))(id, t, n, pos);
    };
    auto call_emit = [](void* e, int id, const char* t, size_t n) -> Status {
      return (*static_cast<Emit*>(e))(id, t, n);
    };
    return split(text, len, call_match, &match, call_emit, &emit);
  }

 private:
  const int* ids_ = nullptr;
  int n_ = 0;
  int32_t* owner_ = nullptr;  // per text byte: -1 free, -2 inside a match, else the id
};

// Appends token `id` to out[*count] (capacity cap): the emit step every tokenizer shares.
inline Status push_token(int id, int* out, int cap, int* count) {
  if (*count >= cap) return Status::error("tokenizer: more than %d tokens", cap);
  out[(*count)++] = id;
  return Status::ok();
}

// The vocabulary tokenizers (byte-level BPE and SentencePiece): both cut added tokens out of
// the text first and hold the model's vocabulary size and BOS/EOS ids.
class SplittingTokenizer : public Tokenizer {
 public:
  // Token types as SentencePiece's tokenizer.model and GGUF's tokenizer.ggml.token_type number
  // them; stored per token in our tokenizer.bin files.
  enum TokenType : uint8_t {
    kNormal = 1,
    kUnknown = 2,
    kControl = 3,
    kUserDefined = 4,
    kUnused = 5,  // never produced and never matched in text (GGUF unused/padding tokens)
    kByte = 6
  };

  int vocab_size() const final { return vocab_size_; }
  int bos_id() const final { return bos_; }
  int eos_id() const final { return eos_; }
  // encode cuts out user-defined tokens only; encode_special also control (and unknown) ones.
  Status encode(const char* text, size_t len, int* out, int cap, int* count) const final {
    return encode_split(added_splitter_, text, len, out, cap, count);
  }
  Status encode_special(const char* text, size_t len, int* out, int cap, int* count) const final {
    return encode_split(special_splitter_, text, len, out, cap, count);
  }

 protected:
  // Encodes `text` with `splitter` cutting out its tokens; the fragments between them are
  // the tokenizer's plain text.
  virtual Status encode_split(const SpecialSplitter& splitter, const char* text, size_t len,
                              int* out, int cap, int* count) const = 0;

  // Sorts both id lists longest first (ties by id; `length(id)` is a token's matched length)
  // and builds the two splitters over them (kept by reference).
  template <typename Length>
  Status init_splitters(int* added, int n_added, int* specials, int n_specials,
                        const Length& length, Arena& arena) {
    auto longest_first = [&](int a, int b) {
      return length(a) > length(b) || (length(a) == length(b) && a < b);
    };
    std::sort(added, added + n_added, longest_first);
    std::sort(specials, specials + n_specials, longest_first);
    INFERPI_TRY(added_splitter_.init(added, n_added, arena));
    return special_splitter_.init(specials, n_specials, arena);
  }

  int vocab_size_ = 0;
  int bos_ = -1, eos_ = -1;

 private:
  SpecialSplitter added_splitter_, special_splitter_;
};

}  // namespace inferpi
