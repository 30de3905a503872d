#include "engines/tokenizers/spm_tokenizer.h"

#include <algorithm>
#include <cstring>

#include "runtime/core/kstring.h"

namespace inferpi {

static int compare_bytes(const uint8_t* a, size_t la, const uint8_t* b, size_t lb) {
  int c = memcmp(a, b, la < lb ? la : lb);
  if (c) return c;
  return la < lb ? -1 : (la > lb ? 1 : 0);
}

static bool is_byte_piece(const uint8_t* s, size_t len, int* value) {
  auto hex = [](uint8_t c) {
    return c >= '0' && c <= '9' ? c - '0' : (c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1);
  };
  if (len != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return false;
  int hi = hex(s[3]), lo = hex(s[4]);
  if (hi < 0 || lo < 0) return false;
  *value = hi * 16 + lo;
  return true;
}

Status SpmTokenizer::load(const uint8_t* data, size_t size, int vocab_size, int bos_id, int eos_id,
                          Arena& arena) {
  if (vocab_size <= 0 || vocab_size > (1 << 24)) {
    return Status::error("tokenizer.bin: bad vocab size %d", vocab_size);
  }
  vocab_size_ = vocab_size;
  bos_ = bos_id < vocab_size ? bos_id : -1;
  eos_ = eos_id < vocab_size ? eos_id : -1;
  const size_t V = size_t(vocab_size);
  text_ = arena.alloc_array<const uint8_t*>(V);
  len_ = arena.alloc_array<uint32_t>(V);
  score_ = arena.alloc_array<float>(V);
  types_ = arena.alloc_array<uint8_t>(V);
  sorted_ = arena.alloc_array<int>(V);
  work_ = arena.alloc_array<char>(kSegment + 8);
  symbols_ = arena.alloc_array<Symbol>(kSegment + 8);
  heap_ = arena.alloc_array<Candidate>(3 * size_t(kSegment) + 16);
  if (!text_ || !len_ || !score_ || !types_ || !sorted_ || !work_ || !symbols_ || !heap_) {
    return Status::error("tokenizer.bin: out of memory for %d tokens", vocab_size);
  }

  if (size < 4) return Status::error("tokenizer.bin: too short (%zu bytes)", size);
  size_t pos = 4;  // uint32 max_token_length: not needed (we check each length instead)
  for (size_t i = 0; i < V; i++) {
    if (size - pos < 8) {
      return Status::error(
          "tokenizer.bin: ends at token %zu but the model has %d tokens "
          "(truncated file or vocab mismatch)",
          i, vocab_size);
    }
    memcpy(&score_[i], data + pos, 4);
    uint32_t n = load_le32(data + pos + 4);
    pos += 8;
    if (n > size - pos) {
      return Status::error("tokenizer.bin: token %zu has length %u, past the end of the file", i,
                           n);
    }
    text_[i] = data + pos;
    len_[i] = n;
    pos += n;
  }
  // Optional InferPi trailer: "IPTX", version, n_tokens, flags, then n_tokens type bytes.
  add_dummy_prefix_ = true;
  if (pos == size) {
    for (size_t i = 0; i < V; i++) {
      int b;
      bool control = int(i) == bos_ || int(i) == eos_;
      types_[i] = is_byte_piece(text_[i], len_[i], &b)                  ? kByte
                  : control                                             ? kControl
                  : (len_[i] == 5 && memcmp(text_[i], "<unk>", 5) == 0) ? kUnknown
                                                                        : kNormal;
    }
  } else {
    size_t rest = size - pos;
    if (rest < 16 || memcmp(data + pos, "IPTX", 4) != 0) {
      return Status::error(
          "tokenizer.bin: %zu unexpected bytes after the %d tokens the model "
          "declares (vocab size mismatch?)",
          rest, vocab_size);
    }
    uint32_t version = load_le32(data + pos + 4), n = load_le32(data + pos + 8);
    uint32_t flags = load_le32(data + pos + 12);
    if (version != 1) return Status::error("tokenizer.bin: unknown trailer version %u", version);
    if (n != V || rest != 16 + V) {
      return Status::error(
          "tokenizer.bin: trailer describes %u tokens in %zu bytes, model has "
          "%d tokens (vocab size mismatch)",
          n, rest, vocab_size);
    }
    memcpy(types_, data + pos + 16, V);
    add_dummy_prefix_ = flags & 1;
  }

  for (int& b : byte_id_) b = -1;
  unk_id_ = -1;
  n_sorted_ = 0;
  split_at_spaces_ = split_at_words_ = true;
  for (size_t i = 0; i < V; i++) {
    int b;
    if (types_[i] == kByte && is_byte_piece(text_[i], len_[i], &b) && byte_id_[b] < 0) {
      byte_id_[b] = int(i);
    }
    if (types_[i] == kUnknown && unk_id_ < 0) unk_id_ = int(i);
    if (types_[i] == kNormal || types_[i] == kUserDefined) {
      sorted_[n_sorted_++] = int(i);
      if (len_[i] > 1 && memchr(text_[i] + 1, ' ', len_[i] - 1)) split_at_spaces_ = false;
      for (uint32_t k = 1; k < len_[i]; k++) {
        if (text_[i][k] == ' ' && text_[i][k - 1] != ' ') split_at_words_ = false;
      }
    }
  }
  std::sort(sorted_, sorted_ + n_sorted_, [this](int a, int b) {
    int c = compare_bytes(text_[a], len_[a], text_[b], len_[b]);
    return c < 0 || (c == 0 && a < b);
  });
  int n_added = 0, n_specials = 0;
  added_ = arena.alloc_array<int>(V);
  specials_ = arena.alloc_array<int>(V);
  if (!added_ || !specials_) return Status::error("tokenizer.bin: out of memory");
  for (size_t i = 0; i < V; i++) {
    if (len_[i] == 0) continue;
    uint8_t t = types_[i];
    if (t == kUserDefined) added_[n_added++] = int(i);
    if (t == kUserDefined || t == kControl || t == kUnknown) specials_[n_specials++] = int(i);
  }
  return init_splitters(
      added_, n_added, specials_, n_specials, [this](int id) { return len_[id]; }, arena);
}

int SpmTokenizer::lookup(const char* s, size_t len) const {
  const uint8_t* key = reinterpret_cast<const uint8_t*>(s);
  int lo = 0, hi = n_sorted_;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    int id = sorted_[mid];
    if (compare_bytes(text_[id], len_[id], key, len) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < n_sorted_) {
    int id = sorted_[lo];
    if (compare_bytes(text_[id], len_[id], key, len) == 0) return id;
  }
  return -1;
}

// Candidates form a max-heap on (score, then leftmost start), as sentencepiece's agenda.
void SpmTokenizer::push_candidate(int left) const {
  const Symbol& l = symbols_[left];
  if (l.next < 0) return;
  const Symbol& r = symbols_[l.next];
  int id = lookup(work_ + l.start, size_t(l.len + r.len));
  if (id < 0) return;
  Candidate c{score_[id], left, l.len, r.len};
  // Sift up.
  int i = heap_size_++;
  while (i > 0) {
    int parent = (i - 1) / 2;
    const Candidate& p = heap_[parent];
    bool better = c.score > p.score ||
                  (c.score == p.score && symbols_[c.left].start < symbols_[p.left].start);
    if (!better) break;
    heap_[i] = p;
    i = parent;
  }
  heap_[i] = c;
}

Status SpmTokenizer::encode_segment(const char* text, size_t len, bool prefix, int* out, int cap,
                                    int* count) const {
  // Working text: optional dummy-prefix space, then the segment.
  size_t n_bytes = 0;
  if (prefix) work_[n_bytes++] = ' ';
  // A literal U+2581 (▁) in the input is the same symbol as an escaped space for
  // SentencePiece and llama.cpp (pieces store it as a space here).
  for (size_t i = 0; i < len; i++) {
    if (i + 2 < len && memcmp(text + i, "\xe2\x96\x81", 3) == 0) {
      work_[n_bytes++] = ' ';
      i += 2;
    } else {
      work_[n_bytes++] = text[i];
    }
  }
  // One symbol per UTF-8 character (a lead byte and its continuation bytes, at most 4).
  int n_sym = 0;
  for (size_t i = 0; i < n_bytes;) {
    size_t j = i + 1;
    while (j < n_bytes && j - i < 4 && (uint8_t(work_[j]) & 0xC0) == 0x80) j++;
    symbols_[n_sym] = Symbol{int(i), int(j - i), n_sym - 1, n_sym + 1};
    n_sym++;
    i = j;
  }
  if (n_sym == 0) {
    *count = 0;
    return Status::ok();
  }
  symbols_[n_sym - 1].next = -1;
  heap_size_ = 0;
  for (int i = 0; i + 1 < n_sym; i++) push_candidate(i);
  // Merge the best pair until none is left; stale entries (a side changed) are skipped.
  while (heap_size_ > 0) {
    Candidate top = heap_[0];
    Candidate last = heap_[--heap_size_];
    int i = 0;  // sift `last` down from the root
    while (true) {
      int child = 2 * i + 1;
      if (child >= heap_size_) break;
      auto better = [this](const Candidate& a, const Candidate& b) {
        return a.score > b.score ||
               (a.score == b.score && symbols_[a.left].start < symbols_[b.left].start);
      };
      if (child + 1 < heap_size_ && better(heap_[child + 1], heap_[child])) child++;
      if (!better(heap_[child], last)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    if (heap_size_ > 0) heap_[i] = last;
    Symbol& l = symbols_[top.left];
    if (l.len != top.len_left || l.next < 0 || symbols_[l.next].len != top.len_right) continue;
    Symbol& r = symbols_[l.next];
    l.len += r.len;
    r.len = 0;  // dead
    l.next = r.next;
    if (r.next >= 0) symbols_[r.next].prev = top.left;
    if (l.prev >= 0) push_candidate(l.prev);
    push_candidate(top.left);
  }
  int n = 0;
  for (int s = 0; s >= 0; s = symbols_[s].next) {
    const Symbol& sym = symbols_[s];
    int id = lookup(work_ + sym.start, size_t(sym.len));
    if (id >= 0) {
      INFERPI_TRY(push_token(id, out, cap, &n));
      continue;
    }
    for (int b = 0; b < sym.len; b++) {  // byte fallback
      int bid = byte_id_[uint8_t(work_[sym.start + b])];
      if (bid < 0) bid = unk_id_;
      if (bid < 0) return Status::error("tokenizer: no byte or <unk> token for a character");
      INFERPI_TRY(push_token(bid, out, cap, &n));
    }
  }
  *count = n;
  return Status::ok();
}

Status SpmTokenizer::encode_text(const char* text, size_t len, bool prefix, int* out, int cap,
                                 int* count) const {
  *count = 0;
  if (len == 0) return Status::ok();
  // Long texts are encoded in segments that end just before a space: no piece contains a
  // space after its first byte (checked at load), so no merge can cross such a boundary.
  size_t pos = 0;
  bool first = true;
  while (pos < len) {
    size_t end = len;
    size_t room = first && prefix ? kSegment - 1 : kSegment;
    if (len - pos > room) {
      if (!split_at_spaces_ && !split_at_words_) {
        return Status::error("tokenizer: text longer than %d bytes for this vocabulary", kSegment);
      }
      // Cut before a space no merge can cross: any space, or (vocabularies with runs of
      // spaces as pieces, like Gemma's) a space that follows a non-space character.
      auto space_before = [&](size_t p) {
        return text[p - 1] == ' ' || (p >= 3 && memcmp(text + p - 3, "\xe2\x96\x81", 3) == 0);
      };
      end = pos + room;
      while (end > pos && (text[end] != ' ' || (!split_at_spaces_ && space_before(end)))) end--;
      if (end == pos) {
        return Status::error("tokenizer: more than %d bytes without a space", kSegment);
      }
    }
    int n = 0;
    INFERPI_TRY(
        encode_segment(text + pos, end - pos, first && prefix, out + *count, cap - *count, &n));
    *count += n;
    pos = end;
    first = false;
  }
  return Status::ok();
}

Status SpmTokenizer::encode_split(const SpecialSplitter& splitter, const char* text, size_t len,
                                  int* out, int cap, int* count) const {
  *count = 0;
  bool prev_special = true;  // llama.cpp: the text after a token fragment gets the prefix space
  // Pieces store U+2581 as a space; in typed text a piece's space is the character U+2581.
  auto match = [this](int id, const char* t, size_t n, size_t pos) -> size_t {
    const uint8_t* p = text_[id];
    size_t q = pos;
    for (uint32_t i = 0; i < len_[id]; i++) {
      if (p[i] == ' ') {
        if (n - q < 3 || memcmp(t + q, "\xe2\x96\x81", 3) != 0) return 0;
        q += 3;
      } else {
        if (q >= n || uint8_t(t[q]) != p[i]) return 0;
        q++;
      }
    }
    return q - pos;
  };
  auto emit = [&](int id, const char* t, size_t n) -> Status {
    if (id >= 0) {
      prev_special = true;
      return push_token(id, out, cap, count);
    }
    int k = 0;
    INFERPI_TRY(
        encode_text(t, n, add_dummy_prefix_ && prev_special, out + *count, cap - *count, &k));
    *count += k;
    prev_special = false;
    return Status::ok();
  };
  return splitter.split(text, len, match, emit);
}

const char* SpmTokenizer::piece(int id, size_t* len) const {
  if (id < 0 || id >= vocab_size_) {
    *len = 0;
    return "";
  }
  *len = len_[id];
  return reinterpret_cast<const char*>(text_[id]);
}

size_t SpmTokenizer::decode(int prev, int token, char* out, size_t cap) const {
  if (token < 0 || token >= vocab_size_ || cap == 0) return 0;
  uint8_t type = types_[token];
  if (type == kControl || type == kUnknown || type == kUnused) return 0;
  int b;
  if (type == kByte && is_byte_piece(text_[token], len_[token], &b)) {
    out[0] = char(b);
    return 1;
  }
  const uint8_t* s = text_[token];
  size_t n = len_[token];
  if (prev == bos_ && add_dummy_prefix_ && n > 0 && s[0] == ' ') s++, n--;
  if (n > cap) n = cap;
  memcpy(out, s, n);
  return n;
}

size_t SpmTokenizer::token_text(int id, char* out, size_t cap) const {
  if (id < 0 || id >= vocab_size_) return 0;
  size_t n = 0;
  for (uint32_t i = 0; i < len_[id]; i++) {
    const char* c =
        text_[id][i] == ' ' ? "\xe2\x96\x81" : reinterpret_cast<const char*>(text_[id] + i);
    size_t k = text_[id][i] == ' ' ? 3 : 1;
    if (n + k > cap) break;
    memcpy(out + n, c, k);
    n += k;
  }
  return n;
}

int SpmTokenizer::special_id(const char* text) const {
  size_t n = strlen(text);
  for (int i = 0; i < vocab_size_; i++) {
    if (types_[i] == kNormal || types_[i] == kByte) continue;
    const uint8_t* s = text_[i];
    size_t len = len_[i];
    if (len >= 2 && s[0] == '\n' && s[len - 1] == '\n') s++, len -= 2;  // llama2.c "\n<s>\n"
    if (len == n && memcmp(s, text, n) == 0) return i;
  }
  return -1;
}

}  // namespace inferpi
