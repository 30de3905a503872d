#include "runtime/app/model_catalog.h"

#include <cstring>

#include "runtime/core/format.h"
#include "runtime/core/kstring.h"

namespace inferpi {

void format_bytes(uint64_t bytes, char* out, size_t cap) {
  constexpr uint64_t kKB = 1000, kMB = 1000 * kKB, kGB = 1000 * kMB;
  if (bytes >= 10 * kGB) {
    format(out, cap, "%llu GB", static_cast<unsigned long long>((bytes + kGB / 2) / kGB));
  } else if (bytes >= kGB) {
    format(out, cap, "%.1f GB", double(bytes) / double(kGB));
  } else if (bytes >= 10 * kMB) {
    format(out, cap, "%llu MB", static_cast<unsigned long long>((bytes + kMB / 2) / kMB));
  } else if (bytes >= kMB) {
    format(out, cap, "%.1f MB", double(bytes) / double(kMB));
  } else if (bytes >= kKB) {
    format(out, cap, "%llu KB", static_cast<unsigned long long>((bytes + kKB / 2) / kKB));
  } else {
    format(out, cap, "%llu bytes", static_cast<unsigned long long>(bytes));
  }
}

namespace {

// A folder listing copied out of the drive, so the drive is never re-entered while it lists.
struct Listing {
  DriveEntry* entries = nullptr;
  int count = 0;
  int cap = 0;
  int skipped = 0;  // entries that did not fit
};

bool collect(void* ctx, const DriveEntry& e) {
  Listing* l = static_cast<Listing*>(ctx);
  if (l->count < l->cap) {
    l->entries[l->count++] = e;
  } else {
    l->skipped++;
  }
  return true;
}

Status list_into(ModelDrive* drive, const char* path, Listing* out, int cap, Arena& scratch) {
  out->entries = scratch.alloc_array<DriveEntry>(size_t(cap));
  if (!out->entries) return Status::error("out of memory listing '%s'", path);
  out->cap = cap;
  out->count = 0;
  out->skipped = 0;
  INFERPI_TRY(drive->list(path, collect, out));
  // Menu order must not depend on directory order (readdir on the host is arbitrary).
  for (int i = 1; i < out->count; i++) {
    for (int j = i; j > 0 && compare_nocase(out->entries[j - 1].name, out->entries[j].name) > 0;
         j--) {
      DriveEntry tmp = out->entries[j];
      out->entries[j] = out->entries[j - 1];
      out->entries[j - 1] = tmp;
    }
  }
  return Status::ok();
}

bool is_hidden(const DriveEntry& e) {
  return e.name[0] == '.' || compare_nocase(e.name, "System Volume Information") == 0 ||
         compare_nocase(e.name, "$RECYCLE.BIN") == 0;
}

// "folder/name" (or just "name" at the root), refusing to cut a path.
bool join(char* out, size_t cap, const char* folder, const char* name) {
  size_t n = folder[0] ? format(out, cap, "%s/%s", folder, name) : format(out, cap, "%s", name);
  return n < cap;
}

void set_name(ModelEntry& e, const char* name) {
  size_t n = strlen(name);
  if (n < sizeof(e.name)) {
    copy_string(e.name, sizeof(e.name), name);
    return;
  }
  // Cut at a character boundary (never half a UTF-8 sequence), then mark the cut.
  size_t keep = sizeof(e.name) - 4;
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) keep--;
  memcpy(e.name, name, keep);
  memcpy(e.name + keep, "...", 4);
}

}  // namespace

ModelEntry* ModelCatalog::add(ModelDrive* drive) {
  if (count_ == kMaxModels) {
    overflowed_ = true;
    return nullptr;
  }
  ModelEntry* e = &entries_[count_++];
  *e = ModelEntry{};
  e->drive = drive;
  return e;
}

void ModelCatalog::scan(ModelDrive* const* drives, int drive_count, Arena& scratch,
                        const EngineRegistry& registry) {
  registry_ = registry;
  count_ = 0;
  overflowed_ = false;
  root_skipped_ = 0;
  drive_count_ = drive_count < kMaxDrives ? drive_count : kMaxDrives;
  for (int d = 0; d < drive_count_; d++) {
    drive_problem_[d][0] = 0;
    if (drives[d]) scan_drive(drives[d], d, scratch);
  }
}

void ModelCatalog::scan_drive(ModelDrive* drive, int d, Arena& scratch) {
  Arena::Mark mark = scratch.mark();
  Listing root;
  Status st = list_into(drive, "", &root, kMaxRootEntries, scratch);
  if (!st) {
    copy_string(drive_problem_[d], sizeof(drive_problem_[d]), st.message());
    scratch.reset(mark);
    return;
  }
  root_skipped_ += root.skipped;
  for (int i = 0; i < root.count; i++) {
    const DriveEntry& e = root.entries[i];
    if (is_hidden(e)) continue;
    if (e.is_dir) {
      scan_folder(drive, e, scratch);
    } else if (ends_with_nocase(e.name, ".gguf")) {
      ModelEntry* m = add(drive);
      if (!m) break;
      set_name(*m, e.name);
      m->model_bytes = e.size;
      if (e.name_cut || !join(m->model_path, sizeof(m->model_path), "", e.name)) {
        format(m->problem, sizeof(m->problem), "file name too long (over %d bytes)",
               int(DriveEntry::kMaxName - 1));
      }
      identify(*m, scratch);
    }
  }
  scratch.reset(mark);
}

