// The self-test report behind `!diag` (menu) and `diag` (debug shell): one line per part,
// each saying "ok", what it measured, or why it could not run - never silently missing - so
// the first people with a board can paste one block of text into a bug report
// (docs/hardware-validation.md). The boards gather what only they know (mailbox, PCIe,
// USB, SD registers); the portable parts live here: the line format, SD CID/CSD decoding,
// read bandwidth, drive read speed raw and through the filesystem, the read-path check.
//
//   DiagReport r("pi4 (Raspberry Pi 4 / BCM2711)");
//   r.ok("clock", "ARM %u MHz requested, %u MHz measured", ...);
//   r.not_run("pcie", "this board has no PCIe");
//   r.finish();   // "=== end of report: 17 ok, 3 measured, 0 FAIL, 2 not run ==="
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/block/block_device.h"
#include "runtime/app/model_drive.h"
#include "runtime/core/arena.h"

namespace inferpi {

enum class DiagResult { kOk, kMeasured, kFail, kNotRun };

// "[section     ] ok: detail" - the one line format (tests/appliance_qemu parses it).
size_t format_diag_line(char* out, size_t cap, DiagResult result, const char* section,
                        const char* detail);
const char* diag_result_word(DiagResult result);  // "ok", "measured", "FAIL", "not run"

class DiagReport {
 public:
  explicit DiagReport(const char* board);
  [[gnu::format(printf, 3, 4)]] void ok(const char* section, const char* fmt, ...);
  [[gnu::format(printf, 3, 4)]] void measured(const char* section, const char* fmt, ...);
  [[gnu::format(printf, 3, 4)]] void fail(const char* section, const char* fmt, ...);
  [[gnu::format(printf, 3, 4)]] void not_run(const char* section, const char* fmt, ...);
  void line(DiagResult result, const char* section, const char* detail);
  void finish();
  int count(DiagResult r) const { return counts_[int(r)]; }

 private:
  int counts_[4] = {};
};

// SD card registers (SD Physical Layer §5.2, §5.3) from SDHCI R2 words (card bit n stored at
// bit n - 8, the CRC byte dropped).
struct SdCid {
  uint8_t manufacturer = 0;
  char oem[3] = {};
  char product[6] = {};
  uint8_t revision_major = 0, revision_minor = 0;
  uint32_t serial = 0;
  uint16_t year = 0;
  uint8_t month = 0;
};
void decode_sd_cid(const uint32_t r[4], SdCid* out);
// CSD_STRUCTURE (0 = SDSC, 1 = SDHC/SDXC) and TRAN_SPEED in Hz (25 MHz default speed).
uint32_t sd_csd_structure(const uint32_t r[4]);
uint32_t sd_csd_max_transfer_hz(const uint32_t r[4]);
// "0123456789abcdef..." (32 hex digits, the card's bits 127..8 then 00 for the CRC byte).
void format_sd_register(const uint32_t r[4], char* out, size_t cap);

// A Raspberry Pi board revision code (new style, bit 23): "Pi 4 Model B rev 1.4, 4 GB RAM,
// BCM2711, made by Sony UK". Returns the RAM size in MiB (0 for an old-style code).
uint32_t describe_board_revision(uint32_t revision, char* out, size_t cap);

// "read bandwidth": 1 core and all workers, from a buffer taken from `arena` and given back.
void diag_bandwidth(DiagReport& report, Arena& arena);

// Each drive measurement reads up to this much, and stops early after ~3 s (an SD card in
// QEMU reads at ~2 MB/s; a USB 3 stick on a Pi 4 at 100+).
constexpr uint64_t kDiagReadBytes = 32ull << 20;
constexpr uint64_t kDiagReadMaxUs = 3'000'000;

// "read <dev>": raw sequential MB/s from the start of the device.
void diag_raw_read(DiagReport& report, BlockDevice& dev, Arena& arena);
// "fat <drive>": MB/s reading the largest file at the root or one folder down through the
// drive's filesystem.
void diag_fat_read(DiagReport& report, ModelDrive& drive, Arena& arena);
// "dma <dev>": the same sectors read by the driver's direct path and its other path
// (`paths` says which they are on this device), compared. `dma_direct`: the device DMAs into
// 64-byte aligned destinations it can reach; the line then says if the test buffer was not
// reachable (both reads bounced, so the direct path went untested).
void diag_read_paths(DiagReport& report, BlockDevice& dev, const char* paths, bool dma_direct,
                     Arena& arena);

}  // namespace inferpi
