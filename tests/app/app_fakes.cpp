#include "tests/app/app_fakes.h"

#include <cstring>

#include "runtime/core/kstring.h"

namespace inferpi::testing {

// ---- MemDrive -------------------------------------------------------------------------

void MemDrive::add_file(const std::string& path, std::vector<uint8_t> bytes) {
  files[path] = std::move(bytes);
}

Status MemDrive::list(const char* path, Visitor visit, void* ctx) {
  const std::string dir = path;
  if ((!fail_list.empty() && dir == fail_list) || (fail_root && dir.empty())) {
    return Status::error("%s: I/O error", dir.empty() ? "root" : path);
  }
  const std::string prefix = dir.empty() ? "" : dir + "/";
  std::map<std::string, DriveEntry> children;
  auto consider = [&](const std::string& p, bool is_file, uint64_t size) {
    if (p.compare(0, prefix.size(), prefix) != 0 || p.size() == prefix.size()) return;
    std::string rest = p.substr(prefix.size());
    size_t slash = rest.find('/');
    DriveEntry e;
    std::string child = slash == std::string::npos ? rest : rest.substr(0, slash);
    e.name_cut = copy_string(e.name, sizeof(e.name), child.c_str()) < child.size();
    e.is_dir = !is_file || slash != std::string::npos;
    e.size = e.is_dir ? 0 : size;
    children[child] = e;
  };
  bool exists = dir.empty() || dirs_.count(dir);
  for (const auto& [p, bytes] : files) {
    if (p.compare(0, prefix.size(), prefix) == 0) exists = true;
    consider(p, true, bytes.size());
  }
  for (const auto& [p, unused] : dirs_) consider(p, false, 0);
  if (!exists) return Status::error("%s: no such folder", path);
  for (const auto& [n, e] : children) {
    if (!visit(ctx, e)) break;
  }
  return Status::ok();
}

Status MemDrive::file_size(const char* path, uint64_t* size) {
  auto it = files.find(path);
  if (it == files.end()) return Status::error("%s: not found", path);
  *size = it->second.size();
  return Status::ok();
}

Status MemDrive::read(const char* path, uint64_t offset, size_t len, void* dst) {
  reads++;
  auto it = files.find(path);
  if (it == files.end()) return Status::error("%s: not found", path);
  if (!fail_read_path.empty() && fail_read_path == path && offset + len > fail_read_offset) {
    return Status::error("%s: transaction error at byte %llu", path,
                         static_cast<unsigned long long>(fail_read_offset));
  }
  if (offset > it->second.size() || len > it->second.size() - offset) {
    return Status::error("%s: read past the end", path);
  }
  memcpy(dst, it->second.data() + offset, len);
  return Status::ok();
}

// ---- Fake engine ----------------------------------------------------------------------

namespace {

constexpr size_t kHeader = 20;

void put_u32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; i++) v.push_back(uint8_t(x >> (8 * i)));
}

class FakeTokenizer : public Tokenizer {
 public:
  int vocab_size() const override { return 256; }
  Status encode(const char* text, size_t len, int* out, int cap, int* count) const override {
    if (int(len) > cap) return Status::error("too many tokens");
    for (size_t i = 0; i < len; i++) out[i] = static_cast<unsigned char>(text[i]);
    *count = int(len);
    return Status::ok();
  }
  size_t decode(int, int token, char* out, size_t cap) const override {
    if (cap == 0) return 0;
    out[0] = char(token);
    return 1;
  }
  int special_id(const char*) const override { return -1; }
  int bos_id() const override { return 1; }
  int eos_id() const override { return 2; }
};

class FakeChat : public ChatFormat {
 public:
  const char* name() const override { return "fake"; }
  bool is_chat() const override { return true; }
  Status render_user_turn(const Tokenizer& tok, const char* text, bool, int* out, int cap,
                          int* count) const override {
    return tok.encode(text, strlen(text), out, cap, count);
  }
  Status render_assistant_end(const Tokenizer&, int, int*, int, int* count) const override {
    *count = 0;
    return Status::ok();
  }
  bool is_stop(int token) const override { return token == 2; }
};

class FakeEngine : public Engine {
 public:
  ModelInfo info_;
  FakeTokenizer tok_;
  FakeChat chat_;
  float* logits_ = nullptr;
  int pos_ = 0;
  int ctx_ = 0;

  const ModelInfo& info() const override { return info_; }
  const Tokenizer& tokenizer() const override { return tok_; }
  ChatFormat& chat_format() override { return chat_; }
  int position() const override { return pos_; }
  int context_length() const override { return ctx_; }
  void reset() override { pos_ = 0; }
  Status forward(const int*, int n, float*) override {
    if (pos_ + n > ctx_) return Status::error("context full");
    pos_ += n;
    return Status::ok();
  }
  const float* logits() const override { return logits_; }
};

