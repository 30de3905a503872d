// nanochat's chat format (docs/nanochat.md §5): <|bos|> once, then per user turn
// <|user_start|> text <|user_end|> <|assistant_start|>; the reply ends at <|assistant_end|>
// (or <|bos|>). The calculator tool runs inside on_token(): <|python_start|> expr
// <|python_end|> from the model forces <|output_start|> result <|output_end|> in, as
// nanochat's Engine.generate does. Base checkpoints: is_chat() is false (completion).
#pragma once
#include "engines/core/chat.h"
#include "engines/tokenizers/tiktoken.h"

namespace inferpi {

class NanochatChatFormat final : public ChatFormat {
 public:
  Status init(const TiktokenTokenizer& tok, bool chat);

  const char* name() const override { return "nanochat"; }
  bool is_chat() const override { return chat_; }
  // [<|bos|>] <|user_start|> encode(strip(text)) <|user_end|> <|assistant_start|>
  Status render_user_turn(const Tokenizer& tok, const char* text, bool first_turn, int* out,
                          int cap, int* count) const override;
  // <|assistant_end|> unless the reply already ended with it.
  Status render_assistant_end(const Tokenizer& tok, int last_token, int* out, int cap,
                              int* count) const override;
  bool is_stop(int token) const override { return token == assistant_end_ || token == bos_; }
  int on_token(const Tokenizer& tok, int token, int* forced, int cap) override;
  void reset_tools() override { in_python_ = false, n_expr_ = 0; }

  int id_bos() const { return bos_; }
  int id_user_start() const { return user_start_; }
  int id_user_end() const { return user_end_; }
  int id_assistant_start() const { return assistant_start_; }
  int id_assistant_end() const { return assistant_end_; }
  int id_python_start() const { return python_start_; }
  int id_python_end() const { return python_end_; }
  int id_output_start() const { return output_start_; }
  int id_output_end() const { return output_end_; }

 private:
  static constexpr int kMaxExprTokens = 256;
  bool chat_ = false;
  int bos_ = -1, user_start_ = -1, user_end_ = -1, assistant_start_ = -1, assistant_end_ = -1;
  int python_start_ = -1, python_end_ = -1, output_start_ = -1, output_end_ = -1;
  bool in_python_ = false;
  int n_expr_ = 0;
  int expr_[kMaxExprTokens];
};

// nanochat's render_conversation (SFT rendering) for tests and tools: one message or
// one assistant part at a time, appending ids and the training mask (1 = supervised).
struct NanochatPart {
  enum Kind { kText, kPython, kPythonOutput } kind;
  const char* text;
};
class NanochatRenderer {
 public:
  NanochatRenderer(const TiktokenTokenizer& tok, const NanochatChatFormat& fmt, int* ids, int* mask,
                   int cap)
      : tok_(tok), fmt_(fmt), ids_(ids), mask_(mask), cap_(cap) {}
  Status begin();                                      // <|bos|>
  Status user(const char* text);                       // user_start text user_end
  Status assistant(const NanochatPart* parts, int n);  // assistant_start parts assistant_end
  Status assistant_prompt();                           // assistant_start (render_for_completion)
  int count() const { return n_; }

 private:
  Status push(int id, int m);
  Status push_text(const char* text, int m);
  const TiktokenTokenizer& tok_;
  const NanochatChatFormat& fmt_;
  int* ids_;
  int* mask_;
  int cap_;
  int n_ = 0;
};

}  // namespace inferpi
