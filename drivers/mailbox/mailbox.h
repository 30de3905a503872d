// The Pi 4 mailbox property channel (ARM -> VideoCore, channel 8) at 0xFE00_B880
// (pi4-hardware.md §5). One request in flight at a time (a lock), a 16-byte aligned
// buffer in non-cacheable DMA memory inside the first GB, passed as its VPU bus address
// (physical | 0xC000_0000). Every wait has a timeout (3 s, mailbox_channel.h); every answer
// is checked: the buffer's response code AND each tag's response bit and length.
#pragma once
#include <cstddef>
#include <cstdint>

#include "drivers/firmware_properties.h"
#include "drivers/mailbox/mailbox_channel.h"
#include "drivers/mmio.h"
#include "runtime/core/platform.h"
#include "runtime/core/status.h"
#include "runtime/kernel/spinlock.h"

namespace inferpi {

// Clock ids (pi4-hardware.md §5.3).
enum class Clock : uint32_t { kEmmc = 1, kUart = 2, kArm = 3, kCore = 4, kEmmc2 = 12 };

class Mailbox {
 public:
  static constexpr uintptr_t kBase = 0xfe00b880;

  static constexpr size_t kBufferBytes = 256;

  explicit Mailbox(uintptr_t base = kBase) : regs_(base) {}
  // Allocates the property buffer from coherent DMA memory.
  Status init();
  // Before the MMU (no DMA allocator yet; caches off, so any RAM is coherent with the VPU):
  // the caller's buffer, kBufferBytes long, 16-byte aligned, below 1 GB.
  Status init_early(void* buffer);
  // Testing only (boot argument mbox_drop=TAG,...): these tags get the reply of a firmware
  // that does not know them, to show that no caller depends on one answer.
  static constexpr size_t kMaxDropped = 8;
  void drop_tags_for_test(const uint32_t* tags, size_t count);

  // One tag: sends `in` (in_words), expects at least `out_words` words back into `out`.
  // value_words = the tag's value buffer size (max of request and response).
  Status property(uint32_t tag, const uint32_t* in, size_t in_words, uint32_t* out,
                  size_t out_words, size_t value_words);

  Status board_revision(uint32_t* rev);
  Status board_serial(uint64_t* serial);
  Status board_model(uint32_t* model);
  Status firmware_revision(uint32_t* rev);
  Status arm_memory(uint32_t* base, uint32_t* size);
  Status vc_memory(uint32_t* base, uint32_t* size);
  Status clock_rate(Clock id, uint32_t* hz);
  Status max_clock_rate(Clock id, uint32_t* hz);
  Status measured_clock_rate(Clock id, uint32_t* hz);
  // Returns what the firmware answered (the request, not necessarily the result:
  // firmware #1521 - check with measured_clock_rate()).
  Status set_clock_rate(Clock id, uint32_t hz, uint32_t* answered_hz);
  Status temperature(uint32_t* millideg);
  Status max_temperature(uint32_t* millideg);
  Status throttled(uint32_t* flags);
  // Answers that arrived for a request we had given up on (timeout), for `diag`.
  uint64_t late_replies() const { return channel_.late_replies(); }

 private:
  class Port;
  mmio::RegisterBlock regs_;
  platform::DmaRegion buffers_[MailboxChannel::kMaxBuffers]{};
  MailboxChannel channel_;
  uint32_t dropped_[kMaxDropped] = {};
  size_t dropped_count_ = 0;
  SpinLock lock_;
};

}  // namespace inferpi
