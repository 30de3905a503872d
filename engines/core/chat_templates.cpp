#include "engines/core/chat_templates.h"

#include <cstring>

#include "engines/core/engine.h"
#include "engines/core/tokenizer.h"

namespace inferpi {

static const ChatTemplateSpec kTemplates[kChatTemplateCount] = {
    {ChatTemplateId::Completion, "completion", false, "[[BOS?]]", "{}", ""},
    {ChatTemplateId::Alpaca, "alpaca", true, "[[BOS]]", "### Instruction:\n{}\n\n### Response:\n",
     "[[EOS]]\n\n"},
    {ChatTemplateId::AlpacaStanford, "alpaca-stanford", true, "[[BOS]]",
     "Below is an instruction that describes a task. Write a response that appropriately "
     "completes the request.\n\n### Instruction:\n{}\n\n### Response:",
     "[[EOS]]"},
    {ChatTemplateId::ChatML, "chatml", true, "",
     "[[<|im_start|>]]user\n{}[[<|im_end|>]]\n[[<|im_start|>]]assistant\n", "[[<|im_end|>]]\n"},
    {ChatTemplateId::Llama2, "llama2", true, "", "[[BOS]][INST] {} [/INST]", "[[EOS]]"},
    {ChatTemplateId::Zephyr, "zephyr", true, "[[BOS]]", "<|user|>\n{}[[EOS]]\n<|assistant|>\n",
     "[[EOS]]\n"},
    {ChatTemplateId::Llama3, "llama3", true, "[[<|begin_of_text|>]]",
     "[[<|start_header_id|>]]user[[<|end_header_id|>]]\n\n{}[[<|eot_id|>]]"
     "[[<|start_header_id|>]]assistant[[<|end_header_id|>]]\n\n",
     "[[<|eot_id|>]]"},
    {ChatTemplateId::ChatMLQwen, "chatml-qwen2.5", true,
     "[[<|im_start|>]]system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
     "assistant.[[<|im_end|>]]\n",
     "[[<|im_start|>]]user\n{}[[<|im_end|>]]\n[[<|im_start|>]]assistant\n", "[[<|im_end|>]]\n"},
    {ChatTemplateId::ChatMLSmolLM, "chatml-smollm2", true,
     "[[<|im_start|>]]system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
     "Face[[<|im_end|>]]\n",
     "[[<|im_start|>]]user\n{}[[<|im_end|>]]\n[[<|im_start|>]]assistant\n", "[[<|im_end|>]]\n"},
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

// Renders template strings into token ids. Text runs are gathered in `scratch` and encoded
// as one piece when a special token or the end is reached.
class TemplateChatFormat : public ChatFormat {
 public:
  static constexpr size_t kScratch = 16384;
  static constexpr int kMaxStops = 8;

  const char* name() const override { return spec_->name; }
  bool is_chat() const override { return spec_->is_chat; }

  Status render_user_turn(const Tokenizer& tok, const char* text, bool first_turn, int* out,
                          int cap, int* count) const override {
    Out o{out, cap, 0};
    size_t run = 0;
    if (first_turn) {
      INFERPI_TRY(render(tok, spec_->first_turn, nullptr, &run, &o));
    } else {
      INFERPI_TRY(render(tok, after_specials(spec_->assistant_end), nullptr, &run, &o));
    }
    INFERPI_TRY(render(tok, spec_->user_turn, text, &run, &o));
    INFERPI_TRY(flush(tok, &run, &o));
    *count = o.n;
    return Status::ok();
  }

  Status render_assistant_end(const Tokenizer& tok, int, int* out, int cap,
                              int* count) const override {
    Out o{out, cap, 0};
    const char* s = spec_->assistant_end;
    while (starts_special(s)) INFERPI_TRY(emit_special(tok, &s, &o));
    *count = o.n;
    return Status::ok();
  }

  bool is_stop(int token) const override {
    for (int i = 0; i < n_stops_; i++) {
      if (stops_[i] == token) return true;
    }
    return false;
  }

  const ChatTemplateSpec* spec_ = nullptr;
  bool add_bos_ = true;
  char* scratch_ = nullptr;
  int stops_[kMaxStops] = {};
  int n_stops_ = 0;

  void add_stop(int id) {
    if (id < 0 || is_stop(id) || n_stops_ == kMaxStops) return;
    stops_[n_stops_++] = id;
  }

 private:
  struct Out {
    int* ids;
    int cap;
    int n;
  };

  static bool starts_special(const char* s) { return s[0] == '[' && s[1] == '['; }
  static const char* after_specials(const char* s) {
    while (starts_special(s)) s = strstr(s, "]]") + 2;
    return s;
  }

  Status push(Out* o, int id) const {
    if (o->n >= o->cap) return Status::error("chat turn has more than %d tokens", o->cap);
    o->ids[o->n++] = id;
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
    return push(o, id);
  }

  Status append(size_t* run, const char* p, size_t n) const {
    if (*run + n > kScratch) {
      return Status::error("message too long for one chat turn (max %zu bytes)", kScratch);
    }
    memcpy(scratch_ + *run, p, n);
    *run += n;
    return Status::ok();
  }

  Status flush(const Tokenizer& tok, size_t* run, Out* o) const {
    if (*run == 0) return Status::ok();
    int n = 0;
    INFERPI_TRY(tok.encode(scratch_, *run, o->ids + o->n, o->cap - o->n, &n));
    o->n += n;
    *run = 0;
    return Status::ok();
  }

  Status render(const Tokenizer& tok, const char* s, const char* text, size_t* run, Out* o) const {
    while (*s) {
      if (starts_special(s)) {
        INFERPI_TRY(flush(tok, run, o));
        INFERPI_TRY(emit_special(tok, &s, o));
      } else if (s[0] == '{' && s[1] == '}') {
        if (text) INFERPI_TRY(append(run, text, strlen(text)));
        s += 2;
      } else {
        const char* next = s + 1;
        while (*next && !starts_special(next) && !(next[0] == '{' && next[1] == '}')) next++;
        INFERPI_TRY(append(run, s, size_t(next - s)));
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
  if (!f || !scratch) return Status::error("out of memory for the chat template");
  f->spec_ = &spec;
  f->add_bos_ = add_bos;
  f->scratch_ = scratch;
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
