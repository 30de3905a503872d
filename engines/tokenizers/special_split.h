// Cuts special tokens out of text before the normal tokenizer runs, as llama.cpp's
// tokenizer_st_partition does (src/llama-vocab.cpp): candidates are tried longest first, each
// over the whole text, at every place no earlier (longer) candidate took; what is left is
// plain text, encoded fragment by fragment. Which tokens are candidates is the caller's:
// llama.cpp always cuts out user-defined tokens, and control/unknown ones only with
// parse_special (a rendered chat template; never typed text).
#pragma once
#include <cstddef>
#include <cstdint>

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

}  // namespace inferpi
