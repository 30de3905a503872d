// One system DMA channel reading an SD host's data port. See system_dma.h.
#include "drivers/sdhci/system_dma.h"

#include <cstring>

namespace inferpi::sd {
namespace {

namespace reg {  // per channel, at base + 0x100 * channel
constexpr uint32_t kControlStatus = 0x00;
constexpr uint32_t kControlBlockAddress = 0x04;
constexpr uint32_t kDebug = 0x20;
}  // namespace reg
constexpr uint32_t kGlobalEnable = 0xFF0;  // bit n enables channel n

constexpr uint32_t kCsActive = 1u << 0, kCsEnd = 1u << 1, kCsInterrupt = 1u << 2,
                   kCsError = 1u << 8, kCsWaitOutstandingWrites = 1u << 28, kCsReset = 1u << 31;
constexpr uint32_t kCsPriority = 8u << 16, kCsPanicPriority = 15u << 20;  // Circle's defaults
constexpr uint32_t kDebugErrors = 0x7;  // read error, FIFO error, read-last-not-set error

constexpr uint32_t kTiWaitResponse = 1u << 3, kTiDestIncrement = 1u << 4, kTiSourceDreq = 1u << 10;
constexpr uint32_t kTiPermapShift = 16;

constexpr uint32_t kResetTimeoutUs = 10'000;

// The 32-byte control block the channel loads from memory (BCM2835 ARM Peripherals §4.2.1.1).
struct ControlBlock {
  uint32_t transfer_info;
  uint32_t source;
  uint32_t dest;
  uint32_t length;
  uint32_t stride;
  uint32_t next;
  uint32_t reserved[2];
};
static_assert(sizeof(ControlBlock) == 32);

}  // namespace

Status SystemDma::init(const SystemDmaConfig& config) {
  ready_ = false;
  config_ = config;
  if (!config.base) return Status::error("dma: no system DMA controller");
  int ch = -1;
  for (int c = 6; c >= 0; c--)
    if (config.channel_mask & (1u << c)) {
      ch = c;
      break;
    }
  if (ch < 0)
    return Status::error("dma: no full channel free (channel mask 0x%x)", config.channel_mask);
  channel_ = uint32_t(ch);
  if (!block_.cpu && !platform::dma_alloc_coherent(sizeof(ControlBlock), 32, &block_))
    return Status::error("dma: no DMA memory for a control block");
  regs_ = mmio::RegisterBlock(config.base + 0x100 * channel_);
  mmio::RegisterBlock(config.base).set_bits32(kGlobalEnable, 1u << channel_);
  reset_channel();
  ready_ = true;
  return Status::ok();
}

void SystemDma::reset_channel() {
  regs_.write32(reg::kControlStatus, kCsReset);
  uint64_t start = platform::now_us();
  while ((regs_.read32(reg::kControlStatus) & kCsReset) &&
         platform::now_us() - start < kResetTimeoutUs) {
  }
  regs_.write32(reg::kDebug, kDebugErrors);  // write 1 to clear
}

Status SystemDma::start_io_read(uint32_t port, uint32_t dreq, uint64_t dest, uint32_t bytes) {
  if (!ready_) return Status::error("dma: not initialised");
  if (bytes == 0 || bytes > kMaxBytes || dest + bytes > (uint64_t(1) << 32))
    return Status::error("dma: cannot move %u bytes to bus 0x%llx", bytes,
                         (unsigned long long)dest);
  // The control block is in Normal non-cacheable memory; a DSB makes those stores visible
  // before the Device write that starts the channel (Armv8 ARM B2.3: Normal and Device
  // accesses are not ordered with each other without a barrier).
  ControlBlock cb{};
  cb.transfer_info = (dreq << kTiPermapShift) | kTiSourceDreq | kTiDestIncrement | kTiWaitResponse;
  cb.source = port;
  cb.dest = uint32_t(dest);
  cb.length = bytes;
  memcpy(block_.cpu, &cb, sizeof cb);
  mmio::barrier_full();
  regs_.write32(reg::kControlStatus, kCsEnd | kCsInterrupt);  // clear old completion flags
  regs_.write32(reg::kControlBlockAddress, uint32_t(block_.bus));
  regs_.write32(reg::kControlStatus,
                kCsWaitOutstandingWrites | kCsPanicPriority | kCsPriority | kCsActive);
  return Status::ok();
}

Status SystemDma::wait(uint32_t timeout_us, const char* step) {
  uint64_t start = platform::now_us();
  for (;;) {
    uint32_t cs = regs_.read32(reg::kControlStatus);
    if (cs & kCsError) {
      uint32_t debug = regs_.read32(reg::kDebug);
      reset_channel();
      return Status::error("dma channel %u: %s: error (CS 0x%08x, DEBUG 0x%08x)", channel_, step,
                           cs, debug);
    }
    if (!(cs & kCsActive)) {
      regs_.write32(reg::kControlStatus, kCsEnd | kCsInterrupt);
      return Status::ok();
    }
    if (platform::now_us() - start > timeout_us) {
      reset_channel();
      return Status::error("dma channel %u: %s: timed out after %u ms (CS 0x%08x)", channel_, step,
                           timeout_us / 1000, cs);
    }
  }
}

}  // namespace inferpi::sd