void ModelCatalog::scan_folder(ModelDrive* drive, const DriveEntry& folder, Arena& scratch) {
  Arena::Mark mark = scratch.mark();
  Listing l;
  Status st = list_into(drive, folder.name, &l, 64, scratch);
  const DriveEntry* model_bin = nullptr;
  const DriveEntry* tokenizer_bin = nullptr;
  int ggufs = 0;
  if (st) {
    for (int i = 0; i < l.count; i++) {
      const DriveEntry& e = l.entries[i];
      if (e.is_dir) continue;
      if (compare_nocase(e.name, "model.bin") == 0) model_bin = &e;
      if (compare_nocase(e.name, "tokenizer.bin") == 0) tokenizer_bin = &e;
      if (ends_with_nocase(e.name, ".gguf") && e.name[0] != '.') ggufs++;
    }
  }
  const bool looks_like_model = !st || model_bin || tokenizer_bin || ggufs > 0;
  if (!looks_like_model) {
    scratch.reset(mark);
    return;  // an ordinary folder (overlays/, notes/): not a model
  }
  const bool name_too_long = folder.name_cut;

  if (!st || model_bin || (tokenizer_bin && ggufs == 0)) {
    ModelEntry* m = add(drive);
    if (!m) {
      scratch.reset(mark);
      return;
    }
    set_name(*m, folder.name);
    if (name_too_long) {
      format(m->problem, sizeof(m->problem), "folder name too long (over %d bytes)",
             int(DriveEntry::kMaxName - 1));
    } else if (!st) {
      format(m->problem, sizeof(m->problem), "cannot list the folder: %s", st.message());
    } else if (!model_bin) {
      copy_string(m->problem, sizeof(m->problem), "tokenizer.bin but no model.bin in the folder");
    } else {
      join(m->model_path, sizeof(m->model_path), folder.name, model_bin->name);
      m->model_bytes = model_bin->size;
      if (tokenizer_bin) {
        join(m->tokenizer_path, sizeof(m->tokenizer_path), folder.name, tokenizer_bin->name);
        m->tokenizer_bytes = tokenizer_bin->size;
      } else {
        copy_string(m->problem, sizeof(m->problem), "no tokenizer.bin next to model.bin");
      }
    }
    identify(*m, scratch);
  }

  for (int i = 0; st && i < l.count; i++) {
    const DriveEntry& e = l.entries[i];
    if (e.is_dir || e.name[0] == '.' || !ends_with_nocase(e.name, ".gguf")) continue;
    ModelEntry* m = add(drive);
    if (!m) break;
    char name[ModelEntry::kMaxPath];
    if (ggufs == 1 && !model_bin) {
      set_name(*m, folder.name);
    } else {
      join(name, sizeof(name), folder.name, e.name);
      set_name(*m, name);
    }
    m->model_bytes = e.size;
    if (name_too_long || e.name_cut ||
        !join(m->model_path, sizeof(m->model_path), folder.name, e.name)) {
      format(m->problem, sizeof(m->problem), "name too long (over %d bytes)",
             int(DriveEntry::kMaxName - 1));
    }
    identify(*m, scratch);
  }
  scratch.reset(mark);
}

// Reads the start of the model file and asks the engine registry what it is.
void ModelCatalog::identify(ModelEntry& e, Arena& scratch) {
  if (e.problem[0]) return;  // already known to be unusable
  const char* file = e.model_path;
  if (e.model_bytes == 0) {
    format(e.problem, sizeof(e.problem), "%s is empty", file);
    return;
  }
  size_t want = ends_with_nocase(file, ".gguf") ? kGgufHeadBytes : kHeadBytes;
  size_t n = e.model_bytes < want ? size_t(e.model_bytes) : want;
  Arena::Mark mark = scratch.mark();
  uint8_t* head = scratch.alloc_array<uint8_t>(n);
  if (!head) {
    format(e.problem, sizeof(e.problem), "not enough memory to read the header of %s", file);
    return;
  }
  Status st = e.drive->read(file, 0, n, head);
  if (st) st = registry_.describe(head, n, e.model_bytes, &e.summary);
  scratch.reset(mark);
  if (!st) {
    // The file name is already in most drive messages; the registry's are about content.
    format(e.problem, sizeof(e.problem), "%s", st.message());
    return;
  }
  // Engines fill fixed arrays; never trust them to be terminated.
  e.summary.engine[sizeof(e.summary.engine) - 1] = 0;
  e.summary.architecture[sizeof(e.summary.architecture) - 1] = 0;
  e.summary.dtype[sizeof(e.summary.dtype) - 1] = 0;
  e.usable = true;
}

int ModelCatalog::usable_count() const {
  int n = 0;
  for (int i = 0; i < count_; i++) n += entries_[i].usable ? 1 : 0;
  return n;
}

const ModelEntry* ModelCatalog::usable(int i) const {
  for (int k = 0; k < count_; k++) {
    if (!entries_[k].usable) continue;
    if (i-- == 0) return &entries_[k];
  }
  return nullptr;
}

}  // namespace inferpi
