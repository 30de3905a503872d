#include "engines/tokenizers/tiktoken.h"

#include <cstring>

#include "engines/tokenizers/unicode_tables.h"
#include "runtime/core/kstring.h"

namespace inferpi {

// ---- pre-split ------------------------------------------------------------------------

namespace {

struct Char {
  uint32_t cp;
  size_t len;  // bytes
};

// Decodes one UTF-8 character; an invalid byte is returned as itself with length 1
// (it then classifies as "other", like U+FFFD would).
Char next_char(const char* s, size_t len, size_t pos) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s) + pos;
  size_t left = len - pos;
  unsigned char b = p[0];
  if (b < 0x80) return {b, 1};
  int n = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? (b <= 0xef ? 3 : 0) : b >= 0xc2 ? 2 : 0;
  if (n == 0 || size_t(n) > left) return {0xFFFD, 1};
  uint32_t cp = b & (0xff >> (n + 1));
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 1};
  return {cp, size_t(n)};
}

bool is_l(uint32_t c) {
  return c < 0x80 ? ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') : unicode::is_letter(c);
}
bool is_n(uint32_t c) { return c < 0x80 ? (c >= '0' && c <= '9') : unicode::is_number(c); }
bool is_s(uint32_t c) { return unicode::is_white_space(c); }
bool is_crlf(uint32_t c) { return c == '\r' || c == '\n'; }

// (?i) case folding for the contraction letters: 's' also folds with U+017F (long s).
bool fold_eq(uint32_t c, char lower) {
  if ((c | 0x20) == uint32_t(lower) && c < 0x80) return true;
  return lower == 's' && c == 0x17F;
}

}  // namespace

size_t split_nanochat(const char* s, size_t len, size_t pos) {
  auto at = [&](size_t i) { return next_char(s, len, i); };
  const Char c0 = at(pos);
  const size_t p1 = pos + c0.len;

  // 1. '(?i:[sdmt]|ll|ve|re)
  if (c0.cp == '\'' && p1 < len) {
    Char a = at(p1);
    if (fold_eq(a.cp, 's') || fold_eq(a.cp, 'd') || fold_eq(a.cp, 'm') || fold_eq(a.cp, 't')) {
      return p1 + a.len;
    }
    if (p1 + a.len < len) {
      Char b = at(p1 + a.len);
      if ((fold_eq(a.cp, 'l') && fold_eq(b.cp, 'l')) ||
          (fold_eq(a.cp, 'v') && fold_eq(b.cp, 'e')) ||
          (fold_eq(a.cp, 'r') && fold_eq(b.cp, 'e'))) {
        return p1 + a.len + b.len;
      }
    }
  }
  // 2. [^\r\n\p{L}\p{N}]?+\p{L}+   (the optional char is possessive: no retry without it)
  {
    size_t q = pos;
    if (!is_crlf(c0.cp) && !is_l(c0.cp) && !is_n(c0.cp)) q = p1;
    size_t end = q;
    while (end < len) {
      Char c = at(end);
      if (!is_l(c.cp)) break;
      end += c.len;
    }
    if (end > q) return end;
  }
  // 3. \p{N}{1,2}
  if (is_n(c0.cp)) {
    if (p1 < len) {
      Char c = at(p1);
      if (is_n(c.cp)) return p1 + c.len;
    }
    return p1;
  }
  // 4. " ?[^\s\p{L}\p{N}]++[\r\n]*"
  {
    auto is_other = [](uint32_t c) { return !is_s(c) && !is_l(c) && !is_n(c); };
    size_t q = pos;
    if (c0.cp == ' ' && p1 < len && is_other(at(p1).cp)) q = p1;
    size_t end = q;
    while (end < len) {
      Char c = at(end);
      if (!is_other(c.cp)) break;
      end += c.len;
    }
    if (end > q) {
      while (end < len && (s[end] == '\r' || s[end] == '\n')) end++;
      return end;
    }
  }
  // The rest start with white space: find the whole run [pos, run_end).
  size_t run_end = pos, last_crlf_end = 0, last_char_start = pos;
  while (run_end < len) {
    Char c = at(run_end);
    if (!is_s(c.cp)) break;
    last_char_start = run_end;
    run_end += c.len;
    if (is_crlf(c.cp)) last_crlf_end = run_end;
  }
  if (run_end == pos) return p1;  // unreachable: every char matches one of the above
  // 5. \s*[\r\n]: up to the last CR/LF of the run
  if (last_crlf_end) return last_crlf_end;
  // 6. \s+(?!\S): all of it at end of text, else all but its last character
  if (run_end == len) return run_end;
  if (last_char_start > pos) return last_char_start;
  // 7. \s+
  return run_end;
}

