// The self-test report's portable parts. See diag_report.h.
#include "runtime/app/diag_report.h"

#include <cstdarg>
#include <cstring>

#include "drivers/block/read_speed.h"
#include "runtime/app/bench.h"
#include "runtime/core/console.h"
#include "runtime/core/format.h"
#include "runtime/core/kstring.h"
#include "runtime/core/parallel.h"
#include "runtime/core/platform.h"

namespace inferpi {

const char* diag_result_word(DiagResult result) {
  constexpr const char* kWords[] = {"ok", "measured", "FAIL", "not run"};  // DiagResult order
  static_assert(sizeof kWords / sizeof *kWords == size_t(DiagResult::kNotRun) + 1);
  return size_t(result) < sizeof kWords / sizeof *kWords ? kWords[size_t(result)] : "?";
}

size_t format_diag_line(char* out, size_t cap, DiagResult result, const char* section,
                        const char* detail) {
  return format(out, cap, "[%-12s] %s: %s", section, diag_result_word(result), detail);
}

DiagReport::DiagReport(const char* board) {
  kprint("\n=== InferPi self-test report (diag), build %s ===\n", INFERPI_BUILD_ID);
  kprint("board: %s\n", board);
}

void DiagReport::line(DiagResult result, const char* section, const char* detail) {
  char text[320];
  format_diag_line(text, sizeof text, result, section, detail);
  kprint("%s\n", text);
  counts_[int(result)]++;
}

#define INFERPI_DIAG_LINE(kind)            \
  char detail[256];                        \
  va_list ap;                              \
  va_start(ap, fmt);                       \
  vformat(detail, sizeof detail, fmt, ap); \
  va_end(ap);                              \
  line(kind, section, detail)

void DiagReport::ok(const char* section, const char* fmt, ...) {
  INFERPI_DIAG_LINE(DiagResult::kOk);
}
void DiagReport::measured(const char* section, const char* fmt, ...) {
  INFERPI_DIAG_LINE(DiagResult::kMeasured);
}
void DiagReport::fail(const char* section, const char* fmt, ...) {
  INFERPI_DIAG_LINE(DiagResult::kFail);
}
void DiagReport::not_run(const char* section, const char* fmt, ...) {
  INFERPI_DIAG_LINE(DiagResult::kNotRun);
}
#undef INFERPI_DIAG_LINE

void DiagReport::finish() {
  kprint("=== end of report: %d ok, %d measured, %d FAIL, %d not run ===\n",
         counts_[int(DiagResult::kOk)], counts_[int(DiagResult::kMeasured)],
         counts_[int(DiagResult::kFail)], counts_[int(DiagResult::kNotRun)]);
}

// --- SD registers --------------------------------------------------------------------------

namespace {
uint32_t card_bits(const uint32_t r[4], uint32_t hi, uint32_t lo) {
  uint32_t value = 0;
  for (uint32_t bit = hi + 1; bit-- > lo;) {
    uint32_t stored = bit - 8;
    value = (value << 1) | ((r[stored / 32] >> (stored % 32)) & 1);
  }
  return value;
}
char printable(uint32_t c) { return c >= 0x20 && c < 0x7F ? char(c) : '?'; }
}  // namespace

void decode_sd_cid(const uint32_t r[4], SdCid* out) {
  *out = SdCid{};
  out->manufacturer = uint8_t(card_bits(r, 127, 120));
  out->oem[0] = printable(card_bits(r, 119, 112));
  out->oem[1] = printable(card_bits(r, 111, 104));
  for (int i = 0; i < 5; ++i) {
    uint32_t hi = 103 - 8 * uint32_t(i);
    out->product[i] = printable(card_bits(r, hi, hi - 7));
  }
  uint32_t prv = card_bits(r, 63, 56);
  out->revision_major = uint8_t(prv >> 4);
  out->revision_minor = uint8_t(prv & 0xF);
  out->serial = card_bits(r, 55, 24);
  out->year = uint16_t(2000 + card_bits(r, 19, 12));
  out->month = uint8_t(card_bits(r, 11, 8));
}

uint32_t sd_csd_structure(const uint32_t r[4]) { return card_bits(r, 127, 126); }

uint32_t sd_csd_max_transfer_hz(const uint32_t r[4]) {
  // TRAN_SPEED [103:96]: rate unit (2:0) x time value (6:3) / 10.
  static const uint32_t kUnit[4] = {100'000, 1'000'000, 10'000'000, 100'000'000};
  static const uint32_t kValueTimes10[16] = {0,  10, 12, 13, 15, 20, 25, 30,
                                             35, 40, 45, 50, 55, 60, 70, 80};
  uint32_t ts = card_bits(r, 103, 96);
  uint32_t unit = ts & 7;
  if (unit > 3) return 0;  // reserved
  return kUnit[unit] / 10 * kValueTimes10[(ts >> 3) & 0xF];
}

void format_sd_register(const uint32_t r[4], char* out, size_t cap) {
  size_t n = 0;
  for (int byte = 15; byte >= 1; --byte) {  // card bytes 15..1 = bits 127..8
    uint32_t v = card_bits(r, uint32_t(byte) * 8 + 7, uint32_t(byte) * 8);
    n += format(out + (n < cap ? n : cap), n < cap ? cap - n : 0, "%02x", v);
  }
  format(out + (n < cap ? n : cap), n < cap ? cap - n : 0, "00");
}

uint32_t describe_board_revision(uint32_t rev, char* out, size_t cap) {
  if (!(rev & (1u << 23))) {
    format(out, cap, "old-style revision code 0x%04x (not a Pi 4)", rev);
    return 0;
  }
  static const char* const kMakers[6] = {"Sony UK",    "Egoman", "Embest",
                                         "Sony Japan", "Embest", "Stadium"};
  static const char* const kSocs[5] = {"BCM2835", "BCM2836", "BCM2837", "BCM2711", "BCM2712"};
  const uint32_t type = (rev >> 4) & 0xFF, soc = (rev >> 12) & 0xF, maker = (rev >> 16) & 0xF;
  const uint32_t mib = 256u << ((rev >> 20) & 7);
  const char* model = type == 0x11   ? "Pi 4 Model B"
                      : type == 0x13 ? "Pi 400"
                      : type == 0x14 ? "Compute Module 4"
                      : type == 0x15 ? "Compute Module 4S"
                                     : nullptr;
  char name[40];
  if (model)
    copy_string(name, sizeof name, model);
  else
    format(name, sizeof name, "not a Pi 4 (type 0x%02x)", type);
  format(out, cap, "%s rev 1.%u, %u %s RAM, %s, made by %s", name, rev & 0xF,
         mib >= 1024 ? mib / 1024 : mib, mib >= 1024 ? "GB" : "MB",
         soc < 5 ? kSocs[soc] : "unknown SoC", maker < 6 ? kMakers[maker] : "?");
  return mib;
}

// --- measurements --------------------------------------------------------------------------

void diag_bandwidth(DiagReport& report, Arena& arena) {
  const Arena::Mark mark = arena.mark();
  size_t size = size_t(64) << 20;
  if (arena.largest_free() / 2 < size) size = arena.largest_free() / 2 / 4096 * 4096;
  if (size < (size_t(4) << 20)) {
    report.not_run("bandwidth", "only %u MiB free for a buffer (need 4)",
                   unsigned(arena.largest_free() >> 20));
    return;
  }
  auto* buf = static_cast<uint8_t*>(arena.alloc_zeroed(size, 4096));
  if (!buf) {
    report.not_run("bandwidth", "no %u MiB buffer", unsigned(size >> 20));
    return;
  }
  bench::Bandwidth one = bench::read_bandwidth(buf, size, 4, false);
  bench::Bandwidth all = bench::read_bandwidth(buf, size, 4, true);
  report.measured("bandwidth", "read, %u MiB buffer: 1 core %.0f MB/s, %d cores %.0f MB/s",
                  unsigned(size >> 20), one.mb_per_s, worker_count(), all.mb_per_s);
  arena.reset(mark);
}

namespace {
constexpr size_t kReadChunk = size_t(1) << 20;  // one read of the speed measurements

// The measurements' 1 MiB read buffer (page aligned, for direct DMA), or a "not run" line.
void* read_buffer(DiagReport& report, const char* section, Arena& arena) {
  void* buf = arena.alloc(kReadChunk, 4096);
  if (!buf) report.not_run(section, "no 1 MiB buffer free");
  return buf;
}
}  // namespace

void diag_raw_read(DiagReport& report, BlockDevice& dev, Arena& arena) {
  char section[80];
  format(section, sizeof section, "read %s", dev.name());
  const Arena::Mark mark = arena.mark();
  void* buf = read_buffer(report, section, arena);
  if (!buf) return;
  ReadRate speed;
  Status st = measure_raw_read(dev, 0, kDiagReadBytes, buf, kReadChunk, &speed, kDiagReadMaxUs);
  arena.reset(mark);
  if (!st) {
    report.fail(section, "%s", st.message());
    return;
  }
  report.measured(section, "raw sequential %.1f MB/s (%llu KiB in %u KiB reads, %.0f ms)",
                  speed.mb_per_s(), (unsigned long long)(speed.bytes >> 10),
                  speed.chunk_bytes >> 10, double(speed.us) / 1000.0);
}

namespace {
struct Largest {
  char path[160] = {};
  uint64_t size = 0;
  const char* folder = "";
};
bool pick_largest(void* ctx, const DriveEntry& e) {
  auto* l = static_cast<Largest*>(ctx);
  if (!e.is_dir && e.size > l->size) {
    l->size = e.size;
    if (l->folder[0])
      format(l->path, sizeof l->path, "%s/%s", l->folder, e.name);
    else
      format(l->path, sizeof l->path, "%s", e.name);
  }
  return true;
}
struct Folders {
  char names[8][64] = {};
  int count = 0;
};
bool collect_folders(void* ctx, const DriveEntry& e) {
  auto* f = static_cast<Folders*>(ctx);
  if (e.is_dir && f->count < 8 && e.name[0] != '.') copy_string(f->names[f->count++], 64, e.name);
  return true;
}
}  // namespace

void diag_fat_read(DiagReport& report, ModelDrive& drive, Arena& arena) {
  char section[80];
  format(section, sizeof section, "fat %s", drive.name());
  Largest best;
  Folders folders;
  Status st = drive.list("", pick_largest, &best);
  if (st) st = drive.list("", collect_folders, &folders);
  for (int i = 0; st && i < folders.count; ++i) {
    best.folder = folders.names[i];
    st = drive.list(folders.names[i], pick_largest, &best);
  }
  if (!st) {
    report.fail(section, "listing the drive: %s", st.message());
    return;
  }
  if (best.size == 0) {
    report.not_run(section, "no file on the drive to read");
    return;
  }
  const Arena::Mark mark = arena.mark();
  void* buf = read_buffer(report, section, arena);
  if (!buf) return;
  uint64_t total = best.size < kDiagReadBytes ? best.size : kDiagReadBytes, done = 0;
  const uint64_t t0 = platform::now_us();
  while (st && done < total && platform::now_us() - t0 < kDiagReadMaxUs) {
    size_t n = total - done < kReadChunk ? size_t(total - done) : kReadChunk;
    st = drive.read(best.path, done, n, buf);
    done += n;
  }
  uint64_t us = platform::now_us() - t0;
  arena.reset(mark);
  if (!st) {
    report.fail(section, "reading %s: %s", best.path, st.message());
    return;
  }
  if (us == 0) us = 1;
  report.measured(section, "%.1f MB/s through the filesystem (%s, %llu KiB)",
                  double(done) / double(us), best.path, (unsigned long long)(done >> 10));
}

void diag_read_paths(DiagReport& report, BlockDevice& dev, const char* paths, bool dma_direct,
                     Arena& arena) {
  char section[80];
  format(section, sizeof section, "dma %s", dev.name());
  const uint32_t sectors = uint32_t((256u << 10) / (dev.sector_size() ? dev.sector_size() : 512));
  const size_t bytes = size_t(sectors) * dev.sector_size();
  if (dev.sector_count() < sectors) {
    report.not_run(section, "device smaller than %zu KiB", bytes >> 10);
    return;
  }
  const Arena::Mark mark = arena.mark();
  auto* direct = static_cast<uint8_t*>(arena.alloc(bytes, 64));
  auto* other = static_cast<uint8_t*>(arena.alloc(bytes + 64, 64));
  if (!direct || !other) {
    arena.reset(mark);
    report.not_run(section, "no buffers free");
    return;
  }
  // Past the partition table and FAT: a region that holds data on a model drive.
  uint64_t lba = dev.sector_count() / 2;
  if (lba + sectors > dev.sector_count()) lba = 0;
  uint64_t bus = 0;
  const bool reachable = !dma_direct || platform::dma_bus_address(direct, bytes, &bus);
  ReadPathCheck check;
  Status st = compare_read_paths(dev, lba, sectors, direct, other, &check);
  arena.reset(mark);
  if (!st) {
    report.fail(section, "%s", st.message());
  } else if (!check.equal) {
    report.fail(section, "%s differ at byte %llu of %zu KiB at sector %llu", paths,
                (unsigned long long)check.first_mismatch, bytes >> 10, (unsigned long long)lba);
  } else if (!reachable) {
    report.not_run(section,
                   "the test buffer is out of the device's DMA reach, both reads bounced "
                   "(they agree: %zu KiB at sector %llu)",
                   bytes >> 10, (unsigned long long)lba);
  } else {
    report.ok(section, "%s read the same %zu KiB at sector %llu", paths, bytes >> 10,
              (unsigned long long)lba);
  }
}

}  // namespace inferpi
