#include "runtime/boards/host/cli/disk_command.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "drivers/block/volumes.h"
#include "runtime/boards/host/file_block_device.h"

namespace inferpi {

namespace {

int usage() {
  fprintf(stderr,
          "usage: inferpi disk ls  [--sector-size 512|4096] IMAGE [PATH]\n"
          "       inferpi disk cat [--sector-size 512|4096] IMAGE PATH\n"
          "PATH may start with N: to choose the N-th FAT32 volume (default 1).\n");
  return 2;
}

int fail(const Status& st) {
  fprintf(stderr, "inferpi disk: %s\n", st.message());
  return 1;
}

// "12.3 MiB" style, for humans; exact byte counts are printed next to it where it matters.
void human(uint64_t bytes, char* out, size_t cap) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, u++;
  if (u == 0) {
    snprintf(out, cap, "%llu B", (unsigned long long)bytes);
  } else {
    snprintf(out, cap, "%.1f %s", v, units[u]);
  }
}

void print_partitions(FileBlockDevice& disk, Volumes& vols) {
  char size[32];
  human(disk.sector_count() * disk.sector_size(), size, sizeof(size));
  const PartitionTable& t = vols.table();
  printf("%s, %u-byte sectors, %s%s\n", size, disk.sector_size(), partition_scheme_name(t.scheme),
         t.gpt_used_backup ? " (primary header bad: using the backup)" : "");
  for (int i = 0; i < vols.partition_count(); i++) {
    const Volumes::Partition& p = vols.partition(i);
    human(p.info.sector_count * disk.sector_size(), size, sizeof(size));
    printf("  partition %u: LBA %llu, %llu sectors (%s), %s: ", p.info.index,
           (unsigned long long)p.info.first_lba, (unsigned long long)p.info.sector_count, size,
           p.info.type_name);
    if (p.volume >= 0) {
      Volume& v = vols.volume(p.volume);
      printf("FAT32 volume %d, label \"%s\", %u-byte clusters\n", p.volume + 1, v.label(),
             v.fs().cluster_bytes());
    } else {
      printf("%s\n", p.status.message());
    }
  }
}

bool print_entry(void*, const FatDirEntry& e) {
  if (e.is_dir) {
    printf("  %12s  %s/\n", "<dir>", e.name);
  } else {
    printf("  %12u  %s\n", e.size, e.name);
  }
  return true;
}

// Splits "N:path" into a volume index and the path.
Status pick_volume(Volumes& vols, const char* arg, Volume** vol, const char** path) {
  int index = 1;
  const char* colon = strchr(arg, ':');
  if (colon && colon > arg && colon - arg <= 2) {
    bool digits = true;
    for (const char* c = arg; c < colon; c++) digits &= (*c >= '0' && *c <= '9');
    if (digits) index = atoi(arg), arg = colon + 1;
  }
  if (vols.volume_count() == 0) return Status::error("no FAT32 volume on this disk");
  if (index < 1 || index > vols.volume_count()) {
    return Status::error("volume %d: the disk has %d FAT32 volume(s)", index, vols.volume_count());
  }
  *vol = &vols.volume(index - 1);
  *path = arg;
  return Status::ok();
}

}  // namespace

}  // namespace inferpi

int run_disk_command(int argc, char** argv) {
  using namespace inferpi;
  // argv may start at "disk" (main passes argc - 1, argv + 1), at the program name
  // ({"inferpi", "disk", ...}) or at the verb.
  int i = 0;
  if (argc > 0 && strcmp(argv[0], "disk") == 0) {
    i = 1;
  } else if (argc > 1 && strcmp(argv[1], "disk") == 0) {
    i = 2;
  }
  if (i >= argc) return usage();
  const char* verb = argv[i++];
  uint32_t sector_size = 512;
  const char* positional[2] = {nullptr, nullptr};
  int npos = 0;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--sector-size") == 0 && i + 1 < argc) {
      sector_size = uint32_t(strtoul(argv[++i], nullptr, 10));
    } else if (npos < 2) {
      positional[npos++] = argv[i];
    } else {
      return usage();
    }
  }
  const bool is_ls = strcmp(verb, "ls") == 0, is_cat = strcmp(verb, "cat") == 0;
  if ((!is_ls && !is_cat) || npos < 1 || (is_cat && npos < 2)) return usage();

  FileBlockDevice disk;
  Status st = disk.open(positional[0], sector_size);
  if (!st) return fail(st);
  auto vols = std::make_unique<Volumes>();
  st = vols->scan(&disk);
  if (!st) return fail(st);

  if (is_ls) {
    print_partitions(disk, *vols);
    if (vols->volume_count() == 0) return fail(Status::error("no FAT32 volume on this disk"));
    Volume* vol = nullptr;
    const char* path = "/";
    st = pick_volume(*vols, positional[1] ? positional[1] : "/", &vol, &path);
    if (!st) return fail(st);
    FatFile f;
    st = vol->open(path, &f);
    if (!st) return fail(st);
    if (!f.is_dir) {  // ls of a file: one line, like ls
      printf("%s:\n  %12u  %s\n", vol->name(), f.size, path);
      return 0;
    }
    printf("%s:%s%s\n", vol->name(), path[0] == '/' ? "" : "/", path);
    st = vol->list(path, print_entry, nullptr);
    return st ? 0 : fail(st);
  }

  Volume* vol = nullptr;
  const char* path = nullptr;
  st = pick_volume(*vols, positional[1], &vol, &path);
  if (!st) return fail(st);
  FatFile f;
  st = vol->open(path, &f);
  if (!st) return fail(st);
  if (f.is_dir) return fail(Status::error("'%s' is a folder", path));
  const size_t kChunk = 4u << 20;
  std::unique_ptr<uint8_t[]> buf(new uint8_t[kChunk]);
  for (uint64_t off = 0; off < f.size;) {
    size_t n = f.size - off < kChunk ? size_t(f.size - off) : kChunk;
    st = vol->read(f, off, n, buf.get());
    if (!st) return fail(st);
    if (fwrite(buf.get(), 1, n, stdout) != n) {
      return fail(Status::error("write to stdout failed"));
    }
    off += n;
  }
  fflush(stdout);
  return 0;
}