// ---- tokenizer.bin --------------------------------------------------------------------

namespace {

struct Reader {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
  bool take(size_t n, const uint8_t** out) {
    if (n > size - pos) return false;
    *out = data + pos;
    pos += n;
    return true;
  }
  bool u16(uint32_t* v) {
    const uint8_t* p;
    if (!take(2, &p)) return false;
    *v = load_le16(p);
    return true;
  }
  bool u32(uint32_t* v) {
    const uint8_t* p;
    if (!take(4, &p)) return false;
    *v = load_le32(p);
    return true;
  }
};

}  // namespace

Status TiktokenTokenizer::load(const uint8_t* data, size_t size, Arena& arena) {
  Reader r{data, size};
  uint32_t h[8];
  for (uint32_t& v : h) {
    if (!r.u32(&v)) return Status::error("tokenizer.bin: truncated header (%zu bytes)", size);
  }
  if (h[0] != kMagic) return Status::error("tokenizer.bin: bad magic 0x%08x", h[0]);
  if (h[1] != kVersion) return Status::error("tokenizer.bin: unsupported version %u", h[1]);
  const uint32_t n_ranks = h[2], n_specials = h[3], vocab = h[4];
  if (n_ranks < 256 || n_ranks > (1u << 24) || n_specials > 1024 || vocab > (1u << 24) ||
      n_ranks + n_specials > vocab) {
    return Status::error("tokenizer.bin: bad sizes (ranks %u, specials %u, vocab %u)", n_ranks,
                         n_specials, vocab);
  }
  if (h[5] != kSplitNanochat)
    return Status::error("tokenizer.bin: unknown split regex id %u", h[5]);
  const uint8_t* pattern;
  if (!r.take(h[6], &pattern)) return Status::error("tokenizer.bin: truncated split pattern");

  vocab_size_ = int(vocab);
  n_ranks_ = int(n_ranks);
  n_specials_ = int(n_specials);
  tokens_ = arena.alloc_array<Token>(vocab);
  parts_ = arena.alloc_array<Part>(kMaxPieceBytes + 1);
  if (!tokens_ || !rank_index_.init(n_ranks, arena) || !parts_)
    return Status::error("tokenizer: out of memory");
  for (uint32_t i = 0; i < vocab; i++) tokens_[i] = {nullptr, 0};

  for (uint32_t id = 0; id < n_ranks; id++) {
    uint32_t n;
    const uint8_t* bytes;
    if (!r.u16(&n) || n == 0 || !r.take(n, &bytes)) {
      return Status::error("tokenizer.bin: token %u truncated or empty", id);
    }
    if (id < 256 && (n != 1 || bytes[0] != id)) {
      return Status::error("tokenizer.bin: token %u is not the raw byte %u", id, id);
    }
    if (rank_of(bytes, n) >= 0) return Status::error("tokenizer.bin: token %u is a duplicate", id);
    tokens_[id] = {bytes, n};
    rank_index_.insert(bytes, n, id);
  }
  for (uint32_t i = 0; i < n_specials; i++) {
    uint32_t id, n;
    const uint8_t* name;
    if (!r.u32(&id) || !r.u16(&n) || !r.take(n, &name)) {
      return Status::error("tokenizer.bin: special token %u truncated", i);
    }
    if (id < n_ranks || id >= vocab || tokens_[id].bytes) {
      return Status::error("tokenizer.bin: special token id %u invalid or duplicate", id);
    }
    tokens_[id] = {name, n};
  }
  bos_ = special_id("<|bos|>");
  assistant_end_ = special_id("<|assistant_end|>");
  if (bos_ < 0) return Status::error("tokenizer.bin: no <|bos|> special token");
  return Status::ok();
}

int TiktokenTokenizer::rank_of(const uint8_t* bytes, size_t len) const {
  return rank_index_.find(bytes, len, [this](int id, size_t* n) {
    *n = tokens_[id].len;
    return tokens_[id].bytes;
  });
}

int TiktokenTokenizer::special_id(const char* text) const {
  size_t n = strlen(text);
  for (int id = n_ranks_; id < vocab_size_; id++) {
    const Token& t = tokens_[id];
    if (t.bytes && t.len == n && memcmp(t.bytes, text, n) == 0) return id;
  }
  return -1;
}

