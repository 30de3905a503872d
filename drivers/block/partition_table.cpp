#include "drivers/block/partition_table.h"

#include <cstring>

#include "drivers/block/crc32.h"
#include "runtime/core/format.h"
#include "runtime/core/kstring.h"

namespace inferpi {

namespace {

constexpr uint32_t kMaxSectorSize = 4096;
constexpr uint8_t kGuidBasicData[16] = {0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44,
                                        0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7};
constexpr uint8_t kGuidEsp[16] = {0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
                                  0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B};

bool has_55aa(const uint8_t* s) { return s[510] == 0x55 && s[511] == 0xAA; }

bool is_power_of_two(uint32_t v) { return v && !(v & (v - 1)); }

// The MBR partition types we name; anything else is "other".
struct MbrType {
  uint8_t id;
  const char* name;
  PartitionKind kind;
};
constexpr MbrType kMbrTypes[] = {
    {0x0B, "FAT32 CHS", PartitionKind::kFat},     {0x0C, "FAT32 LBA", PartitionKind::kFat},
    {0x0E, "FAT16 LBA", PartitionKind::kFat},     {0x06, "FAT16", PartitionKind::kFat},
    {0x04, "FAT16 <32M", PartitionKind::kFat},    {0x01, "FAT12", PartitionKind::kFat},
    {0xEF, "EFI system", PartitionKind::kFat},    {0x07, "exFAT/NTFS", PartitionKind::kExfatOrNtfs},
    {0x05, "extended", PartitionKind::kExtended}, {0x0F, "extended", PartitionKind::kExtended},
    {0x85, "extended", PartitionKind::kExtended}, {0x83, "Linux", PartitionKind::kOther},
};

void set_mbr_type(PartitionInfo& p, uint8_t type) {
  p.mbr_type = type;
  const char* name = "other";
  p.kind = PartitionKind::kOther;
  for (const MbrType& t : kMbrTypes) {
    if (t.id == type) {
      name = t.name;
      p.kind = t.kind;
      break;
    }
  }
  format(p.type_name, sizeof(p.type_name), "%s (0x%02X)", name, type);
}

Status read_mbr(BlockDevice& disk, const uint8_t* mbr, PartitionTable* out) {
  out->scheme = PartitionScheme::kMbr;
  for (int i = 0; i < 4; i++) {
    const uint8_t* e = mbr + 446 + 16 * i;
    uint8_t type = e[4];
    uint32_t first = load_le32(e + 8), count = load_le32(e + 12);
    if (type == 0 || count == 0) continue;
    if (e[0] != 0x00 && e[0] != 0x80) {
      return Status::error("%s: MBR entry %d has a bad status byte 0x%02X", disk.name(), i + 1,
                           e[0]);
    }
    PartitionInfo& p = out->parts[out->count++];
    p = PartitionInfo{};
    p.index = uint32_t(i + 1);
    p.first_lba = first;
    p.sector_count = count;
    set_mbr_type(p, type);
  }
  if (out->count == 0) return Status::error("%s: MBR has no partitions", disk.name());
  return Status::ok();
}

// Checks one GPT header at `lba`; on success fills the entry-array geometry.
struct GptGeometry {
  uint64_t entries_lba, first_usable, last_usable;
  uint32_t entry_count, entry_size, entries_crc;
  uint64_t alternate_lba;
};

Status check_gpt_header(BlockDevice& disk, uint64_t lba, uint8_t* buf, GptGeometry* g) {
  const uint32_t ss = disk.sector_size();
  INFERPI_TRY(disk.read(lba, 1, buf));
  if (memcmp(buf, "EFI PART", 8) != 0) {
    return Status::error("GPT header at LBA %llu: no \"EFI PART\" signature",
                         (unsigned long long)lba);
  }
  uint32_t header_size = load_le32(buf + 12);
  if (header_size < 92 || header_size > ss) {
    return Status::error("GPT header at LBA %llu: bad header size %u", (unsigned long long)lba,
                         header_size);
  }
  uint32_t stored_crc = load_le32(buf + 16);
  uint8_t zero[4] = {};
  uint32_t crc = crc32_update(0, buf, 16);
  crc = crc32_update(crc, zero, 4);
  crc = crc32_update(crc, buf + 20, header_size - 20);
  if (crc != stored_crc) {
    return Status::error("GPT header at LBA %llu: CRC32 mismatch (stored %08X, computed %08X)",
                         (unsigned long long)lba, stored_crc, crc);
  }
  if (load_le64(buf + 24) != lba) {
    return Status::error("GPT header at LBA %llu: says it is at LBA %llu", (unsigned long long)lba,
                         (unsigned long long)load_le64(buf + 24));
  }
  g->alternate_lba = load_le64(buf + 32);
  g->first_usable = load_le64(buf + 40);
  g->last_usable = load_le64(buf + 48);
  g->entries_lba = load_le64(buf + 72);
  g->entry_count = load_le32(buf + 80);
  g->entry_size = load_le32(buf + 84);
  g->entries_crc = load_le32(buf + 88);
  const uint64_t n = disk.sector_count();
  if (g->entry_size < 128 || !is_power_of_two(g->entry_size) || g->entry_size > ss) {
    return Status::error("GPT: bad entry size %u", g->entry_size);
  }
  if (g->entry_count == 0 || g->entry_count > 4096) {
    return Status::error("GPT: bad entry count %u", g->entry_count);
  }
  uint64_t entry_sectors = (uint64_t(g->entry_count) * g->entry_size + ss - 1) / ss;
  if (g->entries_lba < 1 || g->entries_lba >= n || entry_sectors > n - g->entries_lba) {
    return Status::error(
        "GPT: entry array (LBA %llu, %llu sectors) outside the disk "
        "(%llu sectors): truncated image?",
        (unsigned long long)g->entries_lba, (unsigned long long)entry_sectors,
        (unsigned long long)n);
  }
  if (g->first_usable > g->last_usable || g->last_usable >= n) {
    return Status::error(
        "GPT: usable range %llu..%llu outside the disk (%llu sectors): "
        "truncated image?",
        (unsigned long long)g->first_usable, (unsigned long long)g->last_usable,
        (unsigned long long)n);
  }
  return Status::ok();
}

Status read_gpt_entries(BlockDevice& disk, const GptGeometry& g, uint8_t* buf,
                        PartitionTable* out) {
  const uint32_t ss = disk.sector_size();
  const uint32_t per_sector = ss / g.entry_size;
  const uint32_t sectors = (g.entry_count + per_sector - 1) / per_sector;
  // First pass: the CRC over the whole array. Second pass: the entries. Two passes keep
  // the buffer at one sector and never hand out entries from an array that fails its CRC.
  uint32_t crc = 0;
  for (uint32_t s = 0; s < sectors; s++) {
    INFERPI_TRY(disk.read(g.entries_lba + s, 1, buf));
    uint32_t in_this = g.entry_count - s * per_sector;
    if (in_this > per_sector) in_this = per_sector;
    crc = crc32_update(crc, buf, size_t(in_this) * g.entry_size);
  }
  if (crc != g.entries_crc) {
    return Status::error("partition entries CRC32 mismatch (stored %08X, computed %08X)",
                         g.entries_crc, crc);
  }
  for (uint32_t s = 0; s < sectors; s++) {
    INFERPI_TRY(disk.read(g.entries_lba + s, 1, buf));
    for (uint32_t k = 0; k < per_sector; k++) {
      uint32_t index = s * per_sector + k;
      if (index >= g.entry_count) break;
      const uint8_t* e = buf + size_t(k) * g.entry_size;
      static const uint8_t kZero[16] = {};
      if (memcmp(e, kZero, 16) == 0) continue;  // unused entry
      uint64_t first = load_le64(e + 32), last = load_le64(e + 40);
      if (first > last || first < g.first_usable || last > g.last_usable) {
        return Status::error(
            "GPT entry %u spans LBA %llu..%llu, outside the usable range %llu..%llu", index + 1,
            (unsigned long long)first, (unsigned long long)last, (unsigned long long)g.first_usable,
            (unsigned long long)g.last_usable);
      }
      if (out->count == PartitionTable::kMaxPartitions) continue;  // keep the first 16
      PartitionInfo& p = out->parts[out->count++];
      p = PartitionInfo{};
      p.index = index + 1;
      p.first_lba = first;
      p.sector_count = last - first + 1;
      memcpy(p.gpt_type, e, 16);
      if (memcmp(e, kGuidBasicData, 16) == 0) {
        p.kind = PartitionKind::kFat;  // basic data may also be exFAT/NTFS: the prober says
        copy_string(p.type_name, sizeof(p.type_name), "Microsoft basic data");
      } else if (memcmp(e, kGuidEsp, 16) == 0) {
        p.kind = PartitionKind::kFat;
        copy_string(p.type_name, sizeof(p.type_name), "EFI system");
      } else {
        p.kind = PartitionKind::kOther;
        copy_string(p.type_name, sizeof(p.type_name), "other GPT type");
      }
    }
  }
  return Status::ok();
}

// One copy of the GPT (header + entry array) at header LBA `lba`.
Status read_gpt_copy(BlockDevice& disk, uint64_t lba, uint8_t* buf, PartitionTable* out) {
  GptGeometry g{};
  INFERPI_TRY(check_gpt_header(disk, lba, buf, &g));
  out->count = 0;
  return read_gpt_entries(disk, g, buf, out);
}

Status read_gpt(BlockDevice& disk, uint8_t* buf, PartitionTable* out) {
  out->scheme = PartitionScheme::kGpt;
  const uint64_t n = disk.sector_count();
  if (n < 3) {
    return Status::error("%s: GPT disk too small (%llu sectors)", disk.name(),
                         (unsigned long long)n);
  }
  Status primary = read_gpt_copy(disk, 1, buf, out);
  if (primary) return primary;
  // The backup header lives in the last sector (its location is also in the primary
  // header, but the primary is exactly what we cannot trust here).
  Status backup = read_gpt_copy(disk, n - 1, buf, out);
  if (!backup) {
    out->count = 0;
    return Status::error("%s: GPT damaged: %s; backup: %s", disk.name(), primary.message(),
                         backup.message());
  }
  out->gpt_used_backup = true;
  return Status::ok();
}

}  // namespace

const char* partition_scheme_name(PartitionScheme s) {
  switch (s) {
    case PartitionScheme::kSuperfloppy:
      return "superfloppy (no partition table)";
    case PartitionScheme::kMbr:
      return "MBR";
    case PartitionScheme::kGpt:
      return "GPT";
  }
  return "?";
}

bool looks_like_boot_sector(const uint8_t* s) {
  if (!has_55aa(s)) return false;
  if (memcmp(s + 3, "EXFAT   ", 8) == 0 || memcmp(s + 3, "NTFS    ", 8) == 0) return true;
  if (s[0] != 0xEB && s[0] != 0xE9 && s[0] != 0xE8) return false;
  // A plausible BPB: sector size 512..4096, power-of-two cluster, reserved sectors, 1-2 FATs.
  uint32_t bps = load_le16(s + 11);
  uint32_t spc = s[13];
  return (bps >= 512 && bps <= 4096 && is_power_of_two(bps)) && is_power_of_two(spc) &&
         load_le16(s + 14) >= 1 && (s[16] == 1 || s[16] == 2);
}

Status read_partition_table(BlockDevice& disk, uint8_t* buf, PartitionTable* out) {
  *out = PartitionTable{};
  const uint32_t ss = disk.sector_size();
  if (ss < 512 || ss > kMaxSectorSize || !is_power_of_two(ss)) {
    return Status::error("%s: unsupported sector size %u", disk.name(), ss);
  }
  if (disk.sector_count() == 0) return Status::error("%s: empty disk", disk.name());
  INFERPI_TRY(disk.read(0, 1, buf));
  if (!has_55aa(buf)) {
    return Status::error(
        "%s: sector 0 has no 0x55AA signature: no partition table and no "
        "filesystem (blank or unformatted disk?)",
        disk.name());
  }
  // A protective MBR entry (type 0xEE in any slot) means GPT.
  for (int i = 0; i < 4; i++) {
    if (buf[446 + 16 * i + 4] == 0xEE) return read_gpt(disk, buf, out);
  }
  // A boot sector at LBA 0 (superfloppy) is checked before the MBR entries, as FatFs does:
  // bytes 446..509 of a boot sector are boot code, not partition entries.
  if (looks_like_boot_sector(buf)) {
    out->scheme = PartitionScheme::kSuperfloppy;
    out->count = 1;
    PartitionInfo& p = out->parts[0];
    p.index = 0;
    p.first_lba = 0;
    p.sector_count = disk.sector_count();
    p.kind = PartitionKind::kFat;
    copy_string(p.type_name, sizeof(p.type_name), "whole disk");
    return Status::ok();
  }
  return read_mbr(disk, buf, out);
}

}  // namespace inferpi
