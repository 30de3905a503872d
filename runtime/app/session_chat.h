// SessionChat: the appliance's chat screen over ChatSession (runtime/app/chat_session.h):
// the model's template, streamed replies, the stats lines, Ctrl-C, /reset /set /stats /help.
// The appliance itself handles /exit, /temp and /bench before lines get here.
#pragma once
#include "engines/core/sampler.h"
#include "runtime/app/appliance.h"
#include "runtime/app/chat_session.h"

namespace inferpi {

class SessionChat : public ChatDriver {
 public:
  // Settings every new model starts with (the user changes them with /set).
  SessionChat(const SamplerSettings& sampler, int max_tokens)
      : sampler_(sampler), max_tokens_(max_tokens) {}

  Status begin(Engine& engine, Arena& arena, const char* model_name) override;
  void handle_line(const char* line) override;
  void print_help() override;
  void print_stats() override;
  void end() override { session_ = nullptr; }
  void suspend() override;

 private:
  SamplerSettings sampler_;
  int max_tokens_;
  ChatSession* session_ = nullptr;  // lives in the model arena, gone with /exit
  // What suspend() keeps for the next begin() (outside the arena).
  bool resume_ = false;
  SamplerSettings kept_sampler_;
  int kept_max_tokens_ = 0;
  bool kept_thinking_ = true;
  char kept_system_[1024] = {};
};

}  // namespace inferpi