size_t TiktokenTokenizer::decode(int, int token, char* out, size_t cap) const {
  if (token < 0 || token >= vocab_size_ || !tokens_[token].bytes) return 0;
  size_t n = tokens_[token].len < cap ? tokens_[token].len : cap;
  memcpy(out, tokens_[token].bytes, n);
  return n;
}

// ---- encoding -------------------------------------------------------------------------

// tiktoken's _byte_pair_merge: parts start as single bytes; repeatedly merge the adjacent
// pair whose concatenated bytes have the lowest rank (leftmost on ties).
Status TiktokenTokenizer::encode_piece(const uint8_t* p, size_t n, int* out, int cap,
                                       int* count) const {
  int whole = rank_of(p, n);
  if (whole >= 0) {
    if (*count >= cap) return Status::error("encode: output buffer full (%d tokens)", cap);
    out[(*count)++] = whole;
    return Status::ok();
  }
  if (n > kMaxPieceBytes) return Status::error("encode: piece of %zu bytes is too long", n);
  Part* parts = parts_;
  size_t m = n + 1;                            // part starts 0..n (the last is the end sentinel)
  auto pair_rank = [&](size_t i) -> int32_t {  // rank of parts i and i+1 joined
    if (i + 2 >= m) return INT32_MAX;
    int r = rank_of(p + parts[i].start, parts[i + 2].start - parts[i].start);
    return r < 0 ? INT32_MAX : r;
  };
  for (size_t i = 0; i < m; i++) parts[i] = {uint32_t(i), INT32_MAX};
  for (size_t i = 0; i + 2 < m; i++) parts[i].rank = pair_rank(i);
  while (m > 2) {
    int32_t best = INT32_MAX;
    size_t bi = 0;
    for (size_t i = 0; i + 1 < m; i++) {
      if (parts[i].rank < best) best = parts[i].rank, bi = i;
    }
    if (best == INT32_MAX) break;
    memmove(&parts[bi + 1], &parts[bi + 2], (m - bi - 2) * sizeof(Part));
    m--;
    parts[bi].rank = pair_rank(bi);
    if (bi > 0) parts[bi - 1].rank = pair_rank(bi - 1);
  }
  for (size_t i = 0; i + 1 < m; i++) {
    if (*count >= cap) return Status::error("encode: output buffer full (%d tokens)", cap);
    int r = rank_of(p + parts[i].start, parts[i + 1].start - parts[i].start);
    if (r < 0) return Status::error("encode: byte sequence without a rank");  // byte tokens exist
    out[(*count)++] = r;
  }
  return Status::ok();
}

Status TiktokenTokenizer::encode_ordinary_into(const char* text, size_t len, int* out, int cap,
                                               int* count) const {
  size_t pos = 0;
  while (pos < len) {
    size_t end = split_nanochat(text, len, pos);
    INFERPI_TRY(
        encode_piece(reinterpret_cast<const uint8_t*>(text) + pos, end - pos, out, cap, count));
    pos = end;
  }
  return Status::ok();
}

Status TiktokenTokenizer::encode(const char* text, size_t len, int* out, int cap,
                                 int* count) const {
  *count = 0;
  return encode_ordinary_into(text, len, out, cap, count);
}

Status TiktokenTokenizer::encode_with_specials(const char* text, size_t len, int* out, int cap,
                                               int* count) const {
  *count = 0;
  size_t start = 0, pos = 0;
  while (pos < len) {
    int found = -1;
    if (text[pos] == '<') {  // longest special name starting here
      size_t best_len = 0;
      for (int id = n_ranks_; id < vocab_size_; id++) {
        const Token& t = tokens_[id];
        if (t.bytes && t.len > best_len && t.len <= len - pos &&
            memcmp(t.bytes, text + pos, t.len) == 0) {
          found = id, best_len = t.len;
        }
      }
      if (found >= 0) {
        INFERPI_TRY(encode_ordinary_into(text + start, pos - start, out, cap, count));
        if (*count >= cap) return Status::error("encode: output buffer full (%d tokens)", cap);
        out[(*count)++] = found;
        pos += best_len;
        start = pos;
        continue;
      }
    }
    pos++;
  }
  return encode_ordinary_into(text + start, len - start, out, cap, count);
}

}  // namespace inferpi
