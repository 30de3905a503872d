// Storage shell commands. See storage_commands.h.
#include "drivers/storage_hw/storage_commands.h"

#include "drivers/block/crc32.h"
#include "drivers/block/read_speed.h"
#include "runtime/core/bootargs.h"
#include "runtime/core/console.h"
#include "runtime/core/kstring.h"
#include "runtime/core/platform.h"

namespace inferpi {
namespace {

constexpr int kAnyWords = 1 << 30;  // a command that ignores extra words

void print_rate(uint64_t bytes, uint64_t us) {
  double mb_s = us ? double(bytes) / double(us) : 0.0;  // bytes/us = MB/s (10^6)
  kprint("%.1f MiB in %.3f s = %.1f MB/s", double(bytes) / 1048576.0, double(us) / 1e6, mb_s);
}

}  // namespace

// One row per command: how many words it takes (its name included) and the usage printed
// when the count is wrong or a handler finds an argument it cannot use (returns false).
struct StorageCommands::Command {
  const char* name;
  const char* usage;
  int min_words, max_words;
  bool (StorageCommands::*handler)(int argc, const char* const* argv);
};

const StorageCommands::Command StorageCommands::kCommands[] = {
    {"pci", "pci", 1, kAnyWords, &StorageCommands::cmd_pci},
    {"usb", "usb [hub-evaluate]", 1, kAnyWords, &StorageCommands::cmd_usb},
    {"sd", "sd [auto|pio|dma]", 1, kAnyWords, &StorageCommands::cmd_sd},
    {"blk", "blk", 1, kAnyWords, &StorageCommands::cmd_blk},
    {"readtest", "readtest DEV LBA COUNT [unaligned]", 4, 5, &StorageCommands::cmd_readtest},
    {"sum", "sum DEV [MIB]", 2, 3, &StorageCommands::cmd_sum},
    {"readloop", "readloop DEV", 2, 2, &StorageCommands::cmd_readloop},
    {"scsiread", "scsiread usbN LBA COUNT (COUNT <= 512)", 4, 4, &StorageCommands::cmd_scsiread},
    {"ls", "ls DEV [PATH]", 2, 3, &StorageCommands::cmd_ls},
    {"fsum", "fsum DEV PATH", 3, 3, &StorageCommands::cmd_fsum},
    {"readspeed", "readspeed DEV [PATH]", 2, 3, &StorageCommands::cmd_readspeed},
};

bool StorageCommands::run(int argc, const char* const* argv) {
  if (argc < 1) return false;
  for (const Command& c : kCommands) {
    if (strcmp(argv[0], c.name) != 0) continue;
    bool fits = argc >= c.min_words && argc <= c.max_words && (this->*c.handler)(argc, argv);
    if (!fits) kprint("usage: %s\n", c.usage);
    return true;
  }
  return false;
}

bool StorageCommands::cmd_pci(int, const char* const*) {
  Status st = hw_.start_pcie();
  if (!st) kprint("pci: %s\n", st.message());
  hw_.print_pci();
  return true;
}

bool StorageCommands::cmd_usb(int argc, const char* const* argv) {
  hw_.usb().set_hub_flag_by_evaluate_context(argc > 1 && !strcmp(argv[1], "hub-evaluate"));
  uint64_t t0 = platform::now_us();
  Status st = hw_.start_usb();
  if (!st) kprint("usb: %s\n", st.message());
  hw_.usb().print();
  kprint("usb: ready in %llu ms\n", (unsigned long long)((platform::now_us() - t0) / 1000));
  return true;
}

bool StorageCommands::cmd_sd(int argc, const char* const* argv) {
  sd::SdhciHost& host = hw_.sd();
  if (argc > 1) {
    if (!strcmp(argv[1], "pio")) {
      host.set_transfer(sd::SdTransfer::kPio);
    } else if (!strcmp(argv[1], "dma")) {
      host.set_transfer(sd::SdTransfer::kDma);
    } else if (!strcmp(argv[1], "auto")) {
      host.set_transfer(sd::SdTransfer::kAuto);
    } else {
      return false;
    }
  }
  Status st = hw_.start_sd();
  if (!st) {
    kprint("sd: %s\n", st.message());
    return true;
  }
  sd::SdhciHost& s = hw_.sd();
  kprint("sd: %s card, %llu blocks (%llu MiB), SDHCI version %u, clock %u kHz\n",
         s.high_capacity() ? "SDHC/SDXC" : "SDSC", (unsigned long long)s.sector_count(),
         (unsigned long long)(s.sector_count() / 2048), s.spec_version() + 1, s.clock_hz() / 1000);
  kprint("sd: %s, %s, up to %u blocks per command\n",
         s.high_speed() ? "High Speed (50 MHz class)" : "default speed", s.path_name(),
         sd::SdhciHost::kMaxBlocksPerCommand);
  if (!s.high_speed() && s.speed_note()[0]) kprint("sd: not High Speed: %s\n", s.speed_note());
  if (s.requested_transfer() == sd::SdTransfer::kDma && s.path() == sd::SdPath::kPio)
    kprint("sd: no DMA path for this host (no ADMA2, no DREQ + system DMA): PIO\n");
  return true;
}

bool StorageCommands::cmd_blk(int, const char* const*) {
  size_t n = hw_.block_count();
  if (n == 0) kprint("blk: no block devices (run usb or sd first)\n");
  for (size_t i = 0; i < n; i++) {
    BlockDevice* d = hw_.block(i);
    kprint("  %s: %llu sectors of %u bytes (%llu MiB)\n", d->name(),
           (unsigned long long)d->sector_count(), d->sector_size(),
           (unsigned long long)(d->sector_count() * d->sector_size() >> 20));
  }
  return true;
}

BlockDevice* StorageCommands::device_arg(const char* name) {
  BlockDevice* d = name ? hw_.find_block(name) : nullptr;
  if (!d) kprint("no block device '%s' (see blk)\n", name ? name : "");
  return d;
}

Status StorageCommands::read_range(BlockDevice& d, uint64_t lba, uint64_t count, uint32_t* crc,
                                   uint64_t* read_us, size_t offset) {
  uint64_t per = (scratch_bytes_ - offset) / d.sector_size();
  uint8_t* buf = scratch_ + offset;
  *crc = 0;
  *read_us = 0;
  while (count > 0) {
    uint64_t n = count < per ? count : per;
    uint64_t t0 = platform::now_us();
    INFERPI_TRY(d.read(lba, n, buf));
    *read_us += platform::now_us() - t0;
    *crc = crc32_update(*crc, buf, n * d.sector_size());
    lba += n;
    count -= n;
  }
  return Status::ok();
}

bool StorageCommands::cmd_readtest(int argc, const char* const* argv) {
  uint64_t lba = 0, count = 0;
  bool unaligned = argc == 5;
  if ((unaligned && strcmp(argv[4], "unaligned") != 0) || !bootargs::parse_u64(argv[2], &lba) ||
      !bootargs::parse_u64(argv[3], &count))
    return false;
  BlockDevice* d = device_arg(argv[1]);
  if (!d) return true;
  uint32_t crc = 0;
  uint64_t us = 0;
  Status st = read_range(*d, lba, count, &crc, &us, unaligned ? 8 : 0);
  if (!st) {
    kprint("readtest: %s\n", st.message());
    return true;
  }
  kprint("readtest %s lba %llu count %llu: crc32 %08x, ", d->name(), (unsigned long long)lba,
         (unsigned long long)count, crc);
  print_rate(count * d->sector_size(), us);
  kprint("\n");
  return true;
}

bool StorageCommands::cmd_sum(int argc, const char* const* argv) {
  BlockDevice* d = device_arg(argv[1]);
  if (!d) return true;
  uint64_t count = d->sector_count();
  uint64_t mib = 0;
  if (argc == 3) {
    if (!bootargs::parse_u64(argv[2], &mib)) return false;
    uint64_t want = (mib << 20) / d->sector_size();
    if (want < count) count = want;
  }
  uint32_t crc = 0;
  uint64_t us = 0;
  Status st = read_range(*d, 0, count, &crc, &us);
  if (!st) {
    kprint("sum: %s\n", st.message());
    return true;
  }
  kprint("sum %s: %llu bytes crc32 %08x, ", d->name(),
         (unsigned long long)(count * d->sector_size()), crc);
  print_rate(count * d->sector_size(), us);
  kprint("\n");
  return true;
}

bool StorageCommands::cmd_readloop(int, const char* const* argv) {
  BlockDevice* d = device_arg(argv[1]);
  if (!d) return true;
  kprint("readloop %s: reading until an error\n", d->name());
  for (uint32_t pass = 1;; pass++) {
    uint32_t crc = 0;
    uint64_t us = 0;
    Status st = read_range(*d, 0, d->sector_count(), &crc, &us);
    if (!st) {
      kprint("readloop: pass %u failed: %s\n", pass, st.message());
      return true;
    }
    kprint("readloop: pass %u crc32 %08x\n", pass, crc);
  }
}

bool StorageCommands::cmd_scsiread(int, const char* const* argv) {
  uint64_t lba = 0, count = 0;
  if (!bootargs::parse_u64(argv[2], &lba) || !bootargs::parse_u64(argv[3], &count) || count > 512)
    return false;
  for (size_t i = 0; i < hw_.usb().storage_count(); i++) {
    usb::UsbMassStorage& m = hw_.usb().storage(i);
    if (strcmp(m.name(), argv[1]) != 0) continue;
    Status st = m.read_unchecked(lba, uint32_t(count));
    kprint("scsiread %s lba %llu count %llu: %s\n", m.name(), (unsigned long long)lba,
           (unsigned long long)count, st.message());
    return true;
  }
  kprint("no USB disk '%s'\n", argv[1]);
  return true;
}

Volume* StorageCommands::mount_first(BlockDevice& d) {
  Status st = volumes_.scan(&d);
  if (!st) {
    kprint("%s: %s\n", d.name(), st.message());
    return nullptr;
  }
  for (int i = 0; i < volumes_.partition_count(); i++) {
    const Volumes::Partition& p = volumes_.partition(i);
    kprint("  partition %u: %s, %llu MiB: %s\n", p.info.index, p.info.type_name,
           (unsigned long long)(p.info.sector_count * d.sector_size() >> 20), p.status.message());
  }
  if (volumes_.volume_count() == 0) {
    kprint("%s: no FAT32 volume\n", d.name());
    return nullptr;
  }
  return &volumes_.volume(0);
}

namespace {
bool print_entry(void*, const FatDirEntry& e) {
  if (e.is_dir)
    kprint("  %10s  %s/\n", "<dir>", e.name);
  else
    kprint("  %10u  %s\n", e.size, e.name);
  return true;
}
}  // namespace

bool StorageCommands::cmd_ls(int argc, const char* const* argv) {
  BlockDevice* d = device_arg(argv[1]);
  Volume* v = d ? mount_first(*d) : nullptr;
  if (!v) return true;
  const char* path = argc == 3 ? argv[2] : "/";
  kprint("%s (label '%s') %s:\n", v->name(), v->label(), path);
  Status st = v->list(path, print_entry, nullptr);
  if (!st) kprint("ls: %s\n", st.message());
  return true;
}

bool StorageCommands::cmd_fsum(int, const char* const* argv) {
  BlockDevice* d = device_arg(argv[1]);
  Volume* v = d ? mount_first(*d) : nullptr;
  if (!v) return true;
  FatFile f;
  Status st = v->open(argv[2], &f);
  if (st && f.is_dir) st = Status::error("'%s' is a folder", argv[2]);
  uint32_t crc = 0;
  uint64_t us = 0;
  for (uint64_t off = 0; st && off < f.size;) {
    size_t n = size_t(f.size - off < scratch_bytes_ ? f.size - off : scratch_bytes_);
    uint64_t t0 = platform::now_us();
    st = v->read(f, off, n, scratch_);
    us += platform::now_us() - t0;
    if (st) crc = crc32_update(crc, scratch_, n);
    off += n;
  }
  if (!st) {
    kprint("fsum: %s\n", st.message());
    return true;
  }
  kprint("fsum %s: %u bytes crc32 %08x, ", argv[2], f.size, crc);
  print_rate(f.size, us);
  kprint("\n");
  return true;
}

bool StorageCommands::cmd_readspeed(int argc, const char* const* argv) {
  BlockDevice* d = device_arg(argv[1]);
  if (!d) return true;
  // The file through FAT32 and the same sectors raw, interleaved chunk by chunk (for a file
  // in one run exactly the same bytes); without PATH the whole device raw.
  ReadRate file, raw;
  Status st;
  uint32_t cluster = 0;
  if (argc == 3) {
    Volume* v = mount_first(*d);
    if (!v) return true;
    cluster = v->fs().cluster_bytes();
    st = measure_file_and_raw(*v, argv[2], scratch_, scratch_bytes_, &file, &raw);
  } else {
    st = measure_raw_read(*d, 0, d->sector_count() * d->sector_size(), scratch_, scratch_bytes_,
                          &raw);
  }
  if (!st) {
    kprint("readspeed: %s\n", st.message());
    return true;
  }
  kprint("readspeed %s raw (crc32 %08x): ", d->name(), raw.crc32);
  print_rate(raw.bytes, raw.us);
  kprint("\n");
  if (argc == 3) {
    kprint("readspeed %s file (%u-byte clusters, crc32 %08x): ", d->name(), cluster, file.crc32);
    print_rate(file.bytes, file.us);
    kprint("\nreadspeed %s file/raw %.3f\n", d->name(),
           raw.mb_per_s() > 0 ? file.mb_per_s() / raw.mb_per_s() : 0.0);
  }
  return true;
}

}  // namespace inferpi