int g_created = 0;

Status fake_describe(const uint8_t* head, size_t n, uint64_t file_size, ModelSummary* out) {
  if (n < 4 || memcmp(head, "FAKE", 4) != 0) {
    return Status::error("not a model file we know (unrecognised header)");
  }
  if (n < kHeader) return Status::error("model.bin: truncated header");
  uint32_t weights = load_le32(head + 12);
  if (kHeader + uint64_t(weights) > file_size) {
    return Status::error("model.bin: truncated: header says %u bytes of weights, file has %llu",
                         weights, static_cast<unsigned long long>(file_size - kHeader));
  }
  copy_string(out->engine, sizeof(out->engine), "Fake");
  copy_string(out->architecture, sizeof(out->architecture), "fakearch");
  copy_string(out->dtype, sizeof(out->dtype), "f32");
  out->n_params = weights / 4;
  return Status::ok();
}

Status fake_create(const ModelFiles& f, const EngineOptions& options, Arena& arena, Engine** out) {
  ModelSummary s;
  INFERPI_TRY(fake_describe(f.model, f.model_size, f.model_size, &s));
  if (!f.tokenizer || f.tokenizer_size < 4 || memcmp(f.tokenizer, "FTOK", 4) != 0) {
    return Status::error("tokenizer.bin: bad magic");
  }
  const uint32_t layers = load_le32(f.model + 4);
  const uint32_t context = load_le32(f.model + 8);
  // kv_bytes is the KV cache at the model's full context; it scales with the context used.
  // Like the Llama engine: no explicit context = the largest that fits (up to the cap).
  const uint32_t kv_full = load_le32(f.model + 16);
  const uint64_t per_position = context ? (kv_full + context - 1) / context : 0;
  int cap = options.max_context ? options.max_context : EngineOptions::kDefaultContextCap;
  int ctx = int(context) < cap ? int(context) : cap;
  if (!options.max_context && per_position) {
    const int fits = context_that_fits(ctx, 4096, per_position, arena.largest_free());
    if (fits >= 16) ctx = fits;
  }
  const uint64_t kv_bytes = per_position * uint64_t(ctx);
  void* kv = arena.alloc(kv_bytes);
  if (!kv) {
    return Status::error("KV cache: out of memory (needs %llu bytes, %zu left)",
                         (unsigned long long)kv_bytes, arena.largest_free());
  }
  FakeEngine* e = arena_new<FakeEngine>(arena);
  if (!e) return Status::error("out of memory");
  copy_string(e->info_.engine, sizeof(e->info_.engine), "Fake");
  copy_string(e->info_.architecture, sizeof(e->info_.architecture), "fakearch");
  copy_string(e->info_.dtype, sizeof(e->info_.dtype), "f32");
  e->info_.n_layers = int(layers);
  e->info_.max_context = int(context);
  e->ctx_ = ctx;
  e->info_.bytes_per_position = per_position;
  e->info_.requested_context = int(context) < cap ? int(context) : cap;
  e->logits_ = arena.alloc_array<float>(256);
  g_created++;
  *out = e;
  return Status::ok();
}

}  // namespace

std::vector<uint8_t> fake_model(uint32_t weight_bytes, uint32_t context, uint32_t kv_bytes) {
  std::vector<uint8_t> v = {'F', 'A', 'K', 'E'};
  put_u32(v, 2);
  put_u32(v, context);
  put_u32(v, weight_bytes);
  put_u32(v, kv_bytes);
  for (uint32_t i = 0; i < weight_bytes; i++) v.push_back(uint8_t(i * 7 + 3));
  return v;
}

std::vector<uint8_t> fake_tokenizer() { return {'F', 'T', 'O', 'K', 1, 2, 3, 4}; }

EngineRegistry fake_registry() {
  EngineRegistry r;
  r.describe = fake_describe;
  r.create = fake_create;
  return r;
}

int fake_engines_created() { return g_created; }

// ---- RecordingChat --------------------------------------------------------------------

Status RecordingChat::begin(Engine& e, Arena&, const char* model_name) {
  engine = &e;
  models.push_back(model_name);
  return Status::ok();
}

void RecordingChat::handle_line(const char* line) {
  lines.push_back(line);
  kprint("[reply to %zu bytes]\n", strlen(line));
}

void RecordingChat::print_help() { kprint("  /reset         (fake chat help)\n"); }
void RecordingChat::print_stats() { kprint("Context: %d tokens\n", engine->context_length()); }

}  // namespace inferpi::testing
