// Helpers for the GPT2 engine tests: run the exporter (cached per exporter version), load
// an engine from an export directory, read golden.json.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engines/gpt2/gpt2_engine.h"
#include "runtime/core/arena.h"

namespace gpt2test {

std::string shared_dir();  // ../shared (may not exist)
bool exists(const std::string& path);
std::vector<uint8_t> read_file(const std::string& path);
std::vector<float> read_f32(const std::string& path);

// Runs a command, returns its exit status; *output gets stdout+stderr.
int run(const std::string& cmd, std::string* output);
// tools/export_gpt2.py with `args`; returns exit status, output in *output.
int run_exporter(const std::string& args, std::string* output);
// Exports once per (args, exporter source) into a cache dir and returns that dir ("" on
// failure, with the exporter's output in *output).
std::string cached_export(const std::string& args, std::string* output);
std::string fresh_dir(const std::string& name);  // empty directory under the work dir

// An engine plus the memory it lives in.
struct Loaded {
  std::vector<uint8_t> model, tokenizer;
  std::unique_ptr<uint8_t[]> arena_mem;
  inferpi::Arena arena;
  inferpi::Engine* engine = nullptr;
  inferpi::Gpt2Engine* gpt2() { return static_cast<inferpi::Gpt2Engine*>(engine); }
};
// Loads model.bin + tokenizer.bin from `dir`; returns the create_engine status message
// ("ok" on success). Comparisons with f32 references pass KvType::F32 (exact attention
// inputs); everything else runs the default f16 KV cache.
std::string load(const std::string& dir, Loaded* out, int max_context = 0,
                 inferpi::KvType kv = inferpi::KvType::F16);

// Minimal JSON (host test code only).
struct Json {
  enum Type { Null, Bool, Number, String, Array, Object } type = Null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<Json> arr;
  std::map<std::string, Json> obj;
  const Json& operator[](const std::string& k) const;
  const Json& operator[](size_t i) const { return arr.at(i); }
  std::vector<int> ints() const;
};
Json parse_json(const std::string& text);
Json read_json(const std::string& path);

std::vector<int> greedy(inferpi::Engine* e, const std::vector<int>& prompt, int steps);

}  // namespace gpt2test
