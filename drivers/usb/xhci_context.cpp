// Context field packing. See xhci_context.h (xHCI §6.2.2 slot, §6.2.3 endpoint).
#include "drivers/usb/xhci_context.h"

namespace inferpi::xhci {

void write_slot_context(uint32_t* s, const SlotFields& f) {
  s[0] = (f.route & 0xFFFFF) | (uint32_t(f.speed) << 20) | (f.multi_tt ? 1u << 25 : 0) |
         (f.is_hub ? 1u << 26 : 0) | ((f.context_entries & 31) << 27);
  s[1] = ((f.root_port & 0xFF) << 16) | ((f.hub_ports & 0xFF) << 24);
  s[2] = (f.tt_hub_slot & 0xFF) | ((f.tt_port & 0xFF) << 8) | ((f.tt_think_time & 3) << 16);
  s[3] = 0;
  for (int i = 4; i < 8; i++) s[i] = 0;
}

void write_endpoint_context(uint32_t* e, const EndpointFields& f) {
  e[0] = (f.interval & 0xFF) << 16;
  e[1] = ((f.error_count & 3) << 1) | (uint32_t(f.type) << 3) | ((f.max_burst & 0xFF) << 8) |
         ((f.max_packet & 0xFFFF) << 16);
  uint64_t dq = (f.dequeue & ~0xFull) | (f.dequeue_cycle ? 1 : 0);
  e[2] = uint32_t(dq);
  e[3] = uint32_t(dq >> 32);
  e[4] = (f.average_trb_length & 0xFFFF) | ((f.max_esit_payload & 0xFFFF) << 16);
  for (int i = 5; i < 8; i++) e[i] = 0;
}

}  // namespace inferpi::xhci
