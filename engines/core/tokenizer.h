// Tokenizer: text <-> token ids. Implementations: SentencePiece-style BPE (llama2.c
// tokenizer.bin, GGUF "llama"), byte-level BPE (HF tokenizer.json, GGUF "gpt2") and
// tiktoken ranks (nanochat). All work in caller buffers; nothing allocates after load.
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/status.h"

namespace inferpi {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual int vocab_size() const = 0;

  // Encodes plain text (special-token strings in `text` are NOT turned into special ids:
  // typed text can never forge a control token; user-defined added tokens are, as in
  // llama.cpp and HF tokenizers). No BOS is added. Writes at most `cap`
  // ids to `out`; returns the number written in *count, or an error when cap is too small.
  virtual Status encode(const char* text, size_t len, int* out, int cap, int* count) const = 0;

  // Like encode, but control tokens written in the text ("<|im_start|>", "<bos>") become
  // their ids: llama.cpp's tokenize(text, add_special = false, parse_special = true). For
  // rendered chat templates and tests, never for typed text.
  virtual Status encode_special(const char* text, size_t len, int* out, int cap, int* count) const {
    (void)text, (void)len, (void)out, (void)cap, (void)count;
    return Status::error("this tokenizer cannot parse special tokens in text");
  }

  // The bytes of one token (raw bytes, possibly a partial UTF-8 sequence). `prev` is the
  // previous token (SentencePiece drops the leading space after BOS). Returns the length.
  virtual size_t decode(int prev, int token, char* out, size_t cap) const = 0;

  // The stored text of any token, control tokens included ("<|im_start|>", "<bos>";
  // SentencePiece spaces as U+2581), for rendering templates as text. Returns the length.
  virtual size_t token_text(int id, char* out, size_t cap) const {
    (void)id, (void)out, (void)cap;
    return 0;
  }

  // Id of a special token by its text (e.g. "<|assistant_end|>", "</s>"), or -1.
  virtual int special_id(const char* text) const = 0;
  virtual int bos_id() const = 0;
  virtual int eos_id() const = 0;
};

// Streams decoded token bytes to a sink, holding back an incomplete UTF-8 sequence until
// the rest arrives, so a terminal never sees half a character. Invalid bytes are passed
// through as U+FFFD.
class Utf8Stream {
 public:
  using Sink = void (*)(void* ctx, const char* data, size_t len);
  Utf8Stream(Sink sink, void* ctx) : sink_(sink), ctx_(ctx) {}
  void push(const char* data, size_t len);
  void flush();  // at end of a reply: emit whatever is pending (as U+FFFD if incomplete)

 private:
  Sink sink_;
  void* ctx_;
  char pending_[4] = {};
  int pending_len_ = 0;
  int expected_len_ = 0;
};

}  // namespace inferpi
