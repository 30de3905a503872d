// MailboxChannel: one request/answer exchange on a VideoCore mailbox channel, with the
// timeout and late-reply rules, separate from the registers so the host tests drive it with
// a fake VideoCore and a fake clock (tests/mailbox).
//
// Why 3 s: Linux drivers/firmware/raspberrypi.c waits 1 s (HZ) for a property answer and a
// recent change raised it to 3 s because some tags take longer; U-Boot waits 1 s, Circle
// lib/bcmmailbox.cpp forever. The VL805 firmware load (NOTIFY_XHCI_RESET) is the slowest
// call we make. (Review item 2; our old 100 ms turned a slow answer into a dead USB.)
//
// A timed-out request is not cancelled: the VideoCore may still write its answer into that
// buffer later and post the buffer's address. So the buffer is abandoned - never used for a
// request again - and a posted address of an abandoned buffer is skipped as a late reply.
// With every buffer abandoned the channel refuses further requests (reboot).
#pragma once
#include <cstdint>

#include "runtime/core/status.h"

namespace inferpi {

// The two mailbox registers and a clock.
class MailboxPort {
 public:
  virtual ~MailboxPort() = default;
  virtual bool write_full() = 0;       // MBOX1_STATUS.FULL
  virtual void write(uint32_t v) = 0;  // MBOX1_WRITE
  virtual bool read_empty() = 0;       // MBOX0_STATUS.EMPTY
  virtual uint32_t read() = 0;         // MBOX0_READ
  virtual uint64_t now_us() = 0;
};

class MailboxChannel {
 public:
  static constexpr int kMaxBuffers = 4;
  static constexpr uint64_t kReplyTimeoutUs = 3'000'000;
  static constexpr uint64_t kWriteTimeoutUs = 1'000'000;

  // `bus` = the buffers' addresses as the VideoCore sees them (16-byte aligned).
  void init(const uint32_t* bus, int count, uint32_t channel);
  // The buffer the next request must be written to; -1 when every buffer was abandoned.
  int current() const { return current_ < count_ ? current_ : -1; }
  int abandoned() const { return current_; }
  uint64_t late_replies() const { return late_replies_; }

  // Posts buffer current() and waits for its answer.
  Status exchange(MailboxPort& port);

 private:
  bool is_abandoned(uint32_t address) const;
  uint32_t bus_[kMaxBuffers] = {};
  int count_ = 0;
  int current_ = 0;  // buffers [0, current_) were abandoned after a timeout
  uint32_t channel_ = 0;
  uint64_t late_replies_ = 0;
};

}  // namespace inferpi
