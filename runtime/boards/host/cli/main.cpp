// inferpi (host board): the menu -> model -> chat loop of the appliance over stdin/stdout,
// a one-shot --prompt mode, and the scriptable commands (README "Host CLI").
#include <dirent.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/app/chat_session.h"
#include "runtime/boards/host/cli/host_appliance.h"
#include "runtime/boards/host/cli/model_dir.h"
#include "runtime/boards/host/cli/scripted_commands.h"
#include "runtime/boards/host/host_console.h"
#include "runtime/core/console.h"

// Provided by the storage work (runtime/boards/host/cli/disk_command.cpp) when it is built.
[[gnu::weak]] int run_disk_command(int argc, char** argv);

namespace inferpi::host {
namespace {

// Ctrl-C on a terminal arrives as SIGINT, not as byte 0x03: the chat console reports it as
// 0x03 when polled (the kernel's UART delivers the byte itself). Polling never consumes
// stdin, so piped input lines stay intact. A second Ctrl-C with nothing generating exits.
volatile sig_atomic_t g_interrupts = 0;
void on_sigint(int) {
  if (g_interrupts > 0) _exit(130);
  g_interrupts = g_interrupts + 1;
}

class CliConsole : public Console {
 public:
  void write(const char* data, size_t len) override { inner_.write(data, len); }
  int read_byte(uint32_t timeout_ms) override {
    if (timeout_ms == 0) {
      if (g_interrupts) {
        g_interrupts = 0;
        return 0x03;
      }
      return -1;
    }
    return inner_.read_byte(timeout_ms);
  }

 private:
  HostConsole inner_;
};

struct CliOptions {
  SamplerSettings sampler;
  int max_tokens = 256;
  int context = 0;
  KvType kv_type = KvType::F16;
  const char* prompt = nullptr;
  uint64_t memory_mb = 0;  // model RAM for the menu (0 = all of the machine's)
  std::vector<std::string> positional;
};

void usage() {
  printf(
      "usage: inferpi [FOLDER|IMAGE ...] [options]     the appliance's menu over folders of model\n"
      "                                                folders and FAT32 disk images\n"
      "       inferpi MODEL_DIR [options]              chat with one model\n"
      "       inferpi tokenize MODEL_DIR --text TEXT [--special]\n"
      "       inferpi chat-render MODEL_DIR [--system S] [--think on|off] [--text] --user U\n"
      "               [--reply R --user U]...   (the chat template's tokens or text)\n"
      "       inferpi logits MODEL_DIR --ids 1,2,3 --out FILE [--kv f32]\n"
      "       inferpi generate MODEL_DIR --ids 1,2,3 --max-tokens N [--kv f32]\n"
      "       inferpi perplexity MODEL_DIR FILE --window W [--kv f32]\n"
      "       inferpi disk ...\n"
      "options: --prompt TEXT  --greedy  --seed N  --temp X  --top-p X  --top-k N\n"
      "         --max-tokens N  --context N  --memory MB (model RAM of the menu)\n"
      "         --kv f16|f32 (KV cache element type; default f16)\n");
}

bool parse_options(int argc, char** argv, CliOptions* o) {
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&](double lo, double hi, double* out) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      *out = strtod(argv[++i], &end);
      return *end == 0 && *out >= lo && *out <= hi;
    };
    double v = 0;
    if (a == "--greedy") {
      o->sampler.temperature = 0;
    } else if (a == "--prompt" && i + 1 < argc) {
      o->prompt = argv[++i];
    } else if (a == "--seed" && value(0, 1.8e19, &v)) {
      o->sampler.seed = uint64_t(v);
    } else if (a == "--temp" && value(0, 10, &v)) {
      o->sampler.temperature = float(v);
    } else if (a == "--top-p" && value(0, 1, &v)) {
      o->sampler.top_p = float(v);
    } else if (a == "--top-k" && value(0, 1e7, &v)) {
      o->sampler.top_k = int(v);
    } else if (a == "--max-tokens" && value(1, 1e7, &v)) {
      o->max_tokens = int(v);
    } else if (a == "--context" && value(1, 1e7, &v)) {
      o->context = int(v);
    } else if (a == "--kv" && i + 1 < argc && parse_kv_type(argv[i + 1], &o->kv_type)) {
      i++;
    } else if (a == "--memory" && value(1, 1e9, &v)) {
      o->memory_mb = uint64_t(v);
    } else if (a == "--help" || a == "-h") {
      usage();
      exit(0);
    } else if (!a.empty() && a[0] == '-') {
      fprintf(stderr, "inferpi: bad option or value: %s\n", a.c_str());
      return false;
    } else {
      o->positional.push_back(a);
    }
  }
  return true;
}

