// Chat templates as data (docs/formats.md §7): each template is a few strings, rendered by
// one small interpreter. In the strings, "{}" is the user's message, "{S}" the system prompt
// and "[[X]]" is the special token X ("[[BOS]]"/"[[EOS]]" = the tokenizer's BOS/EOS,
// "[[BOS?]]" = BOS only if the model adds one, anything else is looked up with
// Tokenizer::special_id). Text between special tokens is encoded as one piece, so
// "### Instruction:\n" + message tokenizes the way the reference tokenizer does it on the
// whole rendered string (llama.cpp splits its text at special tokens the same way).
//
// A conversation is: first_turn (or system_turn) + user_turn(u1) [+ no_think] + <reply 1> +
// assistant_end + user_turn(u2) + <reply 2> + ... . assistant_end's leading special tokens
// close a reply (render_assistant_end); its trailing text is put in front of the next user
// turn (so it is encoded together with it, as the reference does). For replies given as
// text (plain content, no thinking), the rendered string equals what the model's own Jinja
// template renders for the same messages with add_generation_prompt (tests/chat_templates).
#pragma once
#include <cstdint>

#include "engines/core/chat.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

// Stored in our model.bin header (docs/formats.md); keep the numbers stable.
enum class ChatTemplateId : uint32_t {
  Completion = 0,      // base model: the text is the prompt
  Alpaca = 1,          // "### Instruction:\n…\n\n### Response:\n" (demo-llama's jinja)
  AlpacaStanford = 2,  // Stanford PROMPT_DICT no-input variant (Supra-50M-Instruct)
  ChatML = 3,          // <|im_start|>role\n…<|im_end|>\n, no default system prompt
  Llama2 = 4,          // <s>[INST] … [/INST]
  Zephyr = 5,          // <|user|>\n…</s>\n<|assistant|>\n (TinyLlama-Chat)
  Llama3 = 6,          // <|start_header_id|>user<|end_header_id|>\n\n…<|eot_id|>
  ChatMLQwen = 7,      // ChatML + Qwen2.5's default system prompt
  ChatMLSmolLM = 8,    // ChatML + SmolLM2's default system prompt
  Llama31 = 9,         // Llama 3.1/3.2: system header with "Cutting Knowledge Date" always
  ChatMLQwen3 = 10,    // Qwen3: ChatML + enable_thinking switch (<think></think>)
  Gemma = 11,          // Gemma 2/3: <start_of_turn>user/model, system folded into turn 1
};
constexpr uint32_t kChatTemplateCount = 12;

struct ChatTemplateSpec {
  enum Trim : uint32_t { kTrimMessages = 1, kTrimSystem = 2 };  // Jinja's `| trim`
  ChatTemplateId id;
  const char* name;
  bool is_chat;
  const char* first_turn;  // before the first user turn (BOS, default system prompt)
  // Instead of first_turn when a system prompt is set ("{S}"). When it holds "{}" too it is
  // the whole first user turn (Gemma). nullptr: no system role; the prompt goes in front of
  // the first user message, separated by a blank line.
  const char* system_turn;
  const char* user_turn;      // one user message, ending where the assistant speaks
  const char* assistant_end;  // after the assistant's reply
  const char* no_think;       // after user_turn when thinking is off; nullptr = no switch
  uint32_t trim;              // Trim bits
};

const ChatTemplateSpec* chat_template_spec(uint32_t id);  // nullptr if unknown
const ChatTemplateSpec* chat_template_by_name(const char* name);

// A ChatFormat over one spec. `stop_ids` are the model's own end-of-reply ids; the
// template's closing special tokens are added to them when the tokenizer has them.
Status make_chat_format(const ChatTemplateSpec& spec, const Tokenizer& tok, bool add_bos,
                        const int* stop_ids, int n_stop, Arena& arena, ChatFormat** out);

}  // namespace inferpi
