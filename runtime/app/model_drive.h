// ModelDrive: one place models can live — a FAT32 volume on a USB stick or the SD card in
// the kernel, a plain folder or a disk image on the host. The catalog lists a drive's root
// for model folders, looks inside them, and the loader reads files into the model arena.
// Paths are relative to the drive's root, '/'-separated, without a leading '/' ("" = root).
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/status.h"

namespace inferpi {

struct DriveEntry {
  static constexpr size_t kMaxName = 256;  // longer names are cut; the catalog rejects them
  char name[kMaxName] = {};
  bool name_cut = false;  // the real name did not fit in `name`
  bool is_dir = false;
  uint64_t size = 0;  // bytes (0 for folders)
};

class ModelDrive {
 public:
  virtual ~ModelDrive() = default;

  // Shown in the menu next to every model: "usb0p1 INFERPI", "/home/me/models".
  virtual const char* name() const = 0;

  // Calls visit(ctx, entry) for every entry of the folder `path`, "." and ".." excluded;
  // visit returns false to stop early. Implementations must not be re-entered from visit.
  using Visitor = bool (*)(void* ctx, const DriveEntry& entry);
  virtual Status list(const char* path, Visitor visit, void* ctx) = 0;

  virtual Status file_size(const char* path, uint64_t* size) = 0;

  // Reads exactly `len` bytes at `offset` of the file at `path` into `dst`. Reading past
  // the end of the file is an error. Sequential calls on the same file are the fast path
  // (the loader reads a model in chunks to show progress).
  virtual Status read(const char* path, uint64_t offset, size_t len, void* dst) = 0;
};

}  // namespace inferpi