// Reads one line from the console; false at end of input.
bool read_line(std::string* line) {
  line->clear();
  while (true) {
    int c = console()->read_byte(0xffffffffu);
    if (c == -2) return !line->empty();
    if (c < 0) continue;
    if (c == '\n') return true;
    if (c != '\r') line->push_back(char(c));
  }
}

// Chat with one model until /exit or end of input. Returns the exit status.
int chat(const std::string& dir, const CliOptions& o) {
  LoadedModel m;
  std::string error;
  EngineOptions eo;
  eo.max_context = o.context;
  eo.kv_type = o.kv_type;
  if (!load_model_dir(dir, eo, &m, &error)) {
    fprintf(stderr, "inferpi: %s\n", error.c_str());
    return 1;
  }
  ChatSession session;
  Status st = session.init(*m.engine, m.arena, o.sampler, o.max_tokens);
  if (!st) {
    fprintf(stderr, "inferpi: %s\n", st.message());
    return 1;
  }
  if (o.prompt) {
    TurnStats stats;
    st = session.turn(o.prompt, &stats);
    if (!st) {
      fprintf(stderr, "inferpi: %s\n", st.message());
      return 1;
    }
    return 0;
  }
  const ModelInfo& info = m.engine->info();
  kprint(
      "Loaded %s: %s %s, %d layers, %llu params, context %d, template %s. /help for "
      "commands.\n",
      dir.c_str(), info.architecture, info.dtype, info.n_layers, (unsigned long long)info.n_params,
      m.engine->context_length(), m.engine->chat_format().name());
  std::string line;
  while (true) {
    kprint("> ");
    if (!read_line(&line)) break;
    g_interrupts = 0;
    if (session.handle_line(line.c_str()) == ChatSession::LineResult::Exit) break;
  }
  return 0;
}

}  // namespace
}  // namespace inferpi::host

int main(int argc, char** argv) {
  using namespace inferpi::host;
  static CliConsole console;
  inferpi::set_console(&console);
  if (argc >= 2) {
    std::string cmd = argv[1];
    if (cmd == "tokenize") return cmd_tokenize(argc, argv);
    if (cmd == "chat-render") return cmd_chat_render(argc, argv);
    if (cmd == "logits") return cmd_logits(argc, argv);
    if (cmd == "generate") return cmd_generate(argc, argv);
    if (cmd == "perplexity") return cmd_perplexity(argc, argv);
    if (cmd == "disk") {
      if (!run_disk_command) {
        fprintf(stderr, "inferpi: disk commands not built\n");
        return 1;
      }
      return run_disk_command(argc - 1, argv + 1);
    }
  }
  CliOptions o;
  if (!parse_options(argc, argv, &o)) return 1;
  signal(SIGINT, on_sigint);
  std::string target = o.positional.empty() ? "." : o.positional[0];
  if (is_model_dir(target)) return chat(target, o);
  if (o.prompt) {
    fprintf(stderr, "inferpi: %s is not a model folder (needs model.bin)\n", target.c_str());
    return 1;
  }
  ApplianceOptions ao;
  ao.sources = o.positional.empty() ? std::vector<std::string>{"."} : o.positional;
  ao.sampler = o.sampler;
  ao.max_tokens = o.max_tokens;
  ao.context = o.context;
  ao.kv_type = o.kv_type;
  ao.memory_bytes = o.memory_mb << 20;
  return run_host_appliance(ao);
}
