#include "engines/tokenizers/special_split.h"

namespace inferpi {

Status SpecialSplitter::init(const int* ids, int n, Arena& arena) {
  ids_ = ids;
  n_ = n;
  owner_ = nullptr;
  if (n_ == 0) return Status::ok();
  owner_ = arena.alloc_array<int32_t>(kWindow);
  if (!owner_) return Status::error("out of memory for the special-token scanner");
  return Status::ok();
}

Status SpecialSplitter::split(const char* text, size_t len, MatchFn match, const void* match_ctx,
                              EmitFn emit, void* emit_ctx) const {
  if (n_ == 0 || len == 0) return len ? emit(emit_ctx, -1, text, len) : Status::ok();
  if (len > kWindow) {
    // Leftmost-longest: at each position the longest candidate that matches.
    size_t start = 0, pos = 0;
    while (pos < len) {
      size_t best = 0;
      int best_id = -1;
      for (int i = 0; i < n_ && best == 0; i++) {  // ids are longest first
        best = match(match_ctx, ids_[i], text, len, pos);
        best_id = ids_[i];
      }
      if (best == 0) {
        pos++;
        continue;
      }
      if (pos > start) INFERPI_TRY(emit(emit_ctx, -1, text + start, pos - start));
      INFERPI_TRY(emit(emit_ctx, best_id, text + pos, best));
      pos += best;
      start = pos;
    }
    return start < len ? emit(emit_ctx, -1, text + start, len - start) : Status::ok();
  }
  // llama.cpp's order: each candidate (longest first) over the whole text, taking every
  // non-overlapping occurrence that lies in text no longer candidate has taken.
  for (size_t i = 0; i < len; i++) owner_[i] = -1;
  for (int k = 0; k < n_; k++) {
    const int id = ids_[k];
    for (size_t pos = 0; pos < len;) {
      if (owner_[pos] != -1) {
        pos++;
        continue;
      }
      size_t n = match(match_ctx, id, text, len, pos);
      bool free = n > 0;
      for (size_t j = 1; free && j < n; j++) free = owner_[pos + j] == -1;
      if (!free) {
        pos++;
        continue;
      }
      owner_[pos] = id;
      for (size_t j = 1; j < n; j++) owner_[pos + j] = -2;
      pos += n;
    }
  }
  size_t start = 0;
  for (size_t pos = 0; pos < len;) {
    if (owner_[pos] < 0) {
      pos++;
      continue;
    }
    if (pos > start) INFERPI_TRY(emit(emit_ctx, -1, text + start, pos - start));
    size_t end = pos + 1;
    while (end < len && owner_[end] == -2) end++;
    INFERPI_TRY(emit(emit_ctx, owner_[pos], text + pos, end - pos));
    pos = start = end;
  }
  return start < len ? emit(emit_ctx, -1, text + start, len - start) : Status::ok();
}

}  // namespace inferpi
