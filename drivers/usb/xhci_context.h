// Device, input, slot and endpoint contexts (xHCI §6.2). Contexts are 32 or 64 bytes
// (HCCPARAMS1.CSZ); only the first 32 bytes carry fields. Pure field packing over memory the
// caller provides (host-tested).
//
// Input context:  [Input Control][Slot][EP DCI 1]...[EP DCI 31]  (33 contexts)
// Output context: [Slot][EP DCI 1]...[EP DCI 31]                 (32 contexts)
#pragma once
#include <cstdint>

#include "drivers/usb/xhci_regs.h"

namespace inferpi::xhci {

// Endpoint types in the endpoint context (xHCI Table 6-9).
enum class EpType : uint32_t {
  IsochOut = 1,
  BulkOut = 2,
  InterruptOut = 3,
  Control = 4,
  IsochIn = 5,
  BulkIn = 6,
  InterruptIn = 7
};

// Device Context Index: EP0 = 1, endpoint n OUT = 2n, IN = 2n + 1.
constexpr uint32_t dci_of(uint8_t endpoint_address) {
  uint32_t n = endpoint_address & 0xF;
  return n == 0 ? 1 : n * 2 + ((endpoint_address & 0x80) ? 1 : 0);
}

struct SlotFields {
  uint32_t route = 0;  // route string: hub port per tier, 4 bits each
  Speed speed = Speed::None;
  uint32_t context_entries = 1;
  uint32_t root_port = 0;
  bool is_hub = false;
  bool multi_tt = false;
  uint32_t hub_ports = 0;
  uint32_t tt_hub_slot = 0;  // FS/LS device behind a high-speed hub
  uint32_t tt_port = 0;
  uint32_t tt_think_time = 0;
};

struct EndpointFields {
  EpType type = EpType::Control;
  uint32_t max_packet = 8;
  uint32_t max_burst = 0;
  uint32_t interval = 0;
  uint32_t error_count = 3;
  uint32_t average_trb_length = 8;
  uint32_t max_esit_payload = 0;
  uint64_t dequeue = 0;  // ring bus address
  bool dequeue_cycle = true;
};

class ContextLayout {
 public:
  explicit ContextLayout(uint32_t context_bytes = 32) : size_(context_bytes) {}
  uint32_t context_bytes() const { return size_; }
  uint32_t input_bytes() const { return size_ * 33; }
  uint32_t output_bytes() const { return size_ * 32; }

  uint32_t* input_control(void* input) const { return at(input, 0); }
  uint32_t* input_slot(void* input) const { return at(input, 1); }
  uint32_t* input_endpoint(void* input, uint32_t dci) const { return at(input, 1 + dci); }
  uint32_t* output_slot(void* output) const { return at(output, 0); }
  uint32_t* output_endpoint(void* output, uint32_t dci) const { return at(output, dci); }

 private:
  uint32_t* at(void* base, uint32_t index) const {
    return reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(base) + index * size_);
  }
  uint32_t size_;
};

void write_slot_context(uint32_t* slot, const SlotFields& f);
void write_endpoint_context(uint32_t* ep, const EndpointFields& f);
// Slot state from an output slot context (0 disabled/enabled, 1 default, 2 addressed,
// 3 configured) and the USB address the controller assigned.
constexpr uint32_t slot_state(const uint32_t* slot) { return slot[3] >> 27; }
constexpr uint32_t slot_address(const uint32_t* slot) { return slot[3] & 0xFF; }
// Endpoint state (0 disabled, 1 running, 2 halted, 3 stopped, 4 error).
constexpr uint32_t endpoint_state(const uint32_t* ep) { return ep[0] & 7; }

}  // namespace inferpi::xhci
