#include "runtime/app/session_chat.h"

#include "runtime/core/console.h"

namespace inferpi {

Status SessionChat::begin(Engine& engine, Arena& arena, const char* model_name) {
  (void)model_name;
  session_ = arena_new<ChatSession>(arena);
  if (!session_) return Status::error("out of memory for the chat session");
  Status st = session_->init(engine, arena, sampler_, max_tokens_);
  if (!st) session_ = nullptr;
  return st;
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
