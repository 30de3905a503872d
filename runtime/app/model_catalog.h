// ModelCatalog: every model on every drive, as the menu shows them.
//
// A model is, at a drive's root:
//   - a folder holding model.bin (+ tokenizer.bin, which model.bin engines need), or
//   - a folder holding one or more *.gguf files (one menu entry per file), or
//   - a *.gguf file.
// For each one the catalog reads the first bytes of the model file and asks the engine
// registry what it is (engine, architecture, dtype). Anything that cannot be loaded stays in
// the list with the reason ("no tokenizer.bin next to model.bin", "not a model file we know")
// so the user sees why their folder is not selectable. Folders with no model file at all
// (e.g. "overlays" on the SD card) are not models and are left out.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>  // engine.h's arena_new needs placement new

#include "engines/core/engine.h"
#include "runtime/app/model_drive.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi {

// The engine registry as the appliance uses it (engines/core/engine.h). A struct so tests
// can put fake engines behind the same menu and loader.
struct EngineRegistry {
  Status (*describe)(const uint8_t* head, size_t head_size, uint64_t file_size,
                     ModelSummary* out) = describe_model;
  Status (*create)(const ModelFiles& files, const EngineOptions& options, Arena& arena,
                   Engine** out) = create_engine;
};

struct ModelEntry {
  static constexpr size_t kMaxName = 96;
  static constexpr size_t kMaxPath = 2 * DriveEntry::kMaxName + 2;

  ModelDrive* drive = nullptr;
  char name[kMaxName] = {};            // "demo-llama", "qwen/qwen2.5-0.5b-q8_0.gguf"
  char model_path[kMaxPath] = {};      // "demo-llama/model.bin"
  char tokenizer_path[kMaxPath] = {};  // "" when the model file carries its tokenizer
  uint64_t model_bytes = 0;
  uint64_t tokenizer_bytes = 0;
  ModelSummary summary;  // valid when usable
  bool usable = false;
  char problem[Status::kMaxMessage] = {};  // why not usable

  uint64_t total_bytes() const { return model_bytes + tokenizer_bytes; }
};

class ModelCatalog {
 public:
  static constexpr int kMaxModels = 32;
  static constexpr int kMaxRootEntries = 128;  // entries of a root folder we look at
  // How much of a model file the registry gets to identify it. GGUF keeps its whole
  // tokenizer vocabulary in the metadata before the tensor table, so it gets more.
  static constexpr size_t kHeadBytes = 64 * 1024;
  static constexpr size_t kGgufHeadBytes = 4 * 1024 * 1024;

  // Scans all drives. Temporary buffers come from `scratch` and are given back before
  // returning. Per-model problems end up in the entries; per-drive problems (a drive whose
  // root cannot be listed) in drive_problem(). Never fails as a whole.
  void scan(ModelDrive* const* drives, int drive_count, Arena& scratch,
            const EngineRegistry& registry = EngineRegistry());

  int count() const { return count_; }
  const ModelEntry& entry(int i) const { return entries_[i]; }
  int usable_count() const;
  // The i-th usable entry (0-based), in menu order, or nullptr.
  const ModelEntry* usable(int i) const;
  // True when more models were found than kMaxModels (the rest are not listed).
  bool overflowed() const { return overflowed_; }
  int root_entries_skipped() const { return root_skipped_; }

  int drive_count() const { return drive_count_; }
  const char* drive_problem(int d) const { return drive_problem_[d]; }

  static constexpr int kMaxDrives = 8;

 private:
  ModelEntry* add(ModelDrive* drive);
  void scan_drive(ModelDrive* drive, int d, Arena& scratch);
  void scan_folder(ModelDrive* drive, const DriveEntry& folder, Arena& scratch);
  void identify(ModelEntry& e, Arena& scratch);

  EngineRegistry registry_;
  ModelEntry entries_[kMaxModels];
  int count_ = 0;
  bool overflowed_ = false;
  int root_skipped_ = 0;
  int drive_count_ = 0;
  char drive_problem_[kMaxDrives][Status::kMaxMessage] = {};
};

// "812 MB", "3.4 MB", "120 KB": decimal units, as drive makers and the load speed use.
void format_bytes(uint64_t bytes, char* out, size_t cap);

}  // namespace inferpi
