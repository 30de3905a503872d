#include "drivers/mailbox/mailbox.h"

#include "runtime/core/platform.h"

namespace inferpi {

namespace {
constexpr uint32_t MBOX0_READ = 0x00, MBOX0_STATUS = 0x18, MBOX1_WRITE = 0x20, MBOX1_STATUS = 0x38;
constexpr uint32_t STATUS_EMPTY = 1u << 30, STATUS_FULL = 1u << 31;
constexpr uint32_t kChannelProperty = 8;
constexpr uint32_t kResponseOk = 0x80000000, kTagResponse = 0x80000000;
constexpr uint64_t kTimeoutUs = 100000;  // the firmware answers in well under 1 ms
constexpr size_t kBufferBytes = Mailbox::kBufferBytes;
constexpr uint32_t kVpuUncachedAlias = 0xc0000000;
}  // namespace

Status Mailbox::init() {
  if (!platform::dma_alloc_coherent(kBufferBytes, 16, &buffer_))
    return Status::error("mailbox: no DMA memory for the property buffer");
  if (reinterpret_cast<uintptr_t>(buffer_.cpu) >= 0x40000000)
    return Status::error("mailbox: property buffer at %p is above 1 GB (the VPU cannot see it)",
                         buffer_.cpu);
  return Status::ok();
}

Status Mailbox::init_early(void* buffer) {
  const auto at = reinterpret_cast<uintptr_t>(buffer);
  if ((at & 15) || at + kBufferBytes > 0x40000000)
    return Status::error("mailbox: early buffer at %p not 16-byte aligned below 1 GB", buffer);
  buffer_ = platform::DmaRegion{buffer, at, kBufferBytes};
  return Status::ok();
}

void Mailbox::drop_tags_for_test(const uint32_t* tags, size_t count) {
  dropped_count_ = count < kMaxDropped ? count : kMaxDropped;
  for (size_t i = 0; i < dropped_count_; ++i) dropped_[i] = tags[i];
}

Status Mailbox::exchange(uint32_t bus_address) {
  // Drop stale replies, wait for room, send, then wait for our channel's answer.
  for (int i = 0; i < 64 && !(regs_.read32(MBOX0_STATUS) & STATUS_EMPTY); ++i)
    regs_.read32(MBOX0_READ);
  uint64_t t0 = platform::now_us();
  while (regs_.read32(MBOX1_STATUS) & STATUS_FULL) {
    if (platform::now_us() - t0 > kTimeoutUs)
      return Status::error("mailbox: write slot stays full");
  }
  mmio::barrier_full();
  regs_.write32(MBOX1_WRITE, bus_address | kChannelProperty);
  for (;;) {
    t0 = platform::now_us();
    while (regs_.read32(MBOX0_STATUS) & STATUS_EMPTY) {
      if (platform::now_us() - t0 > kTimeoutUs)
        return Status::error("mailbox: no answer in 100 ms");
    }
    uint32_t v = regs_.read32(MBOX0_READ);
    if ((v & 0xf) != kChannelProperty) continue;
    if ((v & ~0xfu) != bus_address)
      return Status::error("mailbox: answer for 0x%08x, sent 0x%08x", v & ~0xfu, bus_address);
    mmio::barrier_full();
    return Status::ok();
  }
}

Status Mailbox::property(uint32_t tag, const uint32_t* in, size_t in_words, uint32_t* out,
                         size_t out_words, size_t value_words) {
  if (!buffer_.cpu) return Status::error("mailbox: not initialised");
  for (size_t i = 0; i < dropped_count_; ++i)
    if (dropped_[i] == tag)
      return Status::error("mailbox: tag 0x%08x not answered by the firmware (mbox_drop=)", tag);
  if (in_words > value_words || out_words > value_words || 6 + value_words > kBufferBytes / 4)
    return Status::error("mailbox: tag 0x%08x request does not fit", tag);
  LockGuard guard(lock_);
  auto* b = static_cast<volatile uint32_t*>(buffer_.cpu);  // non-cacheable memory
  size_t words = 6 + value_words;
  b[0] = uint32_t(words * 4);
  b[1] = 0;  // request
  b[2] = tag;
  b[3] = uint32_t(value_words * 4);
  b[4] = uint32_t(in_words * 4);
  for (size_t i = 0; i < value_words; ++i) b[5 + i] = i < in_words ? in[i] : 0;
  b[5 + value_words] = 0;  // end tag
  // The VPU sees ARM physical memory at its uncached alias (not the PCIe bus window).
  INFERPI_TRY(exchange(uint32_t(reinterpret_cast<uintptr_t>(buffer_.cpu)) | kVpuUncachedAlias));
  if (b[1] != kResponseOk)
    return Status::error("mailbox: tag 0x%08x: buffer response 0x%08x (want 0x80000000)", tag,
                         uint32_t(b[1]));
  uint32_t code = b[4];
  if (!(code & kTagResponse))
    return Status::error("mailbox: tag 0x%08x not answered by the firmware", tag);
  uint32_t len = code & ~kTagResponse;
  if (len < out_words * 4)
    return Status::error("mailbox: tag 0x%08x answered %u bytes, expected %zu", tag, len,
                         out_words * 4);
  for (size_t i = 0; i < out_words; ++i) out[i] = b[5 + i];
  return Status::ok();
}

Status Mailbox::board_revision(uint32_t* rev) {
  return property(mbox_tag::kBoardRevision, nullptr, 0, rev, 1, 1);
}
Status Mailbox::board_model(uint32_t* model) {
  return property(mbox_tag::kBoardModel, nullptr, 0, model, 1, 1);
}
Status Mailbox::firmware_revision(uint32_t* rev) {
  return property(mbox_tag::kFirmwareRevision, nullptr, 0, rev, 1, 1);
}
Status Mailbox::arm_memory(uint32_t* base, uint32_t* size) {
  uint32_t out[2] = {};
  INFERPI_TRY(property(mbox_tag::kArmMemory, nullptr, 0, out, 2, 2));
  *base = out[0], *size = out[1];
  return Status::ok();
}
Status Mailbox::vc_memory(uint32_t* base, uint32_t* size) {
  uint32_t out[2] = {};
  INFERPI_TRY(property(mbox_tag::kVcMemory, nullptr, 0, out, 2, 2));
  *base = out[0], *size = out[1];
  return Status::ok();
}

static Status clock_query(Mailbox& m, uint32_t tag, Clock id, uint32_t* hz) {
  uint32_t in = uint32_t(id), out[2] = {};
  INFERPI_TRY(m.property(tag, &in, 1, out, 2, 2));
  if (out[0] != uint32_t(id))
    return Status::error("mailbox: clock tag 0x%08x answered for clock %u, asked %u", tag, out[0],
                         uint32_t(id));
  *hz = out[1];
  return Status::ok();
}
Status Mailbox::clock_rate(Clock id, uint32_t* hz) {
  return clock_query(*this, mbox_tag::kClockRate, id, hz);
}
Status Mailbox::max_clock_rate(Clock id, uint32_t* hz) {
  return clock_query(*this, mbox_tag::kMaxClockRate, id, hz);
}
Status Mailbox::measured_clock_rate(Clock id, uint32_t* hz) {
  return clock_query(*this, mbox_tag::kClockRateMeasured, id, hz);
}
Status Mailbox::set_clock_rate(Clock id, uint32_t hz, uint32_t* answered_hz) {
  uint32_t in[3] = {uint32_t(id), hz, 0 /* skip_setting_turbo = 0 */}, out[2] = {};
  INFERPI_TRY(property(mbox_tag::kSetClockRate, in, 3, out, 2, 3));
  *answered_hz = out[1];
  return Status::ok();
}
Status Mailbox::temperature(uint32_t* millideg) {
  uint32_t in = 0, out[2] = {};
  INFERPI_TRY(property(mbox_tag::kTemperature, &in, 1, out, 2, 2));
  *millideg = out[1];
  return Status::ok();
}
Status Mailbox::max_temperature(uint32_t* millideg) {
  uint32_t in = 0, out[2] = {};
  INFERPI_TRY(property(mbox_tag::kMaxTemperature, &in, 1, out, 2, 2));
  *millideg = out[1];
  return Status::ok();
}
Status Mailbox::throttled(uint32_t* flags) {
  uint32_t in = 0;
  return property(mbox_tag::kThrottled, &in, 1, flags, 1, 1);
}

}  // namespace inferpi
