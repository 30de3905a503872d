// Fat32Volume: a read-only FAT32 filesystem on a BlockDevice (normally a PartitionDevice).
//
//   Fat32Volume vol;                       // ~41 KB: sector, FAT and directory buffers inside
//   INFERPI_TRY(vol.mount(&partition));
//   FatFile f;
//   INFERPI_TRY(vol.open("Models/demo/model.bin", &f));       // case-insensitive, LFN or 8.3
//   INFERPI_TRY(vol.read(f, 0, f.size, dst));                   // big sequential device reads
//
// Design (docs/storage.md): no heap, fixed buffers, everything read from disk is checked.
// A read turns each run of consecutive clusters into one device read straight into the
// caller's buffer; only a partial first/last device sector goes through the bounce buffer.
// open() records the runs of the file it checked (up to kMaxRuns), so reading that file needs
// no FAT lookups at all; the FAT is cached one 32 KiB block (8192 entries) at a time. Cluster
// chains are checked at open: a file's chain must end exactly where its size says (this catches
// loops, chains into free or bad clusters and out-of-range cluster numbers); directory chains are
// capped at the FAT maximum of 65536 entries (2 MiB).
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/block/block_device.h"
#include "drivers/fat32/fat_name.h"

namespace inferpi {

// An open file or directory. Small and copyable; read() keeps a cursor (the last cluster it
// visited) so sequential reads do not walk the chain from the start every time.
struct FatFile {
  uint32_t first_cluster = 0;
  uint32_t size = 0;  // bytes (FAT32 files are at most 4 GiB - 1)
  bool is_dir = false;
  uint32_t cursor_index = 0;    // cluster ordinal within the file ...
  uint32_t cursor_cluster = 0;  // ... and its cluster number (0 = no cursor yet)
};

struct FatDirEntry {
  char name[fat::kMaxNameBytes];  // long name (UTF-8) or the 8.3 name when there is none
  char short_name[13];            // 8.3 name ("MODELF~1.BIN")
  bool has_long_name = false;
  bool is_dir = false;
  uint8_t attributes = 0;
  uint32_t size = 0;
  uint32_t first_cluster = 0;
  FatFile as_file() const { return FatFile{first_cluster, size, is_dir, 0, 0}; }
};

// Position within a directory while listing it.
struct FatDirIterator {
  uint32_t cluster = 0;        // current cluster of the directory
  uint32_t offset = 0;         // byte offset of the next entry within that cluster
  uint32_t clusters_seen = 0;  // for the chain-length cap
  bool done = false;
  fat::LfnCollector lfn;
};

class Fat32Volume {
 public:
  static constexpr uint32_t kMaxSectorSize = 4096;

  // Reads and checks the boot sector. exFAT, NTFS, FAT12/16 give a clear error naming the
  // filesystem and what to do ("exFAT: not supported: reformat the drive as FAT32").
  Status mount(BlockDevice* dev);
  bool mounted() const { return dev_ != nullptr; }

  // Opens a file or directory by path ("", "/" = root; '/' or '\\' separate components).
  Status open(const char* path, FatFile* out);
  // Lists a directory: call next() until *found is false.
  Status open_dir(const FatFile& dir, FatDirIterator* it) const;
  Status next(FatDirIterator& it, FatDirEntry* out, bool* found);
  // Reads `len` bytes at `offset` of a file (offset + len must be ≤ size).
  Status read(FatFile& file, uint64_t offset, size_t len, void* dst);
  // Number of contiguous cluster runs of a file (1 = unfragmented). Tests and `disk ls -l`.
  Status count_extents(const FatFile& file, uint32_t* extents);

  // Byte offset on device() where the file's first cluster starts (readspeed compares a
  // file's rate with raw reads of the same sectors).
  uint64_t data_offset(const FatFile& file) const { return cluster_offset(file.first_cluster); }

  const char* label() const { return label_; }
  uint32_t cluster_bytes() const { return cluster_bytes_; }
  uint32_t cluster_count() const { return cluster_count_; }
  uint32_t fs_sector_size() const { return bytes_per_sector_; }
  uint64_t total_bytes() const { return uint64_t(cluster_count_) * cluster_bytes_; }
  BlockDevice* device() const { return dev_; }

 private:
  static constexpr uint32_t kEndOfChain = 0xFFFFFFFFu;
  // FAT bytes read at once: 8192 entries, i.e. 4 MiB of a file in 512-byte clusters (a
  // 4 KiB block made walking a 300 MB model's chain 600 small device reads; issue 16).
  static constexpr uint32_t kFatBlock = 32768;
  // Runs of consecutive clusters remembered for the last file open() checked.
  static constexpr int kMaxRuns = 32;
  struct ClusterRun {
    uint32_t first_index;  // cluster ordinal within the file
    uint32_t cluster;      // its cluster number; the run is `count` consecutive clusters
    uint32_t count;
  };

  Status next_cluster(uint32_t cluster, uint32_t* next);  // kEndOfChain at the end
  Status check_file_chain(const FatFile& f);
  uint32_t links_to_next(uint32_t cluster, uint32_t max) const;
  Status seek(FatFile& f, uint32_t index, uint32_t* cluster);
  Status read_bytes(uint64_t volume_byte, uint64_t len, uint8_t* dst);
  // The recorded runs cover clusters [index, end) of `f`: read through them, no FAT lookups.
  bool runs_cover(const FatFile& f, uint32_t index, uint32_t end) const;
  Status read_runs(FatFile& f, uint32_t index, uint32_t in, uint64_t len, uint8_t* dst);
  uint64_t cluster_offset(uint32_t cluster) const {
    return data_start_ + uint64_t(cluster - 2) * cluster_bytes_;
  }
  bool cluster_in_range(uint32_t c) const { return c >= 2 && c < cluster_count_ + 2; }

  BlockDevice* dev_ = nullptr;
  uint32_t dev_sector_ = 512;
  uint32_t bytes_per_sector_ = 512;
  uint32_t cluster_bytes_ = 0;
  uint32_t cluster_count_ = 0;
  uint32_t root_cluster_ = 0;
  uint32_t max_dir_clusters_ = 0;
  uint64_t fat_start_ = 0;  // byte offset of the active FAT within the volume
  uint64_t fat_bytes_ = 0;
  uint64_t data_start_ = 0;  // byte offset of cluster 2
  char label_[12] = {};

  ClusterRun runs_[kMaxRuns];
  int run_count_ = 0;
  uint32_t runs_file_ = 0;      // first cluster of the file runs_ describes (0 = none)
  uint32_t runs_clusters_ = 0;  // clusters they cover (the whole file)

  uint64_t fat_block_ = ~0ull;  // which kFatBlock-sized FAT block fat_cache_ holds
  uint64_t dir_lba_ = ~0ull;    // which device sector dir_buf_ holds
  alignas(64) uint32_t fat_cache_[kFatBlock / 4];  // FAT entries (little-endian on disk)
  alignas(64) uint8_t dir_buf_[kMaxSectorSize];
  alignas(64) uint8_t bounce_[kMaxSectorSize];
};

}  // namespace inferpi
