#include "drivers/fat32/fat32_volume.h"

#include <cstring>

#include "runtime/core/kstring.h"

namespace inferpi {

namespace {
bool is_power_of_two(uint32_t v) { return v && !(v & (v - 1)); }
bool is_separator(char c) { return c == '/' || c == '\\'; }
}  // namespace

Status Fat32Volume::mount(BlockDevice* dev) {
  dev_ = nullptr;
  fat_block_ = ~0ull;
  dir_lba_ = ~0ull;
  runs_file_ = 0;
  if (!dev) return Status::error("fat32: no device");
  const char* name = dev->name();
  const uint32_t ss = dev->sector_size();
  if (ss < 512 || ss > kMaxSectorSize || !is_power_of_two(ss)) {
    return Status::error("%s: unsupported device sector size %u", name, ss);
  }
  if (dev->sector_count() == 0) return Status::error("%s: empty partition", name);
  uint8_t* b = bounce_;
  INFERPI_TRY(dev->read(0, 1, b));
  if (memcmp(b + 3, "EXFAT   ", 8) == 0) {
    return Status::error(
        "%s: exFAT: not supported: reformat the drive as FAT32 "
        "(files must be < 4 GiB)",
        name);
  }
  if (memcmp(b + 3, "NTFS    ", 8) == 0) {
    return Status::error("%s: NTFS: not supported: format the drive as FAT32", name);
  }
  if (b[510] != 0x55 || b[511] != 0xAA) {
    return Status::error("%s: no FAT boot sector (no 0x55AA signature)", name);
  }
  if (b[0] != 0xEB && b[0] != 0xE9 && b[0] != 0xE8) {
    return Status::error("%s: no FAT boot sector (bad jump byte 0x%02X)", name, b[0]);
  }
  const uint32_t bps = load_le16(b + 11);
  const uint32_t spc = b[13];
  const uint32_t reserved = load_le16(b + 14);
  const uint32_t num_fats = b[16];
  const uint32_t root_entries = load_le16(b + 17);
  const uint32_t fat_size16 = load_le16(b + 22);
  const uint32_t total16 = load_le16(b + 19);
  const uint32_t fat_size32 = load_le32(b + 36);
  const uint32_t total32 = load_le32(b + 32);
  const uint16_t ext_flags = load_le16(b + 40);
  if (bps < 512 || bps > 4096 || !is_power_of_two(bps)) {
    return Status::error("%s: FAT: bad bytes per sector %u", name, bps);
  }
  if (bps < ss) {
    return Status::error("%s: FAT sector size %u is smaller than the device's %u", name, bps, ss);
  }
  if (!is_power_of_two(spc) || uint64_t(spc) * bps > 256 * 1024) {
    return Status::error("%s: FAT: bad sectors per cluster %u", name, spc);
  }
  if (reserved == 0 || num_fats == 0 || num_fats > 2) {
    return Status::error("%s: FAT: bad reserved sectors %u or FAT count %u", name, reserved,
                         num_fats);
  }
  const uint64_t total_sectors = total16 ? total16 : total32;
  const uint32_t fat_size = fat_size16 ? fat_size16 : fat_size32;
  const uint64_t root_dir_sectors = (uint64_t(root_entries) * 32 + bps - 1) / bps;
  const uint64_t meta = reserved + uint64_t(num_fats) * fat_size + root_dir_sectors;
  if (fat_size == 0 || total_sectors <= meta) {
    return Status::error("%s: FAT: bad geometry (total %llu sectors, FAT %u sectors)", name,
                         (unsigned long long)total_sectors, fat_size);
  }
  const uint64_t clusters = (total_sectors - meta) / spc;
  // The FAT type is decided by the cluster count alone (Microsoft's rule, FatFs' thresholds).
  if (clusters < 65525 || root_entries != 0 || fat_size16 != 0) {
    return Status::error("%s: %s volume: not supported: format the drive as FAT32", name,
                         clusters < 4085 ? "FAT12" : "FAT16");
  }
  if (clusters > 0x0FFFFFF5) return Status::error("%s: FAT32: too many clusters", name);
  if (load_le16(b + 42) != 0) return Status::error("%s: FAT32: unknown version", name);
  if (uint64_t(fat_size) * bps < (clusters + 2) * 4) {
    return Status::error("%s: FAT32: FAT (%u sectors) too small for %llu clusters", name, fat_size,
                         (unsigned long long)clusters);
  }
  const uint64_t volume_bytes = total_sectors * bps;
  const uint64_t device_bytes = dev->sector_count() * ss;
  if (volume_bytes > device_bytes) {
    return Status::error(
        "%s: FAT32 volume (%llu bytes) is larger than its partition (%llu "
        "bytes): truncated image?",
        name, (unsigned long long)volume_bytes, (unsigned long long)device_bytes);
  }
  const uint32_t root = load_le32(b + 44);
  if (root < 2 || root >= clusters + 2) {
    return Status::error("%s: FAT32: root cluster %u out of range", name, root);
  }
  // ExtFlags bit 7: mirroring off, only FAT number (bits 3:0) is current.
  uint32_t active_fat = (ext_flags & 0x80) ? (ext_flags & 0x0F) : 0;
  if (active_fat >= num_fats)
    return Status::error("%s: FAT32: active FAT %u missing", name, active_fat);

  bytes_per_sector_ = bps;
  dev_sector_ = ss;
  cluster_bytes_ = spc * bps;
  cluster_count_ = uint32_t(clusters);
  root_cluster_ = root;
  fat_bytes_ = uint64_t(fat_size) * bps;
  fat_start_ = uint64_t(reserved) * bps + active_fat * fat_bytes_;
  data_start_ = (reserved + uint64_t(num_fats) * fat_size) * bps;
  max_dir_clusters_ = (65536u * 32u + cluster_bytes_ - 1) / cluster_bytes_;
  label_[0] = 0;
  if (b[66] == 0x29) {
    memcpy(label_, b + 71, 11);
    int n = 11;
    while (n > 0 && label_[n - 1] == ' ') n--;
    label_[n] = 0;
    if (strcmp(label_, "NO NAME") == 0) label_[0] = 0;
  }
  dev_ = dev;
  return Status::ok();
}

Status Fat32Volume::read_bytes(uint64_t pos, uint64_t len, uint8_t* dst) {
  const uint32_t ss = dev_sector_;
  uint64_t lba = pos / ss;
  uint32_t in = uint32_t(pos % ss);
  if (in) {  // partial first sector through the bounce buffer
    INFERPI_TRY(dev_->read(lba, 1, bounce_));
    uint64_t n = ss - in < len ? ss - in : len;
    memcpy(dst, bounce_ + in, n);
    dst += n, len -= n, lba++;
  }
  if (len >= ss) {  // whole sectors: one device read straight into the destination
    uint64_t sectors = len / ss;
    INFERPI_TRY(dev_->read(lba, sectors, dst));
    dst += sectors * ss, len -= sectors * ss, lba += sectors;
  }
  if (len) {  // partial last sector
    INFERPI_TRY(dev_->read(lba, 1, bounce_));
    memcpy(dst, bounce_, len);
  }
  return Status::ok();
}

Status Fat32Volume::next_cluster(uint32_t cluster, uint32_t* next) {
  if (!cluster_in_range(cluster)) {
    return Status::error("%s: cluster %u out of range (volume has %u clusters)", dev_->name(),
                         cluster, cluster_count_);
  }
  const uint64_t byte = uint64_t(cluster) * 4;
  const uint64_t block = byte / kFatBlock;
  if (block != fat_block_) {
    uint64_t start = block * kFatBlock;
    uint64_t n = fat_bytes_ - start < kFatBlock ? fat_bytes_ - start : kFatBlock;
    fat_block_ = ~0ull;
    INFERPI_TRY(dev_->read((fat_start_ + start) / dev_sector_, n / dev_sector_, fat_cache_));
    fat_block_ = block;
  }
  uint32_t v = fat_cache_[(byte % kFatBlock) / 4] & 0x0FFFFFFF;  // little-endian, as the A72
  if (v >= 0x0FFFFFF8) {
    *next = kEndOfChain;
  } else if (v == 0x0FFFFFF7) {
    return Status::error("%s: cluster chain reaches a bad cluster (after %u)", dev_->name(),
                         cluster);
  } else if (v == 0) {
    return Status::error("%s: cluster chain reaches a free cluster (after %u)", dev_->name(),
                         cluster);
  } else if (!cluster_in_range(v)) {
    return Status::error(
        "%s: FAT entry of cluster %u points to cluster %u, out of range "
        "(volume has %u clusters)",
        dev_->name(), cluster, v, cluster_count_);
  } else {
    *next = v;
  }
  return Status::ok();
}

Status Fat32Volume::check_file_chain(const FatFile& f) {
  if (f.size == 0) return Status::ok();  // no clusters needed (first cluster is ignored)
  if (!cluster_in_range(f.first_cluster)) {
    return Status::error("%s: file of %u bytes starts at cluster %u, out of range", dev_->name(),
                         f.size, f.first_cluster);
  }
  const uint32_t needed = uint32_t((uint64_t(f.size) + cluster_bytes_ - 1) / cluster_bytes_);
  // The walk records the file's runs on the way (read() then needs no FAT); they count only
  // once the whole chain has been checked.
  runs_file_ = 0;
  run_count_ = 1;
  runs_[0] = ClusterRun{0, f.first_cluster, 1};
  uint32_t c = f.first_cluster;
  for (uint32_t i = 1; i <= needed; i++) {
    if (i < needed) {  // the common case first: links to the very next cluster
      const uint32_t steps = links_to_next(c, needed - i);
      if (steps > 0) {
        if (run_count_ <= kMaxRuns) runs_[run_count_ - 1].count += steps;
        c += steps, i += steps - 1;
        continue;
      }
    }
    uint32_t next = 0;
    INFERPI_TRY(next_cluster(c, &next));
    if (next == c + 1 && run_count_ <= kMaxRuns) {
      runs_[run_count_ - 1].count++;
    } else if (next != kEndOfChain && ++run_count_ <= kMaxRuns) {
      runs_[run_count_ - 1] = ClusterRun{i, next, 1};
    }
    if (i == needed) {
      if (next != kEndOfChain) {
        return Status::error(
            "%s: cluster chain is longer than the file size (%u clusters "
            "expected): FAT loop or cross-link",
            dev_->name(), needed);
      }
      break;
    }
    if (next == kEndOfChain) {
      return Status::error("%s: cluster chain ends after %u clusters, file size needs %u",
                           dev_->name(), i, needed);
    }
    c = next;
  }
  if (run_count_ <= kMaxRuns) runs_file_ = f.first_cluster, runs_clusters_ = needed;
  return Status::ok();
}

// How many links, from cluster c on (at most `max`), go each to the very next cluster, read
// straight from the cached FAT block (0 when c's entry is not in it: next_cluster() then
// loads it). A 300 MB model in 512-byte clusters is 600 000 links; one next_cluster() call
// per link was most of open()'s time in QEMU.
uint32_t Fat32Volume::links_to_next(uint32_t c, uint32_t max) const {
  if (fat_block_ == ~0ull) return 0;
  const uint64_t first = fat_block_ * (kFatBlock / 4);  // first entry the cache holds
  const uint64_t left = fat_bytes_ - fat_block_ * kFatBlock;
  const uint64_t end = first + (left < kFatBlock ? left : kFatBlock) / 4;
  if (c < first || c >= end) return 0;
  uint64_t stop = end;  // the next cluster must exist too
  if (stop > uint64_t(cluster_count_) + 1) stop = uint64_t(cluster_count_) + 1;
  uint32_t steps = 0;
  for (uint64_t k = c; steps < max && k < stop; k++, steps++) {
    if ((fat_cache_[k - first] & 0x0FFFFFFF) != k + 1) break;
  }
  return steps;
}

Status Fat32Volume::count_extents(const FatFile& f, uint32_t* extents) {
  *extents = 0;
  if (!dev_) return Status::error("fat32: not mounted");
  if (f.size == 0) return Status::ok();
  INFERPI_TRY(check_file_chain(f));
  uint32_t c = f.first_cluster, n = 1;
  for (;;) {
    uint32_t next = 0;
    INFERPI_TRY(next_cluster(c, &next));
    if (next == kEndOfChain) break;
    if (next != c + 1) n++;
    c = next;
  }
  *extents = n;
  return Status::ok();
}

Status Fat32Volume::seek(FatFile& f, uint32_t index, uint32_t* cluster) {
  uint32_t i = 0, c = f.first_cluster;
  if (f.cursor_cluster != 0 && f.cursor_index <= index) i = f.cursor_index, c = f.cursor_cluster;
  while (i < index) {
    uint32_t next = 0;
    INFERPI_TRY(next_cluster(c, &next));
    if (next == kEndOfChain) {
      return Status::error("%s: cluster chain ends at cluster %u of %u", dev_->name(), i + 1,
                           index + 1);
    }
    c = next, i++;
  }
  f.cursor_index = index, f.cursor_cluster = c;
  *cluster = c;
  return Status::ok();
}

Status Fat32Volume::read(FatFile& f, uint64_t offset, size_t len, void* dst_void) {
  if (!dev_) return Status::error("fat32: not mounted");
  if (f.is_dir) return Status::error("%s: read of a directory", dev_->name());
  if (offset > f.size || len > f.size - offset) {
    return Status::error("%s: read of %llu bytes at offset %llu past the end of a %u-byte file",
                         dev_->name(), (unsigned long long)len, (unsigned long long)offset, f.size);
  }
  if (len == 0) return Status::ok();
  if (!cluster_in_range(f.first_cluster)) {
    return Status::error("%s: file starts at cluster %u, out of range", dev_->name(),
                         f.first_cluster);
  }
  uint8_t* dst = static_cast<uint8_t*>(dst_void);
  const uint32_t cb = cluster_bytes_;
  uint32_t index = uint32_t(offset / cb);
  uint32_t in = uint32_t(offset % cb);
  const uint32_t end = uint32_t((offset + len + cb - 1) / cb);
  if (runs_cover(f, index, end)) return read_runs(f, index, in, len, dst);
  uint32_t cluster;
  INFERPI_TRY(seek(f, index, &cluster));
  for (;;) {
    // Grow a run of consecutive clusters until it covers what is left or the chain jumps.
    uint32_t last = cluster, run = 1, after = 0;
    bool have_after = false;
    while (uint64_t(run) * cb - in < len) {
      uint32_t next = 0;
      INFERPI_TRY(next_cluster(last, &next));
      if (next == kEndOfChain) {
        return Status::error("%s: cluster chain ends before the file size", dev_->name());
      }
      if (next != last + 1) {
        after = next, have_after = true;
        break;
      }
      last = next, run++;
    }
    uint64_t bytes = uint64_t(run) * cb - in;
    if (bytes > len) bytes = len;
    INFERPI_TRY(read_bytes(cluster_offset(cluster) + in, bytes, dst));
    dst += bytes, len -= bytes;
    index += run - 1;
    f.cursor_index = index, f.cursor_cluster = last;
    if (len == 0) return Status::ok();
    if (!have_after) {  // the run ended exactly at a cluster boundary: follow the chain
      INFERPI_TRY(next_cluster(last, &after));
      if (after == kEndOfChain) {
        return Status::error("%s: cluster chain ends before the file size", dev_->name());
      }
    }
    cluster = after, index++, in = 0;
    f.cursor_index = index, f.cursor_cluster = cluster;
  }
}

bool Fat32Volume::runs_cover(const FatFile& f, uint32_t index, uint32_t end) const {
  return runs_file_ != 0 && f.first_cluster == runs_file_ && index < end && end <= runs_clusters_;
}

// Each run (however small its clusters) is one device read; a file written to a fresh drive
// is one run, so a chunk of it is one read.
Status Fat32Volume::read_runs(FatFile& f, uint32_t index, uint32_t in, uint64_t len, uint8_t* dst) {
  int r = 0;
  while (runs_[r].first_index + runs_[r].count <= index) r++;  // runs_cover: r < run_count_
  const uint32_t cb = cluster_bytes_;
  while (len > 0) {
    const ClusterRun& run = runs_[r++];
    const uint32_t skip = index - run.first_index;
    uint64_t bytes = uint64_t(run.count - skip) * cb - in;
    if (bytes > len) bytes = len;
    INFERPI_TRY(read_bytes(cluster_offset(run.cluster + skip) + in, bytes, dst));
    dst += bytes, len -= bytes;
    const uint32_t last = uint32_t((uint64_t(in) + bytes - 1) / cb);  // clusters of this read - 1
    f.cursor_index = index + last, f.cursor_cluster = run.cluster + skip + last;
    index = run.first_index + run.count, in = 0;
  }
  return Status::ok();
}

Status Fat32Volume::open_dir(const FatFile& dir, FatDirIterator* it) const {
  if (!dev_) return Status::error("fat32: not mounted");
  if (!dir.is_dir) return Status::error("%s: not a directory", dev_->name());
  if (!cluster_in_range(dir.first_cluster)) {
    return Status::error("%s: directory starts at cluster %u, out of range", dev_->name(),
                         dir.first_cluster);
  }
  it->cluster = dir.first_cluster;
  it->offset = 0;
  it->clusters_seen = 1;
  it->done = false;
  it->lfn.reset();
  return Status::ok();
}

Status Fat32Volume::next(FatDirIterator& it, FatDirEntry* out, bool* found) {
  *found = false;
  while (!it.done) {
    if (it.offset >= cluster_bytes_) {
      uint32_t next = 0;
      INFERPI_TRY(next_cluster(it.cluster, &next));
      if (next == kEndOfChain) {
        it.done = true;
        break;
      }
      if (++it.clusters_seen > max_dir_clusters_) {
        it.done = true;
        return Status::error("%s: directory longer than 65536 entries: FAT loop?", dev_->name());
      }
      it.cluster = next;
      it.offset = 0;
    }
    uint64_t pos = cluster_offset(it.cluster) + it.offset;
    uint64_t lba = pos / dev_sector_;
    if (lba != dir_lba_) {
      dir_lba_ = ~0ull;
      INFERPI_TRY(dev_->read(lba, 1, dir_buf_));
      dir_lba_ = lba;
    }
    const uint8_t* e = dir_buf_ + pos % dev_sector_;
    it.offset += 32;
    if (e[0] == 0x00) {  // end of directory
      it.done = true;
      break;
    }
    const uint8_t attr = e[11];
    if (e[0] == 0xE5) {  // deleted
      it.lfn.reset();
      continue;
    }
    if ((attr & 0x3F) == 0x0F) {
      it.lfn.add(e);
      continue;
    }
    if ((attr & 0x08) || e[0] == '.') {  // volume label, "." and ".."
      it.lfn.reset();
      continue;
    }
    fat::sfn_to_text(e, out->short_name, sizeof(out->short_name));
    out->has_long_name = it.lfn.finish(e, out->name, sizeof(out->name));
    if (!out->has_long_name) copy_string(out->name, sizeof(out->name), out->short_name);
    out->attributes = attr;
    out->is_dir = attr & 0x10;
    out->first_cluster = (uint32_t(load_le16(e + 20)) << 16) | load_le16(e + 26);
    out->size = out->is_dir ? 0 : load_le32(e + 28);
    *found = true;
    return Status::ok();
  }
  return Status::ok();
}

Status Fat32Volume::open(const char* path, FatFile* out) {
  if (!dev_) return Status::error("fat32: not mounted");
  FatFile cur{root_cluster_, 0, true, 0, 0};
  const char* p = path ? path : "";
  FatDirEntry entry;
  while (true) {
    while (is_separator(*p)) p++;
    if (!*p) break;
    const char* comp = p;
    while (*p && !is_separator(*p)) p++;
    size_t comp_len = size_t(p - comp);
    if (!cur.is_dir) {
      return Status::error("%s: '%s': a path component is not a folder", dev_->name(), path);
    }
    FatDirIterator it;
    INFERPI_TRY(open_dir(cur, &it));
    bool found = false;
    while (true) {
      INFERPI_TRY(next(it, &entry, &found));
      if (!found) break;
      if (fat::name_equals_nocase(entry.name, comp, comp_len) ||
          fat::name_equals_nocase(entry.short_name, comp, comp_len)) {
        break;
      }
    }
    if (!found) return Status::error("%s: '%s': not found", dev_->name(), path);
    cur = entry.as_file();
    if (cur.is_dir && !cluster_in_range(cur.first_cluster)) {
      return Status::error("%s: '%s': folder at cluster %u, out of range", dev_->name(), path,
                           cur.first_cluster);
    }
  }
  if (!cur.is_dir) {
    Status st = check_file_chain(cur);
    if (!st) return st.with_context(path);
  }
  *out = cur;
  return Status::ok();
}

}  // namespace inferpi
