#include "drivers/mailbox/mailbox.h"

#include "runtime/core/platform.h"

namespace inferpi {

namespace {
constexpr uint32_t MBOX0_READ = 0x00, MBOX0_STATUS = 0x18, MBOX1_WRITE = 0x20, MBOX1_STATUS = 0x38;
constexpr uint32_t STATUS_EMPTY = 1u << 30, STATUS_FULL = 1u << 31;
constexpr uint32_t kChannelProperty = 8;
constexpr uint32_t kResponseOk = 0x80000000, kTagResponse = 0x80000000;
constexpr size_t kBufferBytes = Mailbox::kBufferBytes;
constexpr uint32_t kVpuUncachedAlias = 0xc0000000;
}  // namespace

// The registers behind MailboxChannel. Barriers: the request in the (non-cacheable) buffer
// is complete before the doorbell write, and the answer is read only after the reply word.
class Mailbox::Port final : public MailboxPort {
 public:
  explicit Port(const mmio::RegisterBlock& regs) : regs_(regs) {}
  bool write_full() override { return regs_.read32(MBOX1_STATUS) & STATUS_FULL; }
  void write(uint32_t v) override {
    mmio::barrier_full();
    regs_.write32(MBOX1_WRITE, v);
  }
  bool read_empty() override { return regs_.read32(MBOX0_STATUS) & STATUS_EMPTY; }
  uint32_t read() override {
    uint32_t v = regs_.read32(MBOX0_READ);
    mmio::barrier_full();
    return v;
  }
  uint64_t now_us() override { return platform::now_us(); }

