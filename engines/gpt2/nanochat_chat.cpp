#include "engines/gpt2/nanochat_chat.h"

#include <cstring>

#include "engines/gpt2/calculator.h"

namespace inferpi {

Status NanochatChatFormat::init(const TiktokenTokenizer& tok, bool chat) {
  chat_ = chat;
  struct {
    const char* name;
    int* id;
  } specials[] = {{"<|bos|>", &bos_},
                  {"<|user_start|>", &user_start_},
                  {"<|user_end|>", &user_end_},
                  {"<|assistant_start|>", &assistant_start_},
                  {"<|assistant_end|>", &assistant_end_},
                  {"<|python_start|>", &python_start_},
                  {"<|python_end|>", &python_end_},
                  {"<|output_start|>", &output_start_},
                  {"<|output_end|>", &output_end_}};
  for (auto& s : specials) {
    *s.id = tok.special_id(s.name);
    if (*s.id < 0 && (chat || s.id == &bos_)) {
      return Status::error("tokenizer lacks nanochat's special token %s", s.name);
    }
  }
  reset_tools();
  return Status::ok();
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

Status NanochatChatFormat::render_user_turn(const Tokenizer& tok, const char* text, bool first_turn,
                                            int* out, int cap, int* count) const {
  *count = 0;
  if (cap < 4) return Status::error("chat: no room for the turn's control tokens");
  int n = 0;
  if (first_turn) out[n++] = bos_;
  if (!chat_) {  // completion mode: the text is the prompt
    int m = 0;
    INFERPI_TRY(tok.encode(text, strlen(text), out + n, cap - n, &m));
    *count = n + m;
    return Status::ok();
  }
  out[n++] = user_start_;
  size_t len = strlen(text);  // chat_cli strips the input
  while (len && is_space(text[len - 1])) len--;
  while (len && is_space(*text)) text++, len--;
  int m = 0;
  INFERPI_TRY(tok.encode(text, len, out + n, cap - n - 2, &m));
  n += m;
  out[n++] = user_end_;
  out[n++] = assistant_start_;
  *count = n;
  return Status::ok();
}

Status NanochatChatFormat::render_assistant_end(const Tokenizer&, int last_token, int* out, int cap,
                                                int* count) const {
  *count = 0;
  if (!chat_ || last_token == assistant_end_) return Status::ok();
  if (cap < 1) return Status::error("chat: no room for <|assistant_end|>");
  out[0] = assistant_end_;
  *count = 1;
  return Status::ok();
}

// nanochat Engine.generate: tokens between <|python_start|> and <|python_end|> are the
// expression; when it closes, the calculator's result is forced in.
int NanochatChatFormat::on_token(const Tokenizer& tok, int token, int* forced, int cap) {
  if (!chat_ || python_start_ < 0) return 0;
  if (token == python_start_) {
    in_python_ = true;
    n_expr_ = 0;
    return 0;
  }
  if (!in_python_) return 0;
  if (token != python_end_) {
    if (n_expr_ < kMaxExprTokens)
      expr_[n_expr_++] = token;
    else
      in_python_ = false;  // runaway expression: give up on it (no tool output)
    return 0;
  }
  in_python_ = false;
  char expr[1024];
  size_t len = 0;
  for (int i = 0; i < n_expr_; i++) {
    char piece[256];
    size_t k = tok.decode(-1, expr_[i], piece, sizeof(piece));
    if (len + k >= sizeof(expr)) return 0;
    memcpy(expr + len, piece, k);
    len += k;
  }
  char result[128];
  if (!nanochat_calculator(expr, len, result, sizeof(result))) return 0;
  if (cap < 3) return 0;
  int n = 0, m = 0;
  forced[n++] = output_start_;
  if (!tok.encode(result, strlen(result), forced + n, cap - 2, &m)) return 0;
  n += m;
  forced[n++] = output_end_;
  return n;
}

// ---- render_conversation ---------------------------------------------------------------

Status NanochatRenderer::push(int id, int m) {
  if (n_ >= cap_) return Status::error("render: more than %d tokens", cap_);
  ids_[n_] = id;
  if (mask_) mask_[n_] = m;
  n_++;
  return Status::ok();
}

Status NanochatRenderer::push_text(const char* text, int m) {
  int k = 0;
  INFERPI_TRY(tok_.encode(text, strlen(text), ids_ + n_, cap_ - n_, &k));
  if (mask_) {
    for (int i = 0; i < k; i++) mask_[n_ + i] = m;
  }
  n_ += k;
  return Status::ok();
}

Status NanochatRenderer::begin() { return push(fmt_.id_bos(), 0); }

Status NanochatRenderer::user(const char* text) {
  INFERPI_TRY(push(fmt_.id_user_start(), 0));
  INFERPI_TRY(push_text(text, 0));
  return push(fmt_.id_user_end(), 0);
}

Status NanochatRenderer::assistant_prompt() { return push(fmt_.id_assistant_start(), 0); }

Status NanochatRenderer::assistant(const NanochatPart* parts, int n) {
  INFERPI_TRY(push(fmt_.id_assistant_start(), 0));
  for (int i = 0; i < n; i++) {
    switch (parts[i].kind) {
      case NanochatPart::kText:
        INFERPI_TRY(push_text(parts[i].text, 1));
        break;
      case NanochatPart::kPython:
        INFERPI_TRY(push(fmt_.id_python_start(), 1));
        INFERPI_TRY(push_text(parts[i].text, 1));
        INFERPI_TRY(push(fmt_.id_python_end(), 1));
        break;
      case NanochatPart::kPythonOutput:  // comes from the tool at test time: not supervised
        INFERPI_TRY(push(fmt_.id_output_start(), 0));
        INFERPI_TRY(push_text(parts[i].text, 0));
        INFERPI_TRY(push(fmt_.id_output_end(), 0));
        break;
    }
  }
  return push(fmt_.id_assistant_end(), 1);
}

}  // namespace inferpi
