// ChatFormat: how a conversation becomes tokens for one model family (Alpaca, ChatML,
// Llama-2 [INST], Zephyr, Llama-3, nanochat), and when the assistant's turn ends.
// Templates are data (engines/core/chat_templates.*); tool use (nanochat's calculator)
// hooks in through on_token().
#pragma once
#include <cstddef>

#include "runtime/core/status.h"

namespace inferpi {

class Tokenizer;

class ChatFormat {
 public:
  virtual ~ChatFormat() = default;
  virtual const char* name() const = 0;
  // False for base models: the app runs plain completion (the user's text is the prompt).
  virtual bool is_chat() const = 0;

  // Tokens to prefill for a new user message, ending where the assistant starts to speak.
  // `first_turn` is true when the KV cache is empty (BOS, system prompt go there).
  virtual Status render_user_turn(const Tokenizer& tok, const char* text, bool first_turn, int* out,
                                  int cap, int* count) const = 0;
  // Tokens that close the assistant's reply before the next user turn (e.g. "</s>" or
  // "<|im_end|>\n"), fed after the reply when it did not end with them itself.
  virtual Status render_assistant_end(const Tokenizer& tok, int last_token, int* out, int cap,
                                      int* count) const = 0;
  // True when `token` ends the assistant's reply (not printed).
  virtual bool is_stop(int token) const = 0;

  // Tool hook, called for every generated token. It may ask for tokens to be forced into the
  // stream next (instead of sampling) by writing them to `forced` and returning the count.
  virtual int on_token(const Tokenizer& tok, int token, int* forced, int cap) {
    (void)tok, (void)token, (void)forced, (void)cap;
    return 0;
  }
  virtual void reset_tools() {}

  // System prompt ("" = none) for the next conversation: templates without a system role fold
  // it into the first user message, as Gemma's does.
  virtual Status set_system_prompt(const char* text) {
    (void)text;
    return Status::error("this chat format has no system prompt");
  }
  virtual const char* system_prompt() const { return ""; }
  // Templates with a thinking switch (Qwen3's enable_thinking): off pre-fills an empty
  // <think></think> block so the model answers directly.
  virtual bool has_thinking_switch() const { return false; }
  virtual void set_thinking(bool on) { (void)on; }
  virtual bool thinking() const { return false; }

  // The same turns as text, special tokens spelled out: what the Jinja template renders
  // (tests compare the two byte for byte).
  virtual Status render_user_turn_text(const Tokenizer& tok, const char* text, bool first_turn,
                                       char* out, size_t cap, size_t* len) const {
    (void)tok, (void)text, (void)first_turn, (void)out, (void)cap, (void)len;
    return Status::error("this chat format cannot render text");
  }
  virtual Status render_assistant_end_text(const Tokenizer& tok, char* out, size_t cap,
                                           size_t* len) const {
    (void)tok, (void)out, (void)cap, (void)len;
    return Status::error("this chat format cannot render text");
  }
};

}  // namespace inferpi
