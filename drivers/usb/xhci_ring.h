// Ring bookkeeping (xHCI §4.9). Pure logic over memory the caller provides: no register
// access, so it is unit-tested on the host. DMA memory for rings is coherent
// (non-cacheable on the Pi 4), so ordering is all that matters: a TRB's parameter and
// status are written before its control word, and the control word of the first TRB of a
// TD is written last, so the controller never sees half a TD.
//
// ProducerRing: command and transfer rings. One segment of `count` TRBs whose last entry is
// a Link TRB back to the start (Toggle Cycle set). The segment is followed in memory by a
// zeroed guard page (VL805 over-fetches past the end, pi4-hardware.md §8.3).
//
// EventRing: the consumer side of the single-segment event ring.
#pragma once
#include <cstdint>

#include "drivers/usb/xhci_trb.h"

namespace inferpi::xhci {

// What both sides of a single-segment ring keep (xHCI §4.9.2): the segment of `count` TRBs
// at bus address `bus`, the index of the next TRB to write or read, and the cycle state
// that says which TRBs the current lap owns.
class RingSegment {
 public:
  uint64_t bus() const { return bus_; }
  uint32_t count() const { return count_; }
  const Trb* trbs() const { return trbs_; }
  // True if `bus_addr` points at a TRB of this ring.
  bool contains(uint64_t bus_addr) const {
    return bus_addr >= bus_ && bus_addr < bus_ + uint64_t(count_) * sizeof(Trb) &&
           (bus_addr - bus_) % sizeof(Trb) == 0;
  }

 protected:
  // Zeroes the `count` TRBs at `trbs` (bus address `bus`) and starts at index 0, cycle 1.
  void reset(Trb* trbs, uint64_t bus, uint32_t count);
  uint64_t next_bus() const { return bus_ + uint64_t(next_) * sizeof(Trb); }

  Trb* trbs_ = nullptr;
  uint64_t bus_ = 0;
  uint32_t count_ = 0;
  uint32_t next_ = 0;  // enqueue pointer (producer) or dequeue pointer (consumer)
  bool cycle_ = true;  // producer cycle state (PCS) or consumer cycle state (CCS)
};

class ProducerRing : public RingSegment {
 public:
  // TRBs in one TD: an 8 MiB READ is 128..129 pieces of <= 64 KiB (+ a link when it wraps).
  static constexpr uint32_t kMaxTd = 136;

  // `trbs`: `count` (>= 4) TRBs at bus address `bus`.
  void init(Trb* trbs, uint64_t bus, uint32_t count);

  // Queues one TD made of `n` TRBs (parameter, status, control without the cycle bit).
  // The chain bit must already be set on all but the last TRB. Returns false if the TD is
  // larger than the ring can hold. `trb_bus` (if not null) receives the bus address of each
  // TRB written, in order, so that events can be matched to positions in the TD.
  bool enqueue_td(const Trb* td, uint32_t n, uint64_t* trb_bus);

  uint64_t enqueue_bus() const { return next_bus(); }
  bool cycle() const { return cycle_; }

 private:
  void write_link(bool chain, bool cycle);
};

class EventRing : public RingSegment {
 public:
  void init(Trb* trbs, uint64_t bus, uint32_t count) { reset(trbs, bus, count); }
  // Copies the next event into *out if the controller has written one (cycle bit == CCS).
  bool peek(Trb* out) const;
  void advance();
  uint64_t dequeue_bus() const { return next_bus(); }
};

}  // namespace inferpi::xhci
