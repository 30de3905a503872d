#include "runtime/app/session_chat.h"

#include "runtime/core/console.h"
#include "runtime/core/kstring.h"

namespace inferpi {

Status SessionChat::begin(Engine& engine, Arena& arena, const char* model_name) {
  (void)model_name;
  session_ = arena_new<ChatSession>(arena);
  if (!session_) return Status::error("out of memory for the chat session");
  const bool resume = resume_;
  resume_ = false;
  Status st = session_->init(engine, arena, resume ? kept_sampler_ : sampler_,
                             resume ? kept_max_tokens_ : max_tokens_);
  if (!st) {
    session_ = nullptr;
    return st;
  }
  if (resume) {
    ChatFormat& fmt = engine.chat_format();
    if (kept_system_[0]) fmt.set_system_prompt(kept_system_);
    fmt.set_thinking(kept_thinking_);
  }
  return st;
}

void SessionChat::suspend() {
  if (session_) {
    kept_sampler_ = session_->sampler().settings();
    kept_max_tokens_ = session_->max_tokens();
    const ChatFormat& fmt = session_->chat_format();
    kept_thinking_ = fmt.thinking();
    copy_string(kept_system_, sizeof kept_system_, fmt.system_prompt());
    resume_ = true;
  }
  session_ = nullptr;
}

void SessionChat::handle_line(const char* line) {
  if (!session_) {
    kprint("no model loaded\n");
    return;
  }
  // /exit never arrives here (the appliance unloads the model itself).
  session_->handle_line(line);
}

void SessionChat::print_help() {
  if (session_) session_->print_help();
}

void SessionChat::print_stats() {
  if (session_) session_->print_stats();
}

}  // namespace inferpi
