#include "engines/tokenizers/bpe_tokenizer.h"

#include <cstring>

#include "engines/tokenizers/unicode_tables.h"
#include "runtime/core/kstring.h"

namespace inferpi {

// ---- pre-tokenizers -------------------------------------------------------------------------

namespace {

enum Class { kLetter, kNumber, kSpace, kOther };

struct Cp {
  uint32_t cp;
  size_t len;  // bytes
};

// Decodes the code point at pos; an invalid byte is one "other" character.
Cp decode_at(const char* s, size_t len, size_t pos) {
  const uint8_t* u = reinterpret_cast<const uint8_t*>(s);
  uint8_t b = u[pos];
  size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (n == 0 || pos + n > len) return {0xFFFFFFFFu, 1};
  uint32_t cp = n == 1 ? b : n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
  for (size_t i = 1; i < n; i++) {
    if ((u[pos + i] & 0xC0) != 0x80) return {0xFFFFFFFFu, 1};
    cp = (cp << 6) | (u[pos + i] & 0x3F);
  }
  return {cp, n};
}

Class classify(uint32_t cp) {
  if (cp == 0xFFFFFFFFu) return kOther;
  if (unicode::is_letter(cp)) return kLetter;
  if (unicode::is_number(cp)) return kNumber;
  if (unicode::is_white_space(cp)) return kSpace;
  return kOther;
}

struct Scanner {
  const char* s;
  size_t len;
  Class cls(size_t pos) const { return pos < len ? classify(decode_at(s, len, pos).cp) : kOther; }
  size_t next(size_t pos) const { return pos + decode_at(s, len, pos).len; }
  bool at_end(size_t pos) const { return pos >= len; }
  uint32_t cp(size_t pos) const { return decode_at(s, len, pos).cp; }
  size_t run(size_t pos, Class c) const {  // end of a run of class c
    while (!at_end(pos) && cls(pos) == c) pos = next(pos);
    return pos;
  }
  size_t run_other(size_t pos) const {  // [^\s\p{L}\p{N}]+
    while (!at_end(pos) && cls(pos) == kOther) pos = next(pos);
    return pos;
  }
  // 's 't 're 've 'm 'll 'd (optionally case-insensitive); 0 if none.
  size_t contraction(size_t pos, bool ignore_case) const {
    if (s[pos] != '\'' || pos + 1 >= len) return 0;
    auto lower = [&](size_t i) {
      char c = i < len ? s[i] : 0;
      return ignore_case && c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
    };
    char a = lower(pos + 1), b = lower(pos + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    return 0;
  }
  // \s+(?!\S) then \s+: a whitespace run, minus its last character when a non-space
  // follows and the run is longer than one character.
  size_t whitespace(size_t pos) const {
    size_t end = run(pos, kSpace);
    if (at_end(end)) return end;
    size_t last = pos, p = pos;
    while (p < end) {
      last = p;
      p = next(p);
    }
    return last > pos ? last : end;
  }
};

}  // namespace

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t split_gpt2(const char* text, size_t len, size_t pos) {
  Scanner sc{text, len};
  if (size_t n = sc.contraction(pos, false)) return pos + n;
  size_t p = text[pos] == ' ' && !sc.at_end(pos + 1) ? pos + 1 : pos;
  Class c = sc.cls(p);
  if (c == kLetter || c == kNumber) return sc.run(p, c);
  if (c == kOther) return sc.run_other(p);
  return sc.whitespace(pos);
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max_digits}|
//  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
size_t split_qwen2(const char* text, size_t len, size_t pos, int max_digits) {
  Scanner sc{text, len};
  if (size_t n = sc.contraction(pos, true)) return pos + n;
  Class c = sc.cls(pos);
  uint32_t cp = sc.cp(pos);
  if (c == kLetter) return sc.run(pos, kLetter);
  if (cp != '\r' && cp != '\n' && c != kNumber) {
    size_t p = sc.next(pos);
    if (!sc.at_end(p) && sc.cls(p) == kLetter) return sc.run(p, kLetter);
  }
  if (c == kNumber) {
    size_t p = pos;
    for (int i = 0; i < max_digits && !sc.at_end(p) && sc.cls(p) == kNumber; i++) p = sc.next(p);
    return p;
  }
  size_t p = text[pos] == ' ' && !sc.at_end(pos + 1) ? pos + 1 : pos;
  if (sc.cls(p) == kOther) {
    p = sc.run_other(p);
    while (!sc.at_end(p) && (text[p] == '\r' || text[p] == '\n')) p++;
    return p;
  }
  // \s*[\r\n]+: up to the last newline inside the whitespace run.
  size_t end = sc.run(pos, kSpace), last_nl = 0;
  for (size_t q = pos; q < end; q = sc.next(q)) {
    if (text[q] == '\r' || text[q] == '\n') last_nl = q + 1;
  }
  if (last_nl) return last_nl;
  return sc.whitespace(pos);
}

// ---- loading --------------------------------------------------------------------------------

static uint32_t hash_pair(int a, int b) {
  return (uint32_t(a) * 0x9E3779B1u) ^ (uint32_t(b) * 0x85EBCA77u + 0x165667B1u);
}

Status BpeTokenizer::load(const uint8_t* data, size_t size, int vocab_size, Arena& arena) {
  if (size < kHeaderSize || memcmp(data, "IPBT", 4) != 0) {
    return Status::error("tokenizer.bin: not a BPE tokenizer file (magic IPBT)");
  }
  uint32_t version = load_le32(data + 4), n_tokens = load_le32(data + 8);
  uint32_t n_merges = load_le32(data + 12), pre = load_le32(data + 16);
  uint32_t flags = load_le32(data + 20);
  if (version != kVersion)
    return Status::error("tokenizer.bin: version %u, need %u", version, kVersion);
  if (int64_t(n_tokens) != vocab_size) {
    return Status::error("tokenizer.bin has %u tokens, the model has %d (vocab size mismatch)",
                         n_tokens, vocab_size);
  }
  if (pre < 1 || pre > 4) return Status::error("tokenizer.bin: unknown pre-tokenizer %u", pre);
  if (n_tokens == 0 || n_tokens > (1u << 22) || n_merges > (1u << 22)) {
    return Status::error("tokenizer.bin: implausible counts (%u tokens, %u merges)", n_tokens,
                         n_merges);
  }
  vocab_size_ = int(n_tokens);
  pre_ = PreTokenizer(pre);
  ignore_merges_ = flags & 1;
  bos_ = int32_t(load_le32(data + 24));
  eos_ = int32_t(load_le32(data + 28));
  if (bos_ >= vocab_size_) bos_ = -1;
  if (eos_ >= vocab_size_) eos_ = -1;

  uint32_t merge_size = 1;
  while (merge_size < 2 * n_merges + 2) merge_size <<= 1;
  tokens_ = arena.alloc_array<Token>(n_tokens);
  merges_ = arena.alloc_array<Merge>(merge_size);
  added_ = arena.alloc_array<int>(n_tokens);
  specials_ = arena.alloc_array<int>(n_tokens);
  symbols_ = arena.alloc_array<int>(kMaxPieceBytes);
  if (!tokens_ || !token_index_.init(n_tokens, arena) || !merges_ || !added_ || !specials_ ||
      !symbols_) {
    return Status::error("tokenizer.bin: out of memory for %u tokens", n_tokens);
  }
  merge_mask_ = merge_size - 1;
  for (uint32_t i = 0; i < merge_size; i++) merges_[i].left = -1;
  for (int& b : byte_token_) b = -1;
  n_added_ = n_specials_ = 0;

  size_t pos = kHeaderSize;
  for (uint32_t i = 0; i < n_tokens; i++) {
    if (size - pos < 5) return Status::error("tokenizer.bin: truncated at token %u", i);
    uint8_t type = data[pos];
    uint32_t n = load_le32(data + pos + 1);
    pos += 5;
    if (n > size - pos) {
      return Status::error("tokenizer.bin: token %u has length %u, past the end of the file", i, n);
    }
    if (type != kNormal && type != kControl && type != kUserDefined && type != kUnused) {
      return Status::error("tokenizer.bin: token %u has unknown type %u", i, type);
    }
    tokens_[i] = Token{data + pos, n, type};
    pos += n;
    if (type == kUserDefined && n > 0) added_[n_added_++] = int(i);
    if ((type == kUserDefined || type == kControl) && n > 0) specials_[n_specials_++] = int(i);
    if (type == kNormal && n == 1 && byte_token_[tokens_[i].bytes[0]] < 0) {
      byte_token_[tokens_[i].bytes[0]] = int(i);
    }
    if ((type == kNormal || type == kUserDefined) && n > 0 && find_token(tokens_[i].bytes, n) < 0) {
      token_index_.insert(tokens_[i].bytes, n, i);
    }
  }
  if ((size - pos) / 12 != n_merges || (size - pos) % 12) {
    return Status::error("tokenizer.bin: %zu bytes left for %u merges (truncated or corrupt)",
                         size - pos, n_merges);
  }
  for (uint32_t r = 0; r < n_merges; r++) {
    const uint8_t* m = data + pos + 12 * size_t(r);
    uint32_t a = load_le32(m), b = load_le32(m + 4), t = load_le32(m + 8);
    if (a >= n_tokens || b >= n_tokens || t >= n_tokens) {
      return Status::error("tokenizer.bin: merge %u names a token outside the vocabulary", r);
    }
    if (find_merge(int(a), int(b))) continue;  // first (lowest) rank wins
    uint32_t h = hash_pair(int(a), int(b)) & merge_mask_;
    while (merges_[h].left >= 0) h = (h + 1) & merge_mask_;
    merges_[h] = Merge{int(a), int(b), int(t), int(r)};
  }
  for (int b = 0; b < 256; b++) {
    if (byte_token_[b] < 0) {
      return Status::error("tokenizer.bin: no token for byte 0x%02x (not a byte-level BPE)", b);
    }
  }
  return init_splitters(
      added_, n_added_, specials_, n_specials_, [this](int id) { return tokens_[id].len; }, arena);
}

int BpeTokenizer::find_token(const uint8_t* bytes, size_t len) const {
  return token_index_.find(bytes, len, [this](int id, size_t* n) {
    *n = tokens_[id].len;
    return tokens_[id].bytes;
  });
}

const BpeTokenizer::Merge* BpeTokenizer::find_merge(int left, int right) const {
  uint32_t h = hash_pair(left, right) & merge_mask_;
  while (merges_[h].left >= 0) {
    if (merges_[h].left == left && merges_[h].right == right) return &merges_[h];
    h = (h + 1) & merge_mask_;
  }
  return nullptr;
}

// ---- encoding -------------------------------------------------------------------------------

Status BpeTokenizer::encode_piece(const uint8_t* p, size_t n, int* out, int cap, int* count) const {
  if (ignore_merges_) {  // Llama-3: a piece that is a whole token is emitted as is
    int id = find_token(p, n);
    if (id >= 0) return push_token(id, out, cap, count);
  }
  int n_sym = 0;
  for (size_t i = 0; i < n; i++) symbols_[n_sym++] = byte_token_[p[i]];
  // Merge the lowest-ranked adjacent pair (leftmost on ties) until none is a merge.
  while (n_sym > 1) {
    int best = -1;
    const Merge* best_merge = nullptr;
    for (int i = 0; i + 1 < n_sym; i++) {
      const Merge* m = find_merge(symbols_[i], symbols_[i + 1]);
      if (m && (!best_merge || m->rank < best_merge->rank)) best = i, best_merge = m;
    }
    if (!best_merge) break;
    symbols_[best] = best_merge->result;
    memmove(symbols_ + best + 1, symbols_ + best + 2, size_t(n_sym - best - 2) * sizeof(int));
    n_sym--;
  }
  if (*count + n_sym > cap) return Status::error("tokenizer: more than %d tokens", cap);
  for (int i = 0; i < n_sym; i++) out[(*count)++] = symbols_[i];
  return Status::ok();
}

Status BpeTokenizer::encode_plain(const char* text, size_t len, int* out, int cap,
                                  int* count) const {
  const uint8_t* u = reinterpret_cast<const uint8_t*>(text);
  size_t pos = 0;
  while (pos < len) {
    size_t end;
    if (pre_ == PreTokenizer::Gpt2) {
      end = split_gpt2(text, len, pos);
    } else if (pre_ == PreTokenizer::SmolLM) {
      // Digits(individual_digits) first: every \p{N} character is its own piece, and the
      // GPT-2 regex runs on the text between them.
      Cp c = decode_at(text, len, pos);
      if (classify(c.cp) == kNumber) {
        end = pos + c.len;
      } else {
        size_t seg = pos;
        while (seg < len && classify(decode_at(text, len, seg).cp) != kNumber) {
          seg += decode_at(text, len, seg).len;
        }
        end = split_gpt2(text, seg, pos);
      }
    } else {
      end = split_qwen2(text, len, pos, pre_ == PreTokenizer::Llama3 ? 3 : 1);
    }
    // Very long pieces (a huge run of spaces) are merged in slices.
    for (size_t a = pos; a < end; a += kMaxPieceBytes) {
      size_t n = end - a < kMaxPieceBytes ? end - a : kMaxPieceBytes;
      INFERPI_TRY(encode_piece(u + a, n, out, cap, count));
    }
    pos = end;
  }
  return Status::ok();
}

Status BpeTokenizer::encode_split(const SpecialSplitter& splitter, const char* text, size_t len,
                                  int* out, int cap, int* count) const {
  *count = 0;
  auto match = [this](int id, const char* t, size_t n, size_t pos) -> size_t {
    const Token& tk = tokens_[id];
    return tk.len <= n - pos && memcmp(t + pos, tk.bytes, tk.len) == 0 ? tk.len : 0;
  };
  auto emit = [&](int id, const char* t, size_t n) -> Status {
    if (id < 0) return encode_plain(t, n, out, cap, count);
    return push_token(id, out, cap, count);
  };
  return splitter.split(text, len, match, emit);
}

size_t BpeTokenizer::decode(int, int token, char* out, size_t cap) const {
  if (token < 0 || token >= vocab_size_) return 0;
  if (tokens_[token].type == kControl || tokens_[token].type == kUnused) return 0;
  size_t n = tokens_[token].len < cap ? tokens_[token].len : cap;
  memcpy(out, tokens_[token].bytes, n);
  return n;
}

size_t BpeTokenizer::token_text(int id, char* out, size_t cap) const {
  if (id < 0 || id >= vocab_size_) return 0;
  size_t n = tokens_[id].len < cap ? tokens_[id].len : cap;
  memcpy(out, tokens_[id].bytes, n);
  return n;
}

int BpeTokenizer::special_id(const char* text) const {
  size_t n = strlen(text);
  for (int i = 0; i < vocab_size_; i++) {
    const Token& t = tokens_[i];
    if (t.type != kNormal && t.len == n && memcmp(t.bytes, text, n) == 0) return i;
  }
  return -1;
}

}  // namespace inferpi