 private:
  const mmio::RegisterBlock& regs_;
};

Status Mailbox::init() {
  uint32_t bus[MailboxChannel::kMaxBuffers];
  for (int i = 0; i < MailboxChannel::kMaxBuffers; ++i) {
    if (!platform::dma_alloc_coherent(kBufferBytes, 16, &buffers_[i]))
      return Status::error("mailbox: no DMA memory for the property buffers");
    if (reinterpret_cast<uintptr_t>(buffers_[i].cpu) >= 0x40000000)
      return Status::error("mailbox: property buffer at %p is above 1 GB (the VPU cannot see it)",
                           buffers_[i].cpu);
    // The VPU sees ARM physical memory at its uncached alias (not the PCIe bus window).
    bus[i] = uint32_t(reinterpret_cast<uintptr_t>(buffers_[i].cpu)) | kVpuUncachedAlias;
  }
  channel_.init(bus, MailboxChannel::kMaxBuffers, kChannelProperty);
  return Status::ok();
}

Status Mailbox::init_early(void* buffer) {
  const auto at = reinterpret_cast<uintptr_t>(buffer);
  if ((at & 15) || at + kBufferBytes > 0x40000000)
    return Status::error("mailbox: early buffer at %p not 16-byte aligned below 1 GB", buffer);
  // One buffer is enough before the MMU: the kernel re-initialises with init() afterwards.
  buffers_[0] = platform::DmaRegion{buffer, at, kBufferBytes};
  uint32_t bus = uint32_t(at) | kVpuUncachedAlias;
  channel_.init(&bus, 1, kChannelProperty);
  return Status::ok();
}

void Mailbox::drop_tags_for_test(const uint32_t* tags, size_t count) {
  dropped_count_ = count < kMaxDropped ? count : kMaxDropped;
  for (size_t i = 0; i < dropped_count_; ++i) dropped_[i] = tags[i];
}

Status Mailbox::property(uint32_t tag, const uint32_t* in, size_t in_words, uint32_t* out,
                         size_t out_words, size_t value_words) {
  if (!buffers_[0].cpu) return Status::error("mailbox: not initialised");
  for (size_t i = 0; i < dropped_count_; ++i)
    if (dropped_[i] == tag)
      return Status::error("mailbox: tag 0x%08x not answered by the firmware (mbox_drop=)", tag);
  if (in_words > value_words || out_words > value_words || 6 + value_words > kBufferBytes / 4)
    return Status::error("mailbox: tag 0x%08x request does not fit", tag);
  LockGuard guard(lock_);
  int slot = channel_.current();
  if (slot < 0)
    return Status::error(
        "mailbox: tag 0x%08x: every property buffer was abandoned after a "
        "timeout (the firmware stopped answering): reboot",
        tag);
  auto* b = static_cast<volatile uint32_t*>(buffers_[slot].cpu);  // non-cacheable memory
  size_t words = 6 + value_words;
  b[0] = uint32_t(words * 4);
  b[1] = 0;  // request
  b[2] = tag;
  b[3] = uint32_t(value_words * 4);
  b[4] = uint32_t(in_words * 4);
  for (size_t i = 0; i < value_words; ++i) b[5 + i] = i < in_words ? in[i] : 0;
  b[5 + value_words] = 0;  // end tag
  Port port(regs_);
  Status st = channel_.exchange(port);
  if (!st) return Status::error("tag 0x%08x: %s", tag, st.message());
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
  return property(firmware_tag::kBoardRevision, nullptr, 0, rev, 1, 1);
}
Status Mailbox::board_serial(uint64_t* serial) {
  uint32_t out[2] = {};
  INFERPI_TRY(property(firmware_tag::kBoardSerial, nullptr, 0, out, 2, 2));
  *serial = out[0] | (uint64_t(out[1]) << 32);
  return Status::ok();
}
Status Mailbox::board_model(uint32_t* model) {
  return property(firmware_tag::kBoardModel, nullptr, 0, model, 1, 1);
}
Status Mailbox::firmware_revision(uint32_t* rev) {
  return property(firmware_tag::kFirmwareRevision, nullptr, 0, rev, 1, 1);
}
Status Mailbox::arm_memory(uint32_t* base, uint32_t* size) {
  uint32_t out[2] = {};
  INFERPI_TRY(property(firmware_tag::kArmMemory, nullptr, 0, out, 2, 2));
  *base = out[0], *size = out[1];
  return Status::ok();
}
Status Mailbox::vc_memory(uint32_t* base, uint32_t* size) {
  uint32_t out[2] = {};
  INFERPI_TRY(property(firmware_tag::kVcMemory, nullptr, 0, out, 2, 2));
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
  return clock_query(*this, firmware_tag::kGetClockRate, id, hz);
}
Status Mailbox::max_clock_rate(Clock id, uint32_t* hz) {
  return clock_query(*this, firmware_tag::kGetMaxClockRate, id, hz);
}
Status Mailbox::measured_clock_rate(Clock id, uint32_t* hz) {
  return clock_query(*this, firmware_tag::kGetClockRateMeasured, id, hz);
}
Status Mailbox::set_clock_rate(Clock id, uint32_t hz, uint32_t* answered_hz) {
  uint32_t in[3] = {uint32_t(id), hz, 0 /* skip_setting_turbo = 0 */}, out[2] = {};
  INFERPI_TRY(property(firmware_tag::kSetClockRate, in, 3, out, 2, 3));
  *answered_hz = out[1];
  return Status::ok();
}
Status Mailbox::temperature(uint32_t* millideg) {
  uint32_t in = 0, out[2] = {};
  INFERPI_TRY(property(firmware_tag::kGetTemperature, &in, 1, out, 2, 2));
  *millideg = out[1];
  return Status::ok();
}
Status Mailbox::max_temperature(uint32_t* millideg) {
  uint32_t in = 0, out[2] = {};
  INFERPI_TRY(property(firmware_tag::kGetMaxTemperature, &in, 1, out, 2, 2));
  *millideg = out[1];
  return Status::ok();
}
Status Mailbox::throttled(uint32_t* flags) {
  uint32_t in = 0;
  return property(firmware_tag::kGetThrottled, &in, 1, flags, 1, 1);
}

}  // namespace inferpi
