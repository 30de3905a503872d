#include "runtime/app/model_loader.h"

#include "runtime/core/console.h"
#include "runtime/core/format.h"
#include "runtime/core/platform.h"

namespace inferpi {

namespace {

constexpr size_t kFileAlign = 64;  // cache line; GGUF tensor data needs 32
constexpr int kMinContext = 256;   // the smallest context worth loading a model for

uint64_t align_up(uint64_t n) { return (n + kFileAlign - 1) / kFileAlign * kFileAlign; }

double mb(uint64_t bytes) { return double(bytes) / 1e6; }

// One progress line, rewritten in place with '\r' while the files come in.
class Progress {
 public:
  Progress(const char* what, uint64_t total) : what_(what), total_(total) {
    start_us_ = platform::now_us();
  }
  void update(uint64_t done, bool final) {
    uint64_t now = platform::now_us();
    if (!final && now - last_print_us_ < 200000) return;  // about 5 lines a second
    last_print_us_ = now;
    uint64_t us = now - start_us_;
    double rate = us > 0 ? mb(done) / (double(us) / 1e6) : 0.0;
    int percent = total_ ? int(done * 100 / total_) : 100;
    kprint("\rLoading %s: %.1f / %.1f MB  %3d%%  %.1f MB/s ", what_, mb(done), mb(total_), percent,
           rate);
    if (final) kprint("\n");
  }
  uint64_t elapsed_us() const { return platform::now_us() - start_us_; }

 private:
  const char* what_;
  uint64_t total_;
  uint64_t start_us_ = 0;
  uint64_t last_print_us_ = 0;
};

bool ctrl_c_pressed() {
  Console* c = console();
  if (!c) return false;
  for (;;) {
    int b = c->read_byte(0);
    if (b < 0) return false;
    if (b == 0x03) return true;  // anything else typed during loading is dropped
  }
}

Status read_file(const ModelEntry& e, const char* path, uint64_t size, uint8_t* dst,
                 const LoadOptions& options, Progress& progress, uint64_t* done) {
  size_t chunk = options.chunk_bytes ? options.chunk_bytes : (4u << 20);
  for (uint64_t off = 0; off < size;) {
    size_t n = size - off < chunk ? size_t(size - off) : chunk;
    INFERPI_TRY(e.drive->read(path, off, n, dst + off));
    off += n;
    *done += n;
    progress.update(*done, false);
    if (options.cancel_on_ctrl_c && ctrl_c_pressed()) {
      return Status::error("loading cancelled (Ctrl-C)");
    }
  }
  return Status::ok();
}

}  // namespace

static Status load_files(const ModelEntry& entry, Arena& arena, const LoadOptions& options,
                         LoadedModel* out) {
  if (!entry.usable) return Status::error("%s: %s", entry.name, entry.problem);
  // The sizes come from the directory entries; re-check them against the file system now
  // (the stick may have been swapped since the scan).
  uint64_t model_bytes = 0, tokenizer_bytes = 0;
  INFERPI_TRY(entry.drive->file_size(entry.model_path, &model_bytes));
  if (entry.tokenizer_path[0]) {
    INFERPI_TRY(entry.drive->file_size(entry.tokenizer_path, &tokenizer_bytes));
  }
  if (model_bytes != entry.model_bytes || tokenizer_bytes != entry.tokenizer_bytes) {
    return Status::error("%s changed since the drive was scanned: rescan", entry.name);
  }

  const uint64_t need = align_up(model_bytes) + align_up(tokenizer_bytes);
  const uint64_t largest = arena.largest_free(kFileAlign);
  if (need > largest || model_bytes > SIZE_MAX || tokenizer_bytes > SIZE_MAX) {
    char need_s[24], free_s[24];
    format_bytes(need, need_s, sizeof(need_s));
    format_bytes(largest, free_s, sizeof(free_s));
    return Status::error("model needs %s, largest free block is %s", need_s, free_s);
  }
  // The weights must leave room for a useful KV cache too (the engine then fits the context
  // to what is left): refused here, before reading anything, when they do not.
  const ModelSummary& s = entry.summary;
  const int min_context = s.context > 0 && s.context < kMinContext ? s.context : kMinContext;
  const uint64_t kv = s.kv_bytes_per_position * uint64_t(min_context);
  if (kv && need + kv > largest) {
    char need_s[24], kv_s[24], free_s[24];
    format_bytes(need, need_s, sizeof(need_s));
    format_bytes(kv, kv_s, sizeof(kv_s));
    format_bytes(largest, free_s, sizeof(free_s));
    return Status::error(
        "model needs %s for the weights + %s for a %d-token KV cache, largest free block is %s",
        need_s, kv_s, min_context, free_s);
  }
  uint8_t* model = arena.alloc_array<uint8_t>(size_t(model_bytes), kFileAlign);
  uint8_t* tokenizer =
      tokenizer_bytes ? arena.alloc_array<uint8_t>(size_t(tokenizer_bytes), kFileAlign) : nullptr;
  if (!model || (tokenizer_bytes && !tokenizer)) {
    return Status::error("out of memory allocating %llu bytes for the model files",
                         static_cast<unsigned long long>(need));
  }

  Progress progress(entry.name, model_bytes + tokenizer_bytes);
  uint64_t done = 0;
  Status st = read_file(entry, entry.model_path, model_bytes, model, options, progress, &done);
  if (st && tokenizer_bytes) {
    st = read_file(entry, entry.tokenizer_path, tokenizer_bytes, tokenizer, options, progress,
                   &done);
  }
  progress.update(done, true);
  INFERPI_TRY(st);

  out->files.model = model;
  out->files.model_size = size_t(model_bytes);
  out->files.tokenizer = tokenizer;
  out->files.tokenizer_size = size_t(tokenizer_bytes);
  out->bytes_read = done;
  out->read_us = progress.elapsed_us();
  return Status::ok();
}

Status load_model(const ModelEntry& entry, Arena& arena, const LoadOptions& options,
                  LoadedModel* out) {
  *out = LoadedModel{};
  const Arena::Mark mark = arena.mark();
  Status st = load_files(entry, arena, options, out);
  if (st) {
    out->engine_mark = arena.mark();
    const size_t free_before_engine = arena.largest_free();
    st = options.registry.create(out->files, options.engine, arena, &out->engine);
    if (st && !out->engine) st = Status::error("engine: created nothing");
    if (!st) {
      char free_s[24];
      format_bytes(free_before_engine, free_s, sizeof(free_s));
      char msg[Status::kMaxMessage];
      format(msg, sizeof(msg), "%s (memory left after the files: %s)", st.message(), free_s);
      st = Status::error("%s", msg);
    }
  }
  if (!st) {
    arena.reset(mark);
    *out = LoadedModel{};
  }
  return st;
}

Status rebuild_engine(LoadedModel& loaded, Arena& arena, const LoadOptions& options, int context,
                      int fallback) {
  arena.reset(loaded.engine_mark);
  loaded.engine = nullptr;
  EngineOptions eo = options.engine;
  eo.max_context = context;
  Status st = options.registry.create(loaded.files, eo, arena, &loaded.engine);
  if (st && loaded.engine) return Status::ok();
  arena.reset(loaded.engine_mark);
  loaded.engine = nullptr;
  eo.max_context = fallback;
  Status back = options.registry.create(loaded.files, eo, arena, &loaded.engine);
  if (!back || !loaded.engine) {
    loaded.engine = nullptr;
    return Status::error("%s; and the previous context no longer fits: %s", st.message(),
                         back.message());
  }
  return st ? Status::error("engine: created nothing") : st;
}

}  // namespace inferpi
