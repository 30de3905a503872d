// ChatSession: one conversation with a loaded engine, over the Console only (the same code
// runs in the host CLI and on the bare-metal kernel).
//
// A user turn: the chat format renders the message (plus the tokens that close the
// previous reply) -> one batched prefill into the KV cache -> sample, print (UTF-8 safe),
// feed back, until a stop token, max_tokens, Ctrl-C (byte 0x03 polled between tokens) or a
// full context. Then the stats lines:
//   Prompt: N tokens in T ms (x tokens/sec)
//   Generation: N tokens in T ms (x tokens/sec)
// Thinking models (Qwen3): the text between <think> and </think> is shown dimmed (ANSI SGR 2),
// and `/set think on|off` flips the template's enable_thinking switch for the next turns.
// `/set system TEXT` sets the system prompt and starts a new conversation.
// Context policy: when a new turn does not fit in what is left of the context, the user is
// told and the conversation starts over (KV cache reset) with that message; a reply that
// fills the context stops there and the next turn starts a new conversation.
#pragma once
#include <cstdint>

#include "engines/core/engine.h"
#include "engines/core/sampler.h"
#include "runtime/app/token_timing.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

struct TurnStats {
  TokenTiming prompt;        // the rendered turn, one forward pass
  TokenTiming generation;    // the reply, a token at a time
  bool interrupted = false;  // Ctrl-C
  bool context_full = false;
};

class ChatSession {
 public:
  enum class LineResult { Continue, Exit };

  Status init(Engine& engine, Arena& arena, const SamplerSettings& sampler, int max_tokens);

  // A line typed by the user: a /command or a message. Errors are printed, not returned.
  LineResult handle_line(const char* line);
  // One user message -> the streamed reply and the stats lines.
  Status turn(const char* text, TurnStats* stats);
  void reset();             // new conversation
  void print_help() const;  // the chat commands; the caller adds its own /exit line
  void print_stats() const;

  // When false, the stats lines are not printed (scripted one-shot output).
  void set_show_stats(bool show) { show_stats_ = show; }
  Sampler& sampler() { return sampler_; }
  const ChatFormat& chat_format() const { return engine_->chat_format(); }
  int max_tokens() const { return max_tokens_; }
  void set_max_tokens(int n) { max_tokens_ = n > 0 ? n : 1; }

 private:
  Status render_turn(const char* text, bool first_turn, int* n);
  Status set_command(const char* args);

  Engine* engine_ = nullptr;
  Sampler sampler_;
  int max_tokens_ = 256;
  int* tokens_ = nullptr;  // rendered turn (capacity = context length)
  int token_cap_ = 0;
  int* recent_ = nullptr;     // generated tokens of this turn (repetition penalty)
  float* logits_ = nullptr;   // sampler's copy of the logits
  int pending_end_[16] = {};  // tokens that close the last reply, fed with the next turn
  int n_pending_end_ = 0;
  int think_open_ = -1, think_close_ = -1;  // <think>, </think> ids (thinking models)
  TurnStats last_;
  bool show_stats_ = true;
};

// Parses a decimal number (optionally signed, with a fraction): portable, no libc.
bool parse_number(const char* s, double* out);

}  // namespace inferpi
