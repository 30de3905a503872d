// Producer and event ring bookkeeping. See xhci_ring.h.
#include "drivers/usb/xhci_ring.h"

namespace inferpi::xhci {
namespace {

// Compiler and CPU ordering between the body of a TRB and its control word. DMA memory is
// coherent, so a store barrier is enough on the CPU side; the doorbell write that follows a
// TD is preceded by a full barrier in the controller.
inline void store_order() {
#if defined(__aarch64__)
  asm volatile("dmb oshst" ::: "memory");
#else
  __atomic_thread_fence(__ATOMIC_RELEASE);
#endif
}
inline void load_order() {
#if defined(__aarch64__)
  asm volatile("dmb oshld" ::: "memory");
#else
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
}

void write_trb(Trb* slot, const Trb& t) {
  volatile Trb* v = slot;
  v->parameter = t.parameter;
  v->status = t.status;
  store_order();
  v->control = t.control;
}

}  // namespace

void RingSegment::reset(Trb* trbs, uint64_t bus, uint32_t count) {
  trbs_ = trbs;
  bus_ = bus;
  count_ = count;
  next_ = 0;
  cycle_ = true;
  for (uint32_t i = 0; i < count; i++) trbs[i] = Trb{0, 0, 0};
}

void ProducerRing::init(Trb* trbs, uint64_t bus, uint32_t count) {
  reset(trbs, bus, count);
  // The link TRB starts with cycle 0 (not yet owned by the controller).
  write_link(false, false);
}

void ProducerRing::write_link(bool chain, bool cycle) {
  Trb link{bus_, 0,
           trb::type_bits(trb::kLink) | trb::kToggleCycle | (chain ? trb::kChain : 0) |
               (cycle ? trb::kCycle : 0)};
  write_trb(&trbs_[count_ - 1], link);
}

bool ProducerRing::enqueue_td(const Trb* td, uint32_t n, uint64_t* trb_bus) {
  if (n == 0 || n > kMaxTd || n + 1 >= count_ - 1) return false;
  uint32_t first = next_;
  bool first_cycle = cycle_;
  for (uint32_t i = 0; i < n; i++) {
    Trb t = td[i];
    t.control &= ~trb::kCycle;
    // The first TRB is handed over last: write it with the wrong cycle for now.
    bool owner = (i == 0) ? !cycle_ : cycle_;
    if (owner) t.control |= trb::kCycle;
    if (trb_bus) trb_bus[i] = next_bus();
    write_trb(&trbs_[next_], t);
    next_++;
    if (next_ == count_ - 1) {
      // Reached the link: hand it over with the chain bit of the TD it sits inside.
      bool inside_td = (t.control & trb::kChain) != 0;
      write_link(inside_td, cycle_);
      next_ = 0;
      cycle_ = !cycle_;
    }
  }
  store_order();
  volatile Trb* head = &trbs_[first];
  uint32_t control = head->control;
  head->control = first_cycle ? (control | trb::kCycle) : (control & ~trb::kCycle);
  store_order();
  return true;
}

bool EventRing::peek(Trb* out) const {
  const volatile Trb* v = &trbs_[next_];
  uint32_t control = v->control;
  if (((control & trb::kCycle) != 0) != cycle_) return false;
  load_order();  // read the rest only after seeing the cycle bit (pi4-hardware.md §3.3)
  out->parameter = v->parameter;
  out->status = v->status;
  out->control = control;
  return true;
}

void EventRing::advance() {
  if (++next_ == count_) {
    next_ = 0;
    cycle_ = !cycle_;
  }
}

}  // namespace inferpi::xhci
