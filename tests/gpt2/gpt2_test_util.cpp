#include "tests/gpt2/gpt2_test_util.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

#include "engines/core/sampler.h"

namespace gpt2test {

std::string shared_dir() { return INFERPI_SHARED_DIR; }

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
}

std::vector<float> read_f32(const std::string& path) {
  std::vector<uint8_t> b = read_file(path);
  std::vector<float> out(b.size() / 4);
  memcpy(out.data(), b.data(), out.size() * 4);
  return out;
}

int run(const std::string& cmd, std::string* output) {
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::string out;
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (output) *output = out;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int run_exporter(const std::string& args, std::string* output) {
  return run(
      std::string(INFERPI_PYTHON) + " " + INFERPI_SOURCE_DIR + "/tools/export_gpt2.py " + args,
      output);
}

static std::string work_dir() {
  std::string d = GPT2_TEST_WORK_DIR;
  run("mkdir -p '" + d + "'", nullptr);
  return d;
}

std::string fresh_dir(const std::string& name) {
  std::string d = work_dir() + "/" + name + "." + std::to_string(getpid());
  run("rm -rf '" + d + "' && mkdir -p '" + d + "'", nullptr);
  return d;
}

std::string cached_export(const std::string& args, std::string* output) {
  // The cache key covers the arguments and the exporter's source, so a changed exporter
  // never serves stale files.
  std::string src;
  for (const char* f :
       {"/tools/export_gpt2.py", "/tools/pylib/torch_pickle.py", "/tools/pylib/quant.py"}) {
    std::vector<uint8_t> b = read_file(std::string(INFERPI_SOURCE_DIR) + f);
    src.append(b.begin(), b.end());
  }
  size_t key = std::hash<std::string>()(args + "\n" + src);
  std::string dir = work_dir() + "/export-" + std::to_string(key);
  if (exists(dir + "/model.bin") && exists(dir + "/tokenizer.bin")) return dir;
  std::string tmp = dir + ".tmp" + std::to_string(getpid());
  if (run_exporter(args + " --output_dir '" + tmp + "'", output) != 0) return "";
  if (rename(tmp.c_str(), dir.c_str()) != 0) run("rm -rf '" + tmp + "'", nullptr);  // lost a race
  return dir;
}

// The registry refers to engine factories weakly, and a static library member is only
// linked when something refers to it strongly: this reference pulls the GPT2 engine in.
[[gnu::used]] const inferpi::EngineFactory* volatile g_link_gpt2 = &inferpi::kGpt2EngineFactory;

std::string load(const std::string& dir, Loaded* out, int max_context, inferpi::KvType kv) {
  out->model = read_file(dir + "/model.bin");
  out->tokenizer = read_file(dir + "/tokenizer.bin");
  const size_t arena_size = size_t(256) << 20;
  out->arena_mem.reset(new uint8_t[arena_size]);
  out->arena.init(out->arena_mem.get(), arena_size);
  inferpi::ModelFiles files{out->model.data(), out->model.size(), out->tokenizer.data(),
                            out->tokenizer.size()};
  inferpi::EngineOptions opt;
  opt.max_context = max_context;
  opt.kv_type = kv;
  inferpi::Status st = inferpi::create_engine(files, opt, out->arena, &out->engine);
  return st.message();
}

// ---- JSON -----------------------------------------------------------------------------

const Json& Json::operator[](const std::string& k) const {
  auto it = obj.find(k);
  if (it == obj.end()) throw std::runtime_error("json: no key " + k);
  return it->second;
}

std::vector<int> Json::ints() const {
  std::vector<int> v;
  for (const Json& j : arr) v.push_back(int(j.num));
  return v;
}

namespace {
struct JsonParser {
  const std::string& s;
  size_t i = 0;
  void ws() {
    while (i < s.size() && isspace(static_cast<unsigned char>(s[i]))) i++;
  }
  static void utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xc0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += char(0xe0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    } else {
      out += char(0xf0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3f));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    }
  }
  uint32_t hex4() {
    uint32_t v = std::stoul(s.substr(i, 4), nullptr, 16);
    i += 4;
    return v;
  }
  // An object or an array from its opening bracket: `member` parses one member into it,
  // separators and whitespace around members are skipped up to `close`.
  template <typename Member>
  Json members(Json::Type type, char close, Member member) {
    Json j;
    j.type = type;
    i++;
    ws();
    if (s[i] == close) return i++, j;
    for (;;) {
      member(j);
      ws();
      if (s[i++] == close) return j;
    }
  }
  Json value() {
    ws();
    Json j;
    char c = s.at(i);
    if (c == '{') {
      return members(Json::Object, '}', [&](Json& obj) {
        std::string k = value().str;
        ws();
        i++;  // ':'
        obj.obj[k] = value();
      });
    }
    if (c == '[') return members(Json::Array, ']', [&](Json& arr) { arr.arr.push_back(value()); });
    if (c == '"') {
      j.type = Json::String;
      i++;
      while (s[i] != '"') {
        if (s[i] != '\\') {
          j.str += s[i++];
          continue;
        }
        char e = s[++i];
        i++;
        // The one-letter escapes (\" \\ \/ are the character itself: the default below).
        static constexpr struct {
          char letter, ch;
        } kEscapes[] = {{'n', '\n'}, {'t', '\t'}, {'r', '\r'}, {'b', '\b'}, {'f', '\f'}};
        bool escaped = false;
        for (const auto& x : kEscapes) {
          if (x.letter == e) j.str += x.ch, escaped = true;
        }
        if (escaped) continue;
        if (e != 'u') {
          j.str += e;
          continue;
        }
        uint32_t cp = hex4();
        if (cp >= 0xd800 && cp < 0xdc00 && s[i] == '\\' && s[i + 1] == 'u') {
          i += 2;
          uint32_t lo = hex4();
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        utf8(j.str, cp);
      }
      i++;
      return j;
    }
    if (s.compare(i, 4, "true") == 0) return i += 4, j.type = Json::Bool, j.b = true, j;
    if (s.compare(i, 5, "false") == 0) return i += 5, j.type = Json::Bool, j;
    if (s.compare(i, 4, "null") == 0) return i += 4, j;
    size_t used = 0;
    j.type = Json::Number;
    j.num = std::stod(s.substr(i, 64), &used);
    i += used;
    return j;
  }
};
}  // namespace

Json parse_json(const std::string& text) {
  JsonParser p{text};
  return p.value();
}

Json read_json(const std::string& path) {
  std::vector<uint8_t> b = read_file(path);
  return parse_json(std::string(b.begin(), b.end()));
}

std::vector<int> greedy(inferpi::Engine* e, const std::vector<int>& prompt, int steps) {
  std::vector<int> out;
  if (!e->forward(prompt.data(), int(prompt.size()))) return out;
  for (int s = 0; s < steps; s++) {
    int t = inferpi::Sampler::argmax(e->logits(), e->info().vocab_size);
    out.push_back(t);
    if (s + 1 < steps && !e->forward(&t, 1)) break;
  }
  return out;
}

}  // namespace gpt2test
