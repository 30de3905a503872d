// libFuzzer target over partition discovery + FAT32: the input describes a sparse disk,
// the target scans it for volumes and walks every folder and file it finds (bounded), the
// same calls the appliance and `inferpi disk` make. ASan/UBSan catch any out-of-bounds
// access; libFuzzer's timeout catches loops.
//
// Input format (tests/fuzz/make_seeds.py writes seeds in it):
//   byte 0      flags: bit 0 = 4096-byte sectors (else 512)
//   bytes 1..4  u32 LE sector count of the disk (0 → 1)
//   then records: u32 LE lba + one sector of data. Sectors without a record read as zeros.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "drivers/block/volumes.h"
#include "runtime/core/kstring.h"

using namespace inferpi;

namespace {

class SparseDisk : public BlockDevice {
 public:
  SparseDisk(const uint8_t* data, size_t size) {
    if (size < 5) return;
    sector_ = (data[0] & 1) ? 4096 : 512;
    count_ = load_le32(data + 1);
    if (count_ == 0) count_ = 1;
    records_ = data + 5;
    n_records_ = (size - 5) / (4 + sector_);
    if (n_records_ > 512) n_records_ = 512;
  }
  const char* name() const override { return "fuzz"; }
  uint32_t sector_size() const override { return sector_; }
  uint64_t sector_count() const override { return count_; }
  Status read(uint64_t lba, uint64_t count, void* dst) override {
    if (lba > count_ || count > count_ - lba) return Status::error("fuzz: read past the end");
    uint8_t* out = static_cast<uint8_t*>(dst);
    memset(out, 0, count * sector_);
    for (size_t i = 0; i < n_records_; i++) {
      const uint8_t* r = records_ + i * (4 + sector_);
      uint64_t at = load_le32(r);
      if (at >= lba && at < lba + count) memcpy(out + (at - lba) * sector_, r + 4, sector_);
    }
    return Status::ok();
  }

 private:
  uint32_t sector_ = 512;
  uint64_t count_ = 1;
  const uint8_t* records_ = nullptr;
  size_t n_records_ = 0;
};

uint8_t g_buf[256 * 1024];
int g_budget;  // directory entries + files visited per input

struct Names {
  char path[16][600];
  bool dir[16];
  int n = 0;
};

void walk(Volume& v, const char* path, int depth) {
  Names names;
  struct Ctx {
    Names* names;
    const char* parent;
  } ctx{&names, path};
  v.list(
      path,
      [](void* c, const FatDirEntry& e) {
        Ctx* x = static_cast<Ctx*>(c);
        if (--g_budget < 0 || x->names->n == 16) return false;
        int i = x->names->n++;
        size_t len = strlen(x->parent);
        copy_string(x->names->path[i], sizeof(x->names->path[i]), x->parent);
        if (len + 1 < sizeof(x->names->path[i])) {
          x->names->path[i][len] = '/';
          copy_string(x->names->path[i] + len + 1, sizeof(x->names->path[i]) - len - 1, e.name);
        }
        x->names->dir[i] = e.is_dir;
        return true;
      },
      &ctx);
  for (int i = 0; i < names.n; i++) {
    FatFile f;
    if (!v.open(names.path[i], &f)) continue;
    if (names.dir[i]) {
      if (depth < 3) walk(v, names.path[i], depth + 1);
      continue;
    }
    uint32_t extents;
    (void)v.fs().count_extents(f, &extents);
    size_t n = f.size < sizeof(g_buf) ? f.size : sizeof(g_buf);
    (void)v.read(f, 0, n, g_buf);
    if (f.size > 3) (void)v.read(f, f.size / 2 - 1, 3, g_buf);
    (void)v.read(f, f.size, 1, g_buf);  // past the end: must be an error, not a read
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Volumes* vols = new Volumes();
  SparseDisk disk(data, size);
  if (!vols->scan(&disk)) return 0;
  for (int i = 0; i < vols->volume_count(); i++) {
    g_budget = 200;
    walk(vols->volume(i), "", 0);
  }
  return 0;
}
