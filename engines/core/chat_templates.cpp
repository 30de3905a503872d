#include "engines/core/chat_templates.h"

#include <cstring>

#include "engines/core/engine.h"
#include "engines/core/tokenizer.h"

namespace inferpi {

namespace {

constexpr uint32_t kTrimBoth = ChatTemplateSpec::kTrimMessages | ChatTemplateSpec::kTrimSystem;

// Llama 3.1/3.2 always open with a system header; the date is the template's own fallback
// (the Pi has no clock; llama.cpp would pass today's date through strftime_now).
#define LLAMA31_SYSTEM_HEAD                                                     \
  "[[<|begin_of_text|>]][[<|start_header_id|>]]system[[<|end_header_id|>]]\n\n" \
  "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
#define CHATML_USER "[[<|im_start|>]]user\n{}[[<|im_end|>]]\n[[<|im_start|>]]assistant\n"
#define CHATML_SYSTEM "[[<|im_start|>]]system\n{S}[[<|im_end|>]]\n"

}  // namespace

static const ChatTemplateSpec kTemplates[kChatTemplateCount] = {
    {ChatTemplateId::Completion, "completion", false, "[[BOS?]]", nullptr, "{}", "", nullptr, 0},
    {ChatTemplateId::Alpaca, "alpaca", true, "[[BOS]]", nullptr,
     "### Instruction:\n{}\n\n### Response:\n", "[[EOS]]\n\n", nullptr, 0},
    {ChatTemplateId::AlpacaStanford, "alpaca-stanford", true, "[[BOS]]", nullptr,
     "Below is an instruction that describes a task. Write a response that appropriately "
     "completes the request.\n\n### Instruction:\n{}\n\n### Response:",
     "[[EOS]]", nullptr, 0},
    {ChatTemplateId::ChatML, "chatml", true, "", CHATML_SYSTEM, CHATML_USER, "[[<|im_end|>]]\n",
     nullptr, 0},
    {ChatTemplateId::Llama2, "llama2", true, "",
     "[[BOS]][INST] <<SYS>>\n{S}\n<</SYS>>\n\n{} [/INST]", "[[BOS]][INST] {} [/INST]", "[[EOS]]",
     nullptr, 0},
    {ChatTemplateId::Zephyr, "zephyr", true, "[[BOS]]", "[[BOS]]<|system|>\n{S}[[EOS]]\n",
     "<|user|>\n{}[[EOS]]\n<|assistant|>\n", "[[EOS]]\n", nullptr, 0},
    {ChatTemplateId::Llama3, "llama3", true, "[[<|begin_of_text|>]]",
     "[[<|begin_of_text|>]][[<|start_header_id|>]]system[[<|end_header_id|>]]\n\n{S}[[<|eot_id|>]]",
     "[[<|start_header_id|>]]user[[<|end_header_id|>]]\n\n{}[[<|eot_id|>]]"
     "[[<|start_header_id|>]]assistant[[<|end_header_id|>]]\n\n",
     "[[<|eot_id|>]]", nullptr, kTrimBoth},
    {ChatTemplateId::ChatMLQwen, "chatml-qwen2.5", true,
     "[[<|im_start|>]]system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
     "assistant.[[<|im_end|>]]\n",
     CHATML_SYSTEM, CHATML_USER, "[[<|im_end|>]]\n", nullptr, 0},
    {ChatTemplateId::ChatMLSmolLM, "chatml-smollm2", true,
     "[[<|im_start|>]]system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
     "Face[[<|im_end|>]]\n",
     CHATML_SYSTEM, CHATML_USER, "[[<|im_end|>]]\n", nullptr, 0},
    {ChatTemplateId::Llama31, "llama3.1", true, LLAMA31_SYSTEM_HEAD "[[<|eot_id|>]]",
     LLAMA31_SYSTEM_HEAD "{S}[[<|eot_id|>]]",
     "[[<|start_header_id|>]]user[[<|end_header_id|>]]\n\n{}[[<|eot_id|>]]"
     "[[<|start_header_id|>]]assistant[[<|end_header_id|>]]\n\n",
     "[[<|eot_id|>]]", nullptr, kTrimBoth},
    {ChatTemplateId::ChatMLQwen3, "chatml-qwen3", true, "", CHATML_SYSTEM, CHATML_USER,
     "[[<|im_end|>]]\n", "<think>\n\n</think>\n\n", 0},
    {ChatTemplateId::Gemma, "gemma", true, "[[BOS]]",
     "[[BOS]][[<start_of_turn>]]user\n{S}\n\n{}[[<end_of_turn>]]\n[[<start_of_turn>]]model\n",
     "[[<start_of_turn>]]user\n{}[[<end_of_turn>]]\n[[<start_of_turn>]]model\n",
     "[[<end_of_turn>]]\n", nullptr, ChatTemplateSpec::kTrimMessages},
};

const ChatTemplateSpec* chat_template_spec(uint32_t id) {
  return id < kChatTemplateCount ? &kTemplates[id] : nullptr;
}

const ChatTemplateSpec* chat_template_by_name(const char* name) {
  for (const ChatTemplateSpec& s : kTemplates) {
    if (strcmp(s.name, name) == 0) return &s;
  }
  return nullptr;
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Renders template strings into token ids, or into text (tests). Text runs are gathered in
// `scratch` and encoded as one piece when a special token or the end is reached.
class TemplateChatFormat : public ChatFormat {
 public:
  static constexpr size_t kScratch = 16384;
  static constexpr size_t kMaxSystem = 4096;
  static constexpr int kMaxStops = 8;

  const char* name() const override { return spec_->name; }
  bool is_chat() const override { return spec_->is_chat; }

  Status render_user_turn(const Tokenizer& tok, const char* text, bool first_turn, int* out,
                          int cap, int* count) const override {
    Out o{out, cap, 0, nullptr, 0, 0};
    INFERPI_TRY(user_turn(tok, text, first_turn, &o));
    *count = o.n;
    return Status::ok();
  }

  Status render_user_turn_text(const Tokenizer& tok, const char* text, bool first_turn, char* out,
                               size_t cap, size_t* len) const override {
    Out o{nullptr, 0, 0, out, cap, 0};
    INFERPI_TRY(user_turn(tok, text, first_turn, &o));
    *len = o.text_len;
    return Status::ok();
  }

  Status render_assistant_end(const Tokenizer& tok, int, int* out, int cap,
                              int* count) const override {
    Out o{out, cap, 0, nullptr, 0, 0};
    const char* s = spec_->assistant_end;
    while (starts_special(s)) INFERPI_TRY(emit_special(tok, &s, &o));
    *count = o.n;
    return Status::ok();
  }

  Status render_assistant_end_text(const Tokenizer& tok, char* out, size_t cap,
                                   size_t* len) const override {
    Out o{nullptr, 0, 0, out, cap, 0};
    const char* s = spec_->assistant_end;
    while (starts_special(s)) INFERPI_TRY(emit_special(tok, &s, &o));
    *len = o.text_len;
    return Status::ok();
  }

  bool is_stop(int token) const override {
    for (int i = 0; i < n_stops_; i++) {
      if (stops_[i] == token) return true;
    }
    return false;
  }

  Status set_system_prompt(const char* text) override {
    if (!spec_->is_chat) {
      return Status::error("'%s' is plain completion: there is no system prompt", spec_->name);
    }
    size_t n = strlen(text);
    if (n >= kMaxSystem) {
      return Status::error("system prompt too long (%zu bytes, max %zu)", n, kMaxSystem - 1);
    }
    memcpy(system_, text, n + 1);
    return Status::ok();
  }
  const char* system_prompt() const override { return system_; }
  bool has_thinking_switch() const override { return spec_->no_think != nullptr; }
  void set_thinking(bool on) override { thinking_ = on; }
  bool thinking() const override { return spec_->no_think != nullptr && thinking_; }

  const ChatTemplateSpec* spec_ = nullptr;
  bool add_bos_ = true;
  bool thinking_ = true;  // Qwen3's default (enable_thinking undefined)
  char* scratch_ = nullptr;
  char* system_ = nullptr;
  int stops_[kMaxStops] = {};
  int n_stops_ = 0;

  void add_stop(int id) {
    if (id < 0 || is_stop(id) || n_stops_ == kMaxStops) return;
    stops_[n_stops_++] = id;
  }

 private:
  struct Out {  // ids (text == nullptr) or text
    int* ids;
    int cap;
    int n;
    char* text;
    size_t text_cap;
    size_t text_len;
  };
  struct Fill {  // what "{}" and "{S}" stand for
    const char* user;
    bool fold_system;  // "{}" = system prompt, blank line, message (no system role)
  };

  static bool starts_special(const char* s) { return s[0] == '[' && s[1] == '['; }
  static const char* after_specials(const char* s) {
    while (starts_special(s)) s = strstr(s, "]]") + 2;
    return s;
  }

  Status user_turn(const Tokenizer& tok, const char* text, bool first_turn, Out* o) const {
    size_t run = 0;
    const bool system = first_turn && spec_->is_chat && system_[0] != 0;
    Fill fill{text, system && !spec_->system_turn};
    if (system && spec_->system_turn) {
      INFERPI_TRY(render(tok, spec_->system_turn, fill, &run, o));
    } else if (first_turn) {
      INFERPI_TRY(render(tok, spec_->first_turn, fill, &run, o));
    } else {
      INFERPI_TRY(render(tok, after_specials(spec_->assistant_end), fill, &run, o));
    }
    if (!(system && spec_->system_turn && strstr(spec_->system_turn, "{}"))) {
      INFERPI_TRY(render(tok, spec_->user_turn, fill, &run, o));
    }
    if (spec_->no_think && !thinking_) INFERPI_TRY(render(tok, spec_->no_think, fill, &run, o));
    return flush(tok, &run, o);
  }

  Status push(Out* o, int id) const {
    if (o->n >= o->cap) return Status::error("chat turn has more than %d tokens", o->cap);
    o->ids[o->n++] = id;
    return Status::ok();
  }

  Status push_text(Out* o, const char* p, size_t n) const {
    if (o->text_len + n > o->text_cap) return Status::error("rendered turn too long");
    memcpy(o->text + o->text_len, p, n);
    o->text_len += n;
    return Status::ok();
  }

  Status emit_special(const Tokenizer& tok, const char** s, Out* o) const {
    const char* end = strstr(*s + 2, "]]");
    char name[48];
    size_t len = size_t(end - (*s + 2));
    if (len >= sizeof(name)) return Status::error("chat template: special token name too long");
    memcpy(name, *s + 2, len);
    name[len] = 0;
    *s = end + 2;
    int id;
    if (strcmp(name, "BOS?") == 0) {
      if (!add_bos_ || tok.bos_id() < 0) return Status::ok();
      id = tok.bos_id();
    } else if (strcmp(name, "BOS") == 0) {
      id = tok.bos_id();
    } else if (strcmp(name, "EOS") == 0) {
      id = tok.eos_id();
    } else {
      id = tok.special_id(name);
    }
    if (id < 0) {
      return Status::error(
          "chat template '%s' needs the special token %s, which the tokenizer "
          "does not have",
          spec_->name, name);
    }
    if (o->text) {
      char piece[64];
      return push_text(o, piece, tok.token_text(id, piece, sizeof(piece)));
    }
    return push(o, id);
  }

  Status append(size_t* run, const char* p, size_t n, bool trim) const {
    if (trim) {
      while (n > 0 && is_space(*p)) p++, n--;
      while (n > 0 && is_space(p[n - 1])) n--;
    }
    if (*run + n > kScratch) {
      return Status::error("message too long for one chat turn (max %zu bytes)", kScratch);
    }
    memcpy(scratch_ + *run, p, n);
    *run += n;
    return Status::ok();
  }

  Status flush(const Tokenizer& tok, size_t* run, Out* o) const {
    if (*run == 0) return Status::ok();
    if (o->text) {
      INFERPI_TRY(push_text(o, scratch_, *run));
    } else {
      int n = 0;
      INFERPI_TRY(tok.encode(scratch_, *run, o->ids + o->n, o->cap - o->n, &n));
      o->n += n;
    }
    *run = 0;
    return Status::ok();
  }

  Status render(const Tokenizer& tok, const char* s, const Fill& fill, size_t* run, Out* o) const {
    const bool trim_user = spec_->trim & ChatTemplateSpec::kTrimMessages;
    const bool trim_system = spec_->trim & ChatTemplateSpec::kTrimSystem;
    while (*s) {
      if (starts_special(s)) {
        INFERPI_TRY(flush(tok, run, o));
        INFERPI_TRY(emit_special(tok, &s, o));
      } else if (s[0] == '{' && s[1] == '}') {
        if (fill.fold_system) {
          INFERPI_TRY(append(run, system_, strlen(system_), trim_system));
          INFERPI_TRY(append(run, "\n\n", 2, false));
        }
        if (fill.user) INFERPI_TRY(append(run, fill.user, strlen(fill.user), trim_user));
        s += 2;
      } else if (s[0] == '{' && s[1] == 'S' && s[2] == '}') {
        INFERPI_TRY(append(run, system_, strlen(system_), trim_system));
        s += 3;
      } else {
        const char* next = s + 1;
        while (*next && !starts_special(next) && *next != '{') next++;
        INFERPI_TRY(append(run, s, size_t(next - s), false));
        s = next;
      }
    }
    return Status::ok();
  }
};

}  // namespace

Status make_chat_format(const ChatTemplateSpec& spec, const Tokenizer& tok, bool add_bos,
                        const int* stop_ids, int n_stop, Arena& arena, ChatFormat** out) {
  auto* f = arena_new<TemplateChatFormat>(arena);
  char* scratch = static_cast<char*>(arena.alloc(TemplateChatFormat::kScratch));
  char* system = static_cast<char*>(arena.alloc(TemplateChatFormat::kMaxSystem));
  if (!f || !scratch || !system) return Status::error("out of memory for the chat template");
  f->spec_ = &spec;
  f->add_bos_ = add_bos;
  f->scratch_ = scratch;
  f->system_ = system;
  system[0] = 0;
  for (int i = 0; i < n_stop; i++) f->add_stop(stop_ids[i]);
  if (spec.is_chat) {
    // The template's own closing tokens end a reply too ("<|im_end|>", "<|eot_id|>", EOS).
    const char* s = spec.assistant_end;
    while (s[0] == '[' && s[1] == '[') {
      const char* end = strstr(s, "]]");
      char name[48] = {};
      size_t len = size_t(end - s - 2) < sizeof(name) - 1 ? size_t(end - s - 2) : 0;
      memcpy(name, s + 2, len);
      f->add_stop(strcmp(name, "EOS") == 0 ? tok.eos_id() : tok.special_id(name));
      s = end + 2;
    }
  }
  if (n_stop == 0) f->add_stop(tok.eos_id());
  *out = f;
  return Status::ok();
}

}  // namespace inferpi
