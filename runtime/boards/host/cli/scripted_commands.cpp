#include "runtime/boards/host/cli/scripted_commands.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engines/core/sampler.h"
#include "runtime/boards/host/cli/model_dir.h"

namespace inferpi::host {

namespace {

int fail(const std::string& message) {
  fprintf(stderr, "inferpi: %s\n", message.c_str());
  return 1;
}

// Finds "--name VALUE" in argv[first..]; returns nullptr when absent.
const char* option(int argc, char** argv, int first, const char* name) {
  for (int i = first; i + 1 < argc; i++) {
    if (strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return nullptr;
}

bool parse_int(const char* s, long lo, long hi, long* out) {
  if (!s || !*s) return false;
  char* end = nullptr;
  long v = strtol(s, &end, 10);
  if (*end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

bool parse_ids(const char* s, std::vector<int>* ids) {
  if (!s || !*s) return false;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    long v;
    if (!parse_int(item.c_str(), 0, 1L << 30, &v)) return false;
    ids->push_back(int(v));
  }
  return !ids->empty();
}

// `--kv f16|f32` picks the KV cache's element type (default f16; the reference
// comparisons use f32, whose attention inputs are exact).
bool load(int argc, char** argv, int context, LoadedModel* m, std::string* error) {
  EngineOptions options;
  options.max_context = context;
  const char* kv = option(argc, argv, 3, "--kv");
  if (kv && !parse_kv_type(kv, &options.kv_type)) {
    *error = std::string("--kv ") + kv + ": expected f16 or f32";
    return false;
  }
  return load_model_dir(argv[2], options, m, error);
}

}  // namespace

int cmd_tokenize(int argc, char** argv) {
  const char* text = option(argc, argv, 3, "--text");
  bool special = false;  // --special: control tokens in the text are parsed (parse_special)
  for (int i = 3; i < argc; i++) special = special || strcmp(argv[i], "--special") == 0;
  if (argc < 3 || !text) return fail("usage: inferpi tokenize MODEL_DIR --text TEXT [--special]");
  LoadedModel m;
  std::string error;
  if (!load(argc, argv, 0, &m, &error)) return fail(error);
  size_t len = strlen(text);
  std::vector<int> ids(len + 8);
  int n = 0;
  const Tokenizer& tok = m.engine->tokenizer();
  Status st = special ? tok.encode_special(text, len, ids.data(), int(ids.size()), &n)
                      : tok.encode(text, len, ids.data(), int(ids.size()), &n);
  if (!st) return fail(st.message());
  for (int i = 0; i < n; i++) printf(i ? " %d" : "%d", ids[size_t(i)]);
  printf("\n");
  return 0;
}

int cmd_chat_render(int argc, char** argv) {
  const char* usage =
      "usage: inferpi chat-render MODEL_DIR [--system TEXT] [--think on|off] [--text] "
      "--user TEXT [--reply TEXT --user TEXT]...";
  if (argc < 4) return fail(usage);
  LoadedModel m;
  std::string error;
  if (!load(argc, argv, 0, &m, &error)) return fail(error);
  ChatFormat& fmt = m.engine->chat_format();
  const Tokenizer& tok = m.engine->tokenizer();
  bool as_text = false;
  std::vector<std::pair<bool, const char*>> turns;  // (is_user, text)
  for (int i = 3; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--text") {
      as_text = true;
    } else if (i + 1 < argc && a == "--system") {
      Status st = fmt.set_system_prompt(argv[++i]);
      if (!st) return fail(st.message());
    } else if (i + 1 < argc && a == "--think") {
      if (!fmt.has_thinking_switch()) return fail("this template has no thinking switch");
      fmt.set_thinking(strcmp(argv[++i], "off") != 0);
    } else if (i + 1 < argc && (a == "--user" || a == "--reply")) {
      turns.emplace_back(a == "--user", argv[++i]);
    } else {
      return fail(usage);
    }
  }
  // The order the chat session feeds the model: user turn, reply, the template's closing
  // tokens, next user turn ... (a reply is encoded as plain text here).
  std::vector<int> ids(size_t(m.engine->context_length()) + 64);
  std::string text(1 << 20, '\0');
  int n = 0;
  size_t len = 0;
  bool first = true;
  for (const auto& [is_user, t] : turns) {
    int k = 0;
    size_t tl = 0;
    Status st;
    if (is_user) {
      st = as_text ? fmt.render_user_turn_text(tok, t, first, &text[len], text.size() - len, &tl)
                   : fmt.render_user_turn(tok, t, first, ids.data() + n, int(ids.size()) - n, &k);
      first = false;
    } else if (as_text) {
      tl = strlen(t);
      if (tl > text.size() - len) return fail("conversation too long");
      memcpy(&text[len], t, tl);
      size_t end = 0;
      st = fmt.render_assistant_end_text(tok, &text[len + tl], text.size() - len - tl, &end);
      tl += end;
    } else {
      st = tok.encode(t, strlen(t), ids.data() + n, int(ids.size()) - n, &k);
      int end = 0;
      if (st)
        st = fmt.render_assistant_end(tok, -1, ids.data() + n + k, int(ids.size()) - n - k, &end);
      k += end;
    }
    if (!st) return fail(st.message());
    n += k;
    len += tl;
  }
  if (as_text) {
    fwrite(text.data(), 1, len, stdout);
  } else {
    for (int i = 0; i < n; i++) printf(i ? " %d" : "%d", ids[size_t(i)]);
    printf("\n");
  }
  return 0;
}

int cmd_logits(int argc, char** argv) {
  std::vector<int> ids;
  const char* out = option(argc, argv, 3, "--out");
  if (argc < 3 || !parse_ids(option(argc, argv, 3, "--ids"), &ids) || !out) {
    return fail("usage: inferpi logits MODEL_DIR --ids 1,2,3 --out FILE");
  }
  LoadedModel m;
  std::string error;
  if (!load(argc, argv, int(ids.size()), &m, &error)) return fail(error);
  const size_t V = size_t(m.engine->info().vocab_size);
  std::vector<float> logits(ids.size() * V);
  Status st = m.engine->forward(ids.data(), int(ids.size()), logits.data());
  if (!st) return fail(st.message());
  FILE* f = fopen(out, "wb");
  if (!f || fwrite(logits.data(), sizeof(float), logits.size(), f) != logits.size()) {
    if (f) fclose(f);
    return fail(std::string(out) + ": cannot write");
  }
  fclose(f);
  return 0;
}

int cmd_generate(int argc, char** argv) {
  std::vector<int> ids;
  long max_tokens = 0;
  if (argc < 3 || !parse_ids(option(argc, argv, 3, "--ids"), &ids) ||
      !parse_int(option(argc, argv, 3, "--max-tokens"), 1, 1 << 20, &max_tokens)) {
    return fail("usage: inferpi generate MODEL_DIR --ids 1,2,3 --max-tokens N");
  }
  LoadedModel m;
  std::string error;
  if (!load(argc, argv, int(ids.size() + size_t(max_tokens)), &m, &error)) return fail(error);
  Engine& e = *m.engine;
  Status st = e.forward(ids.data(), int(ids.size()));
  if (!st) return fail(st.message());
  const int V = e.info().vocab_size;
  for (long i = 0; i < max_tokens; i++) {
    int next = Sampler::argmax(e.logits(), V);
    printf(i ? " %d" : "%d", next);
    if (i + 1 == max_tokens) break;
    st = e.forward(&next, 1);
    if (!st) {
      printf("\n");
      return fail(st.message());
    }
  }
  printf("\n");
  return 0;
}

int cmd_perplexity(int argc, char** argv) {
  long window = 0;
  if (argc < 4 || !parse_int(option(argc, argv, 4, "--window"), 1, 1 << 20, &window)) {
    return fail("usage: inferpi perplexity MODEL_DIR FILE --window W");
  }
  std::ifstream in(argv[3], std::ios::binary);
  if (!in) return fail(std::string(argv[3]) + ": cannot read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LoadedModel m;
  std::string error;
  if (!load(argc, argv, int(window), &m, &error)) return fail(error);
  Engine& e = *m.engine;
  const Tokenizer& tok = e.tokenizer();
  // ids = [BOS] + encode(whole file) (../shared/golden/README.md).
  std::vector<int> ids(text.size() + 8);
  int n = 0;
  if (tok.bos_id() >= 0) ids[size_t(n++)] = tok.bos_id();
  int more = 0;
  Status st = tok.encode(text.data(), text.size(), ids.data() + n, int(ids.size()) - n, &more);
  if (!st) return fail(st.message());
  n += more;
  const size_t V = size_t(e.info().vocab_size);
  std::vector<float> logits(size_t(window) * V);
  double nll = 0;
  long predicted = 0;
  for (long start = 0; start + 1 < n; start += window) {
    long len = std::min<long>(window, n - 1 - start);  // tokens fed; each predicts the next
    e.reset();
    st = e.forward(ids.data() + start, int(len), logits.data());
    if (!st) return fail(st.message());
    for (long t = 0; t < len; t++) {
      const float* row = logits.data() + size_t(t) * V;
      double max = row[0];
      for (size_t i = 1; i < V; i++) max = std::max(max, double(row[i]));
      double sum = 0;
      for (size_t i = 0; i < V; i++) sum += std::exp(double(row[i]) - max);
      int target = ids[size_t(start + t + 1)];
      nll += std::log(sum) + max - double(row[target]);
      predicted++;
    }
  }
  if (predicted == 0) return fail("perplexity: the text has no token to predict");
  double mean = nll / double(predicted);
  printf("perplexity %.4f (mean NLL %.4f over %ld predicted tokens, window %ld)\n", std::exp(mean),
         mean, predicted, window);
  return 0;
}

}  // namespace inferpi::host
