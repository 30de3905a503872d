// Mailbox exchange with timeout and late-reply handling. See mailbox_channel.h.
#include "drivers/mailbox/mailbox_channel.h"

namespace inferpi {

void MailboxChannel::init(const uint32_t* bus, int count, uint32_t channel) {
  count_ = count < kMaxBuffers ? count : kMaxBuffers;
  for (int i = 0; i < count_; ++i) bus_[i] = bus[i] & ~0xfu;
  current_ = 0;
  channel_ = channel & 0xf;
  late_replies_ = 0;
}

bool MailboxChannel::is_abandoned(uint32_t address) const {
  for (int i = 0; i < current_ && i < count_; ++i)
    if (bus_[i] == address) return true;
  return false;
}

Status MailboxChannel::exchange(MailboxPort& port) {
  if (current() < 0)
    return Status::error(
        "mailbox: every property buffer was abandoned after a timeout (the firmware stopped "
        "answering): reboot");
  const uint32_t ours = bus_[current_];
  // Drop whatever is queued (late replies to abandoned buffers, other channels).
  for (int i = 0; i < 64 && !port.read_empty(); ++i) {
    uint32_t v = port.read();
    if ((v & 0xf) == channel_ && is_abandoned(v & ~0xfu)) late_replies_++;
  }
  uint64_t t0 = port.now_us();
  while (port.write_full()) {
    if (port.now_us() - t0 > kWriteTimeoutUs)
      return Status::error("mailbox: write slot stays full for %u ms",
                           unsigned(kWriteTimeoutUs / 1000));
  }
  port.write(ours | channel_);
  t0 = port.now_us();
  for (;;) {
    while (port.read_empty()) {
      if (port.now_us() - t0 > kReplyTimeoutUs) {
        current_++;  // its answer may still land there: never reuse this buffer
        return Status::error("mailbox: no answer in %u ms (buffer 0x%08x abandoned; %d of %d left)",
                             unsigned(kReplyTimeoutUs / 1000), ours, count_ - current_, count_);
      }
    }
    uint32_t v = port.read();
    if ((v & 0xf) != channel_) continue;
    uint32_t address = v & ~0xfu;
    if (address == ours) return Status::ok();
    if (is_abandoned(address)) {
      late_replies_++;  // an earlier request's answer, after we gave up on it
      continue;
    }
    return Status::error("mailbox: answer for 0x%08x, sent 0x%08x", address, ours);
  }
}

}  // namespace inferpi
