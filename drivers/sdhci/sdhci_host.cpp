// SD card on an SDHCI host: PIO, ADMA2 or the system DMA controller. References: SD Host
// Controller Simplified Spec 3.00 §2 (registers), §1.13 (ADMA2), §3.7 (command issue);
// SD Physical Layer Simplified Spec §4.2 (init), §4.3.10 (CMD6 High Speed); pi4-hardware.md
// §3.3-§3.4 (DMA cache maintenance, EMMC2 DMA reach), §10 (EMMC2); qemu.md §7; Linux
// drivers/mmc/host/sdhci.c (sdhci_adma_table_pre, SDHCI_CTRL_ADMA32, mmc_sd_switch_hs) and
// Circle addon/SDCard/emmc.cpp (the EMMC2 sequence).
#include "drivers/sdhci/sdhci_host.h"

#include <cstring>

#include "drivers/sdhci/sd_protocol.h"
#include "runtime/core/kstring.h"
#include "runtime/core/platform.h"

namespace inferpi::sd {
namespace {

namespace reg {                    // all accessed as 32-bit words (the BCM2711 EMMC2 requires it)
constexpr uint32_t kBlock = 0x04;  // block size 11:0, block count 31:16
constexpr uint32_t kArgument = 0x08;
constexpr uint32_t kCommand = 0x0C;   // transfer mode 15:0, command 31:16
constexpr uint32_t kResponse = 0x10;  // RESP0..3 at 0x10..0x1C
constexpr uint32_t kData = 0x20;
constexpr uint32_t kPresent = 0x24;
constexpr uint32_t kHostControl = 0x28;  // host control 7:0, power control 15:8
constexpr uint32_t kClock = 0x2C;        // clock 15:0, timeout 19:16, software reset 26:24
constexpr uint32_t kInterrupt = 0x30;    // normal 15:0, error 31:16 (RW1C)
constexpr uint32_t kInterruptEnable = 0x34;
constexpr uint32_t kInterruptSignal = 0x38;
constexpr uint32_t kCapabilities = 0x40;
constexpr uint32_t kAdmaAddress = 0x58;  // ADMA system address, low 32 bits
constexpr uint32_t kVersion = 0xFC;      // spec version 23:16
}  // namespace reg

constexpr uint32_t kPresentCmdInhibit = 1u << 0, kPresentDatInhibit = 1u << 1,
                   kPresentCardInserted = 1u << 16;
constexpr uint32_t kHostControl4Bit = 1u << 1, kHostControlHighSpeed = 1u << 2,
                   kHostControlDmaMask = 3u << 3, kHostControlAdma32 = 2u << 3;
constexpr uint32_t kCapAdma2 = 1u << 19, kCapHighSpeed = 1u << 21;
constexpr uint32_t kPower33V = 0x0Fu << 8;  // bus power on, 3.3 V
constexpr uint32_t kClockInternalEnable = 1u << 0, kClockStable = 1u << 1, kClockSdEnable = 1u << 2;
constexpr uint32_t kTimeoutMax = 0xEu << 16;
constexpr uint32_t kResetAll = 1u << 24, kResetCmd = 1u << 25, kResetDat = 1u << 26;
constexpr uint32_t kIntCommandDone = 1u << 0, kIntTransferDone = 1u << 1, kIntReadReady = 1u << 5,
                   kIntError = 1u << 15, kIntCommandTimeout = 1u << 16, kIntDataTimeout = 1u << 20;

// Command register flags (bits 5:0 of the command half).
constexpr uint32_t kRespNone = 0x00, kResp136 = 0x01 | 0x08, kResp48 = 0x02 | 0x08 | 0x10,
                   kResp48Busy = 0x03 | 0x08 | 0x10, kResp48NoCheck = 0x02;
constexpr uint32_t kDataPresent = 0x20;
// Transfer mode bits.
constexpr uint32_t kTmDma = 1u << 0, kTmBlockCount = 1u << 1, kTmAutoCmd12 = 1u << 2,
                   kTmRead = 1u << 4, kTmMulti = 1u << 5;

constexpr uint32_t kIdentifyHz = 400'000;
constexpr uint32_t kDefaultSpeedHz = 25'000'000;
constexpr uint32_t kHighSpeedHz = 50'000'000;
constexpr uint32_t kResetTimeoutUs = 1'000'000;
constexpr uint32_t kCommandTimeoutUs = 500'000;
constexpr uint32_t kBlockTimeoutUs = 1'000'000;
constexpr uint32_t kCardPresentTimeoutUs = 500'000;
constexpr int kAcmd41Tries = 100;  // x 10 ms
constexpr int kInitTries = 3;
constexpr uint32_t kAdmaDescriptors =
    (SdhciHost::kMaxBlocksPerCommand * 512 + kAdmaMaxChunk - 1) / kAdmaMaxChunk;
// Below 1 MB/s a card is broken: data waits get 1 s plus 1 us per byte.
constexpr uint32_t kSlowestBytesPerUs = 1;

}  // namespace

Status SdhciHost::wait_interrupt(uint32_t mask, uint32_t timeout_us, const char* step,
                                 uint32_t* status) {
  uint64_t start = platform::now_us();
  for (;;) {
    uint32_t v = regs_.read32(reg::kInterrupt);
    if (v & kIntError) {
      regs_.write32(reg::kInterrupt, 0xFFFF0000 | kIntError);
      reset_lines();
      const char* what = (v & kIntCommandTimeout) ? "command timeout"
                         : (v & kIntDataTimeout)  ? "data timeout"
                                                  : "error";
      return Status::error("%s: %s: %s (interrupt status 0x%08x)", name_, step, what, v);
    }
    if (v & mask) {
      if (status) *status = v;
      regs_.write32(reg::kInterrupt, v & mask);
      return Status::ok();
    }
    if (platform::now_us() - start > timeout_us)
      return Status::error("%s: %s: timed out after %u ms (interrupt status 0x%08x)", name_, step,
                           timeout_us / 1000, v);
  }
}

void SdhciHost::reset_lines() {
  regs_.set_bits32(reg::kClock, kResetCmd | kResetDat);
  uint64_t start = platform::now_us();
  while ((regs_.read32(reg::kClock) & (kResetCmd | kResetDat)) &&
         platform::now_us() - start < kResetTimeoutUs) {
  }
}

Status SdhciHost::send(const Command& c, uint32_t* response, const char* step) {
  uint32_t inhibit = kPresentCmdInhibit | ((c.data || (c.flags & 3) == 3) ? kPresentDatInhibit : 0);
  uint64_t start = platform::now_us();
  while (regs_.read32(reg::kPresent) & inhibit) {
    if (platform::now_us() - start > kCommandTimeoutUs)
      return Status::error("%s: %s: command line busy (present state 0x%08x)", name_, step,
                           regs_.read32(reg::kPresent));
  }
  regs_.write32(reg::kInterrupt, 0xFFFFFFFF);
  uint32_t mode = 0;
  if (c.data) {
    regs_.write32(reg::kBlock, c.block_size | (c.blocks << 16));
    mode = kTmRead | (c.blocks > 1 ? kTmMulti | kTmBlockCount | kTmAutoCmd12 : 0) |
           (c.dma ? kTmDma : 0);
  }
  regs_.write32(reg::kArgument, c.arg);
  uint32_t flags = c.flags | (c.data ? kDataPresent : 0);
  regs_.write32(reg::kCommand, mode | (c.index << 24) | (flags << 16));
  INFERPI_TRY(wait_interrupt(kIntCommandDone, kCommandTimeoutUs, step, nullptr));
  if (response) {
    if ((c.flags & 3) == 1) {
      for (int i = 0; i < 4; i++) response[i] = regs_.read32(reg::kResponse + 4 * i);
    } else {
      response[0] = regs_.read32(reg::kResponse);
    }
  }
  if ((c.flags & 3) == 3) {  // R1b: wait for the card to release DAT0
    start = platform::now_us();
    while (!(regs_.read32(reg::kInterrupt) & kIntTransferDone) &&
           (regs_.read32(reg::kPresent) & kPresentDatInhibit)) {
      if (platform::now_us() - start > kCommandTimeoutUs)
        return Status::error("%s: %s: card stayed busy", name_, step);
    }
    regs_.write32(reg::kInterrupt, kIntTransferDone);
  }
  return Status::ok();
}

Status SdhciHost::app_command(const Command& c, uint32_t* response, const char* step) {
  Command cmd55{55, rca_ << 16, kResp48};
  uint32_t r = 0;
  INFERPI_TRY(send(cmd55, &r, "CMD55 (APP_CMD)"));
  return send(c, response, step);
}

Status SdhciHost::reset_host() {
  regs_.write32(reg::kClock, kResetAll);
  uint64_t start = platform::now_us();
  while (regs_.read32(reg::kClock) & kResetAll) {
    if (platform::now_us() - start > kResetTimeoutUs)
      return Status::error("%s: host controller reset timed out", name_);
  }
  return Status::ok();
}

Status SdhciHost::set_clock(uint32_t hz) {
  regs_.clear_bits32(reg::kClock, kClockSdEnable);
  platform::delay_us(100);
  uint32_t actual = 0;
  uint32_t div = clock_divider_bits(base_clock_, hz, version_, &actual);
  regs_.write32(reg::kClock, div | kClockInternalEnable | kTimeoutMax);
  uint64_t start = platform::now_us();
  while (!(regs_.read32(reg::kClock) & kClockStable)) {
    if (platform::now_us() - start > kResetTimeoutUs)
      return Status::error("%s: clock did not stabilise at %u Hz", name_, hz);
  }
  regs_.set_bits32(reg::kClock, kClockSdEnable);
  platform::delay_us(2000);
  clock_hz_ = actual;
  return Status::ok();
}

Status SdhciHost::identify() {
  uint32_t r[4] = {};
  INFERPI_TRY(send(Command{0, 0, kRespNone}, nullptr, "CMD0 (GO_IDLE)"));
  // CMD8: voltage 2.7-3.6 V, check pattern 0xAA. No answer = SD 1.x card.
  bool v2 = send(Command{8, 0x1AA, kResp48}, r, "CMD8 (SEND_IF_COND)").is_ok();
  if (v2 && (r[0] & 0xFFF) != 0x1AA)
    return Status::error("%s: CMD8 echoed 0x%03x instead of 0x1AA", name_, r[0] & 0xFFF);
  uint32_t arg = ocr::kVoltage27to36 | (v2 ? ocr::kCcs : 0);
  rca_ = 0;
  int tries = 0;
  for (;; tries++) {
    INFERPI_TRY(app_command(Command{41, arg, kResp48NoCheck}, r, "ACMD41 (SD_SEND_OP_COND)"));
    if (r[0] & ocr::kBusy) break;
    if (tries >= kAcmd41Tries)
      return Status::error("%s: card did not finish power-up (OCR 0x%08x)", name_, r[0]);
    platform::delay_us(10'000);
  }
  high_capacity_ = (r[0] & ocr::kCcs) != 0;
  INFERPI_TRY(send(Command{2, 0, kResp136}, r, "CMD2 (ALL_SEND_CID)"));
  for (int i = 0; i < 4; i++) cid_[i] = r[i];
  INFERPI_TRY(send(Command{3, 0, kResp48}, r, "CMD3 (SEND_RELATIVE_ADDR)"));
  rca_ = r6_rca(r[0]);
  INFERPI_TRY(send(Command{9, rca_ << 16, kResp136}, r, "CMD9 (SEND_CSD)"));
  for (int i = 0; i < 4; i++) csd_[i] = r[i];
  INFERPI_TRY(csd_capacity_blocks(r, &blocks_));
  INFERPI_TRY(send(Command{7, rca_ << 16, kResp48Busy}, r, "CMD7 (SELECT_CARD)"));
  if (!high_capacity_) INFERPI_TRY(send(Command{16, 512, kResp48}, r, "CMD16 (SET_BLOCKLEN)"));
  INFERPI_TRY(app_command(Command{6, 2, kResp48}, r, "ACMD6 (4-bit bus)"));
  regs_.set_bits32(reg::kHostControl, kHostControl4Bit);
  INFERPI_TRY(set_clock(kDefaultSpeedHz));
  try_high_speed();
  return Status::ok();
}

// High Speed (50 MHz) when both sides can: the host's capabilities bit 21, the card's SCR
// (SD 1.10 or later has CMD6) and CMD6's function group 1 (SD spec §4.3.10). Anything
// unexpected leaves the card at default speed, with the reason in speed_note().
void SdhciHost::try_high_speed() {
  high_speed_ = false;
  if (!(caps_ & kCapHighSpeed)) {
    copy_string(speed_note_, sizeof speed_note_, "host has no High Speed");
    return;
  }
  alignas(8) uint8_t scr[8] = {};
  Command acmd51{51, 0, kResp48, true, 1, 8};
  uint32_t r = 0;
  Command cmd55{55, rca_ << 16, kResp48};
  Status st = send(cmd55, &r, "CMD55 (APP_CMD)");
  if (st) st = read_small(acmd51, scr, "ACMD51 (SEND_SCR)");
  if (!st || scr_sd_spec(scr) == 0) {
    copy_string(speed_note_, sizeof speed_note_, st ? "SD 1.0 card (no CMD6)" : "no SCR");
    return;
  }
  alignas(8) uint8_t status[64] = {};
  Command check{6, kSwitchCheckHighSpeed, kResp48, true, 1, 64};
  if (!read_small(check, status, "CMD6 (check High Speed)") ||
      !switch_supports_high_speed(status)) {
    copy_string(speed_note_, sizeof speed_note_, "card has no High Speed");
    return;
  }
  Command set{6, kSwitchSetHighSpeed, kResp48, true, 1, 64};
  if (!read_small(set, status, "CMD6 (switch to High Speed)") ||
      switch_group1_result(status) != 1) {
    copy_string(speed_note_, sizeof speed_note_, "CMD6 switch refused");
    return;
  }
  // The card switches within 8 clocks of the status block (§4.3.10.4); then the host.
  regs_.set_bits32(reg::kHostControl, kHostControlHighSpeed);
  if (!set_clock(kHighSpeedHz)) {
    copy_string(speed_note_, sizeof speed_note_, "50 MHz clock did not stabilise");
    regs_.clear_bits32(reg::kHostControl, kHostControlHighSpeed);
    set_clock(kDefaultSpeedHz);
    return;
  }
  high_speed_ = true;
  speed_note_[0] = 0;
}

Status SdhciHost::init(uintptr_t base, uint32_t base_clock_hz, const char* name,
                       const SdhciDmaConfig& dma) {
  dma_ = dma;
  // Circle retries the whole card reset up to 3 times: some cards time out once on a Pi 4.
  Status st;
  for (int attempt = 0; attempt < kInitTries; attempt++) {
    st = init_once(base, base_clock_hz, name);
    if (st) break;
    if (no_card_) break;  // retrying will not help
  }
  return st;
}

Status SdhciHost::init_once(uintptr_t base, uint32_t base_clock_hz, const char* name) {
  ready_ = false;
  no_card_ = false;
  copy_string(name_, sizeof name_, name);
  regs_ = mmio::RegisterBlock(base);
  version_ = (regs_.read32(reg::kVersion) >> 16) & 0xFF;
  uint32_t caps = regs_.read32(reg::kCapabilities);
  caps_ = caps;
  uint32_t cap_mhz = version_ >= 2 ? (caps >> 8) & 0xFF : (caps >> 8) & 0x3F;
  base_clock_ = base_clock_hz ? base_clock_hz : cap_mhz * 1'000'000;
  if (base_clock_ == 0) base_clock_ = 100'000'000;  // EMMC2's usual value (pi4-hardware.md §10)
  INFERPI_TRY(reset_host());
  regs_.write32(reg::kHostControl, kPower33V);
  platform::delay_us(2000);
  uint64_t start = platform::now_us();
  while (!(regs_.read32(reg::kPresent) & kPresentCardInserted)) {
    if (platform::now_us() - start > kCardPresentTimeoutUs) {
      no_card_ = true;
      return Status::error("%s: no card inserted", name_);
    }
    platform::delay_us(1000);
  }
  // Polling: every status latches, nothing is signalled to the CPU.
  regs_.write32(reg::kInterruptSignal, 0);
  regs_.write32(reg::kInterruptEnable, 0xFFFFFEFF);  // all but the card interrupt
  regs_.write32(reg::kInterrupt, 0xFFFFFFFF);
  INFERPI_TRY(set_clock(kIdentifyHz));
  INFERPI_TRY(identify());
  choose_path();
  ready_ = true;
  return Status::ok();
}

void SdhciHost::choose_path() {
  path_ = SdPath::kPio;
  if (requested_ == SdTransfer::kPio) return;
  // The bounce buffer and the descriptor table come from the coherent pool, which is never
  // freed: allocated once and kept across re-initialisations.
  if (!bounce_.cpu && !platform::dma_alloc_coherent(kBounceBytes, 64, &bounce_)) return;
  uint64_t bus = 0;
  if (caps_ & kCapAdma2) {
    if (!adma_table_.cpu &&
        !platform::dma_alloc_coherent(kAdmaDescriptors * sizeof(uint64_t), 8, &adma_table_))
      return;
    path_ = SdPath::kAdma2;
    if (dma_address(bounce_.cpu, kBounceBytes, &bus) &&
        dma_address(adma_table_.cpu, kAdmaDescriptors * sizeof(uint64_t), &bus))
      return;
  }
  path_ = SdPath::kSystemDma;
  if (dma_.dreq && dma_.data_port_bus && dma_.system.range.size && system_dma_.init(dma_.system) &&
      dma_address(bounce_.cpu, kBounceBytes, &bus))
    return;
  path_ = SdPath::kPio;
}

const char* SdhciHost::path_name() const {
  switch (path_) {
    case SdPath::kAdma2:
      return "ADMA2";
    case SdPath::kSystemDma:
      return "system DMA";
    case SdPath::kPio:
      break;
  }
  return "PIO";
}

// Bus address of [cpu, cpu + bytes) for the engine of the current path, if it can reach it.
bool SdhciHost::dma_address(const void* cpu, uint64_t bytes, uint64_t* bus) const {
  const BusWindow& range = path_ == SdPath::kSystemDma ? dma_.system.range : dma_.range;
  uint64_t phys = 0;
  if (dma_.pci && path_ == SdPath::kAdma2) {  // the platform knows the PCIe inbound window
    if (!platform::dma_bus_address(cpu, bytes, bus)) return false;
  } else {
    if (!platform::dma_physical_address(cpu, bytes, &phys) || !range.to_bus(phys, bytes, bus))
      return false;
  }
  return *bus + bytes <= (uint64_t(1) << 32);  // 32-bit ADMA2 descriptors / DMA registers
}

uint32_t SdhciHost::transfer_timeout_us(uint32_t blocks) const {
  return kBlockTimeoutUs + blocks * 512 / kSlowestBytesPerUs;
}

Status SdhciHost::read_pio(uint8_t* dst, uint32_t block_size, uint32_t blocks) {
  for (uint32_t b = 0; b < blocks; b++) {
    INFERPI_TRY(wait_interrupt(kIntReadReady, kBlockTimeoutUs, "waiting for read data", nullptr));
    for (uint32_t w = 0; w < block_size / 4; w++) {
      uint32_t v = regs_.read32(reg::kData);
      memcpy(dst + 4 * w, &v, 4);
    }
    dst += block_size;
  }
  return wait_interrupt(kIntTransferDone, kBlockTimeoutUs, "waiting for the end of the read",
                        nullptr);
}

// A short data read at init (SCR, CMD6 status): PIO, one block of block_size bytes.
Status SdhciHost::read_small(const Command& c, uint8_t* dst, const char* step) {
  uint32_t r = 0;
  INFERPI_TRY(send(c, &r, step));
  if (r & kR1ErrorMask) {
    reset_lines();
    return Status::error("%s: %s: card status 0x%08x", name_, step, r);
  }
  return read_pio(dst, c.block_size, c.blocks);
}

Status SdhciHost::read_command(uint64_t lba, uint32_t blocks, const char* step, bool dma) {
  Command c;
  c.index = blocks > 1 ? 18 : 17;
  c.arg = uint32_t(high_capacity_ ? lba : lba * 512);
  c.flags = kResp48;
  c.data = true;
  c.blocks = blocks;
  c.dma = dma;
  uint32_t r = 0;
  INFERPI_TRY(send(c, &r, step));
  if (r & kR1ErrorMask) {
    reset_lines();
    return Status::error("%s: %s lba %llu: card status 0x%08x", name_, step,
                         (unsigned long long)lba, r);
  }
  return Status::ok();
}

Status SdhciHost::read_blocks_pio(uint64_t lba, uint32_t blocks, uint8_t* dst) {
  const char* step = blocks > 1 ? "CMD18 (READ_MULTIPLE_BLOCK)" : "CMD17 (READ_SINGLE_BLOCK)";
  INFERPI_TRY(read_command(lba, blocks, step, false));
  return read_pio(dst, 512, blocks);
}

// One read command whose data the DMA engine of the current path writes to bus address
// `bus` (cache maintenance is the caller's).
Status SdhciHost::read_blocks_dma(uint64_t lba, uint32_t blocks, uint64_t bus) {
  const char* step = blocks > 1 ? "CMD18 (READ_MULTIPLE_BLOCK, DMA)" : "CMD17 (DMA)";
  uint32_t bytes = blocks * 512;
  if (path_ == SdPath::kAdma2) {
    auto* table = static_cast<uint64_t*>(adma_table_.cpu);
    uint32_t n = adma2_fill(table, kAdmaDescriptors, bus, bytes);
    if (n == 0)
      return Status::error("%s: no ADMA2 descriptors for bus 0x%llx", name_,
                           (unsigned long long)bus);
    uint64_t table_bus = 0;
    dma_address(adma_table_.cpu, n * sizeof(uint64_t), &table_bus);
    mmio::barrier_full();  // descriptors (non-cacheable) before the host fetches them
    regs_.write32(reg::kAdmaAddress, uint32_t(table_bus));
    uint32_t host = regs_.read32(reg::kHostControl);
    regs_.write32(reg::kHostControl, (host & ~kHostControlDmaMask) | kHostControlAdma32);
    INFERPI_TRY(read_command(lba, blocks, step, true));
  } else {
    // The host runs a PIO transfer; the system DMA channel empties its data port.
    INFERPI_TRY(read_command(lba, blocks, step, false));
    INFERPI_TRY(system_dma_.start_io_read(dma_.data_port_bus, dma_.dreq, bus, bytes));
    Status st = system_dma_.wait(transfer_timeout_us(blocks), step);
    if (!st) {
      reset_lines();
      return st;
    }
  }
  return wait_interrupt(kIntTransferDone, transfer_timeout_us(blocks),
                        "waiting for the end of the DMA read", nullptr);
}

Status SdhciHost::read(uint64_t lba, uint64_t count, void* dst) {
  if (!ready_) return Status::error("%s: not initialised", name_);
  if (lba > blocks_ || count > blocks_ - lba)
    return Status::error("%s: read of %llu blocks at %llu past the end (%llu blocks)", name_,
                         (unsigned long long)count, (unsigned long long)lba,
                         (unsigned long long)blocks_);
  uint8_t* out = static_cast<uint8_t*>(dst);
  while (count > 0) {
    uint32_t n = count < kMaxBlocksPerCommand ? uint32_t(count) : kMaxBlocksPerCommand;
    uint64_t bytes = uint64_t(n) * 512, bus = 0;
    if (path_ == SdPath::kPio) {
      INFERPI_TRY(read_blocks_pio(lba, n, out));
    } else if ((reinterpret_cast<uintptr_t>(out) & 63) == 0 && dma_address(out, bytes, &bus)) {
      // Straight into the destination: whole cache lines, reachable, one physical run.
      platform::dma_clean_invalidate(out, bytes);
      Status st = read_blocks_dma(lba, n, bus);
      platform::dma_invalidate(out, bytes);  // again: speculative fills during the transfer
      INFERPI_TRY(st);
    } else {
      if (bytes > kBounceBytes) {
        n = kBounceBytes / 512;
        bytes = kBounceBytes;
      }
      dma_address(bounce_.cpu, bytes, &bus);
      INFERPI_TRY(read_blocks_dma(lba, n, bus));
      memcpy(out, bounce_.cpu, bytes);
      bounced_++;
    }
    out += bytes;
    lba += n;
    count -= n;
  }
  return Status::ok();
}

}  // namespace inferpi::sd
