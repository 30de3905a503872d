#include "runtime/app/chat_session.h"

#include <cstring>

#include "engines/core/tokenizer.h"
#include "runtime/core/console.h"
#include "runtime/core/kstring.h"
#include "runtime/core/platform.h"

namespace inferpi {

static constexpr int kCtrlC = 0x03;

bool parse_number(const char* s, double* out) {
  while (*s == ' ') s++;
  bool neg = *s == '-';
  if (*s == '-' || *s == '+') s++;
  if (!((*s >= '0' && *s <= '9') || *s == '.')) return false;
  double v = 0, scale = 1;
  bool frac = false, digits = false;
  for (; *s; s++) {
    if (*s >= '0' && *s <= '9') {
      digits = true;
      if (frac) {
        scale /= 10;
        v += (*s - '0') * scale;
      } else {
        v = v * 10 + (*s - '0');
      }
    } else if (*s == '.' && !frac) {
      frac = true;
    } else {
      break;
    }
  }
  while (*s == ' ') s++;
  if (!digits || *s) return false;
  *out = neg ? -v : v;
  return true;
}

Status ChatSession::init(Engine& engine, Arena& arena, const SamplerSettings& sampler,
                         int max_tokens) {
  engine_ = &engine;
  token_cap_ = engine.context_length();
  tokens_ = arena.alloc_array<int>(size_t(token_cap_));
  recent_ = arena.alloc_array<int>(size_t(token_cap_));
  logits_ = arena.alloc_array<float>(size_t(engine.info().vocab_size));
  if (!tokens_ || !recent_ || !logits_) return Status::error("out of memory for the chat session");
  INFERPI_TRY(sampler_.init(engine.info().vocab_size, arena));
  sampler_.configure(sampler);
  set_max_tokens(max_tokens);
  if (engine.chat_format().has_thinking_switch()) {
    think_open_ = engine.tokenizer().special_id("<think>");
    think_close_ = engine.tokenizer().special_id("</think>");
  }
  reset();
  return Status::ok();
}

void ChatSession::reset() {
  engine_->reset();
  engine_->chat_format().reset_tools();
  n_pending_end_ = 0;
}

Status ChatSession::render_turn(const char* text, bool first_turn, int* n) {
  int count = 0;
  if (!first_turn) {
    for (int i = 0; i < n_pending_end_ && i < token_cap_; i++) tokens_[count++] = pending_end_[i];
  }
  int more = 0;
  INFERPI_TRY(engine_->chat_format().render_user_turn(engine_->tokenizer(), text, first_turn,
                                                      tokens_ + count, token_cap_ - count, &more));
  *n = count + more;
  return Status::ok();
}

namespace {
struct StreamState {
  bool at_start = true;  // drop the spaces a reply starts with
};
void console_sink(void* ctx, const char* data, size_t len) {
  auto* st = static_cast<StreamState*>(ctx);
  if (st->at_start) {
    while (len > 0 && *data == ' ') data++, len--;
    if (len == 0) return;
    st->at_start = false;
  }
  kwrite(data, len);
}
void print_timing(const char* what, const TokenTiming& t) {
  kprint("%s: %d tokens in %.0f ms (%.2f tokens/sec)\n", what, t.tokens, t.ms(), t.per_second());
}
}  // namespace

Status ChatSession::turn(const char* text, TurnStats* stats) {
  *stats = TurnStats{};
  Engine& e = *engine_;
  ChatFormat& fmt = e.chat_format();
  const Tokenizer& tok = e.tokenizer();
  const int V = e.info().vocab_size;

  // Render; if it does not fit in what is left of the context, start over.
  bool first = e.position() == 0;
  int n = 0;
  Status st = render_turn(text, first, &n);
  if (!first && (!st || e.position() + n + 1 > e.context_length())) {
    kprint("[context full (%d of %d tokens): starting a new conversation]\n", e.position(),
           e.context_length());
    reset();
    first = true;
    st = render_turn(text, true, &n);
  }
  INFERPI_TRY(st);
  if (n + 1 > e.context_length()) {
    return Status::error("message is %d tokens, the context holds %d", n, e.context_length());
  }
  n_pending_end_ = 0;

  uint64_t t0 = platform::now_us();
  INFERPI_TRY(e.forward(tokens_, n));
  uint64_t t1 = platform::now_us();
  stats->prompt = {n, t1 - t0};

  StreamState stream_state;
  Utf8Stream out(console_sink, &stream_state);
  int prev = tokens_[n - 1];
  int generated = 0;
  bool dimmed = false;  // inside <think>...</think>
  while (generated < max_tokens_) {
    memcpy(logits_, e.logits(), size_t(V) * sizeof(float));
    int next = sampler_.sample(logits_, recent_, generated);
    if (fmt.is_stop(next)) break;
    char piece[256];
    size_t len = tok.decode(prev, next, piece, sizeof(piece));
    if (next == think_open_ && !dimmed) {
      out.flush();
      kprint("\x1b[2m");  // SGR 2: faint
      dimmed = true;
    }
    out.push(piece, len);
    if (next == think_close_ && dimmed) {
      out.flush();
      kprint("\x1b[0m");
      dimmed = false;
    }
    recent_[generated++] = next;
    prev = next;
    if (e.position() >= e.context_length()) {
      stats->context_full = true;
      break;
    }
    INFERPI_TRY(e.forward(&next, 1));
    if (console() && console()->read_byte(0) == kCtrlC) {
      stats->interrupted = true;
      break;
    }
    int forced[64];  // nanochat tool output: <|output_start|> digits... <|output_end|>
    int n_forced = fmt.on_token(tok, next, forced, 64);
    if (n_forced > 0 && e.position() + n_forced <= e.context_length()) {
      for (int i = 0; i < n_forced; i++) {
        len = tok.decode(prev, forced[i], piece, sizeof(piece));
        out.push(piece, len);
        prev = forced[i];
      }
      INFERPI_TRY(e.forward(forced, n_forced));
    }
  }
  out.flush();
  if (dimmed) kprint("\x1b[0m");
  stats->generation = {generated, platform::now_us() - t1};
  kprint("\n");
  if (stats->interrupted) kprint("[stopped]\n");
  if (stats->context_full) {
    kprint("[context full (%d tokens): the next message starts a new conversation]\n",
           e.context_length());
  }
  // Close the reply in the cache with the next turn (unless the context is used up).
  if (fmt.is_chat() && !stats->context_full) {
    int count = 0;
    INFERPI_TRY(fmt.render_assistant_end(tok, prev, pending_end_, 16, &count));
    n_pending_end_ = count;
  }
  if (stats->context_full) engine_->reset();
  last_ = *stats;
  if (show_stats_) {
    print_timing("Prompt", stats->prompt);
    print_timing("Generation", stats->generation);
  }
  return Status::ok();
}

void ChatSession::print_help() const {
  kprint(
      "Type a message and press Enter. Ctrl-C stops a reply.\n"
      "  /reset                 start a new conversation\n"
      "  /stats                 model, context use and the last turn's speed\n"
      "  /set temp X            sampling temperature (0 = greedy)\n"
      "  /set top_p X           nucleus sampling mass (1 = off)\n"
      "  /set top_k N           keep the N most likely tokens (0 = off)\n"
      "  /set seed N            random seed\n"
      "  /set max_tokens N      longest reply\n"
      "  /set system TEXT       system prompt (starts a new conversation; empty = none)\n"
      "  /set think on|off      let a thinking model (Qwen3) think before answering\n"
      "  /set ctx N             context length in tokens (rebuilds the KV cache)\n"
      "  /help                  this text\n");
}

void ChatSession::print_stats() const {
  const ModelInfo& m = engine_->info();
  const SamplerSettings& s = sampler_.settings();
  kprint("%s (%s, %s): %d layers, dim %d, heads %d/%d, vocab %d, %llu params\n", m.engine,
         m.architecture, m.dtype, m.n_layers, m.dim, m.n_heads, m.n_kv_heads, m.vocab_size,
         (unsigned long long)m.n_params);
  const ChatFormat& fmt = engine_->chat_format();
  kprint("template %s%s; context %d of %d tokens used\n", fmt.name(),
         !fmt.has_thinking_switch() ? ""
         : fmt.thinking()           ? " (thinking on)"
                                    : " (thinking off)",
         engine_->position(), engine_->context_length());
  kprint("temp %.2f top_p %.2f top_k %d seed %llu max_tokens %d\n", double(s.temperature),
         double(s.top_p), s.top_k, (unsigned long long)s.seed, max_tokens_);
  kprint(
      "last turn: prompt %d tokens (%.2f tokens/sec), generation %d tokens (%.2f "
      "tokens/sec)\n",
      last_.prompt.tokens, last_.prompt.per_second(), last_.generation.tokens,
      last_.generation.per_second());
}

Status ChatSession::set_command(const char* args) {
  char name[32];
  size_t i = 0;
  while (*args == ' ') args++;
  while (*args && *args != ' ' && i + 1 < sizeof(name)) name[i++] = *args++;
  name[i] = 0;
  while (*args == ' ') args++;
  ChatFormat& fmt = engine_->chat_format();
  if (strcmp(name, "system") == 0) {
    INFERPI_TRY(fmt.set_system_prompt(args));
    reset();
    kprint(args[0] ? "[system prompt set; new conversation]\n"
                   : "[system prompt cleared; new conversation]\n");
    return Status::ok();
  }
  if (strcmp(name, "ctx") == 0) {  // the appliance rebuilds the engine for this
    return Status::error("/set ctx needs the model menu; start `inferpi MODEL_DIR --context N`");
  }
  if (strcmp(name, "think") == 0) {
    if (!fmt.has_thinking_switch()) {
      return Status::error("template '%s' has no thinking switch", fmt.name());
    }
    if (strcmp(args, "on") != 0 && strcmp(args, "off") != 0) {
      return Status::error("usage: /set think on|off");
    }
    fmt.set_thinking(strcmp(args, "on") == 0);
    kprint("[thinking %s from the next message]\n", fmt.thinking() ? "on" : "off");
    return Status::ok();
  }
  double v;
  if (!parse_number(args, &v))
    return Status::error(
        "usage: /set temp|top_p|top_k|seed|max_tokens|ctx VALUE, /set system TEXT, "
        "/set think on|off");
  SamplerSettings s = sampler_.settings();
  if (strcmp(name, "temp") == 0 && v >= 0 && v <= 10) {
    s.temperature = float(v);
  } else if (strcmp(name, "top_p") == 0 && v > 0 && v <= 1) {
    s.top_p = float(v);
  } else if (strcmp(name, "top_k") == 0 && v >= 0 && v <= 1e6) {
    s.top_k = int(v);
  } else if (strcmp(name, "seed") == 0 && v >= 0) {
    s.seed = uint64_t(v);
  } else if (strcmp(name, "max_tokens") == 0 && v >= 1 && v <= 1e6) {
    set_max_tokens(int(v));
    return Status::ok();
  } else {
    return Status::error("/set: unknown setting or value out of range: %s", name);
  }
  sampler_.configure(s);
  return Status::ok();
}

ChatSession::LineResult ChatSession::handle_line(const char* line) {
  while (*line == ' ') line++;
  if (line[0] == '/') {
    if (strcmp(line, "/exit") == 0 || strcmp(line, "/quit") == 0) return LineResult::Exit;
    if (strcmp(line, "/reset") == 0) {
      reset();
      kprint("[new conversation]\n");
    } else if (strcmp(line, "/help") == 0) {
      print_help();
      kprint("  /exit                  leave the chat\n");
    } else if (strcmp(line, "/stats") == 0) {
      print_stats();
    } else if (starts_with(line, "/set ")) {
      Status st = set_command(line + 5);
      if (!st) kprint("%s\n", st.message());
    } else {
      kprint("unknown command %s (try /help)\n", line);
    }
    return LineResult::Continue;
  }
  if (line[0] == 0) return LineResult::Continue;
  TurnStats stats;
  Status st = turn(line, &stats);
  if (!st) kprint("error: %s\n", st.message());
  return LineResult::Continue;
}

}  // namespace inferpi
