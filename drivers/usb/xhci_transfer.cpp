// Control and bulk transfers and endpoint recovery (xHCI §4.11, §4.6.8, §4.6.10).
#include <cstring>

#include "drivers/usb/xhci_controller.h"

namespace inferpi::xhci {

Status XhciController::control(uint8_t slot_id, uint8_t request_type, uint8_t request,
                               uint16_t value, uint16_t index, void* data, uint16_t length,
                               uint32_t* actual) {
  INFERPI_TRY(usable());
  if (length > kControlBounce)
    return Status::error("usb: control transfer of %u bytes too large", length);
  bool in = (request_type & 0x80) != 0;
  if (!in && length) memcpy(control_bounce_.cpu, data, length);
  if (in && length) memset(control_bounce_.cpu, 0, length);

  PendingTd td;
  td.slot = slot_id;
  td.dci = 1;
  td.control = true;
  Trb trbs[3];
  uint32_t n = 0;
  uint32_t trt = length == 0 ? trb::kSetupTrtNone : (in ? trb::kSetupTrtIn : trb::kSetupTrtOut);
  trbs[n] = Trb{setup_packet(request_type, request, value, index, length), 8,
                trb::type_bits(trb::kSetupStage) | trb::kImmediate | trt};
  td.trb_length[n++] = 0;
  if (length) {
    trbs[n] = Trb{control_bounce_.bus, trb::transfer_status(length, 0),
                  trb::type_bits(trb::kDataStage) | (in ? trb::kDirIn | trb::kIsp : 0)};
    td.trb_length[n++] = length;
  }
  // Status stage runs in the opposite direction of the data (IN when there is no data).
  bool status_in = length == 0 || !in;
  trbs[n] =
      Trb{0, 0, trb::type_bits(trb::kStatusStage) | trb::kIoc | (status_in ? trb::kDirIn : 0)};
  td.trb_length[n++] = 0;
  td.count = n;

  TdResult r;
  INFERPI_TRY(run_td(td, trbs, kControlTimeoutUs, "control transfer", &r));
  if (r.code != cc::kSuccess && r.code != cc::kShortPacket) {
    // A STALL or error halts EP0 on xHCI; reset it so the next request works
    // (pi4-hardware.md §8.8; GET_MAX_LUN on single-LUN sticks stalls).
    Status rec = recover_endpoint(slot_id, 1);
    return Status::error("usb: control request 0x%02x/0x%02x: %s%s", request_type, request,
                         completion_name(r.code), rec ? "" : " (EP0 recovery failed)");
  }
  if (in && length) memcpy(data, control_bounce_.cpu, r.actual < length ? r.actual : length);
  if (actual) *actual = r.actual;
  return Status::ok();
}

Status XhciController::bulk(uint8_t slot_id, uint8_t endpoint_address, uint64_t bus,
                            uint32_t length, uint32_t timeout_us, uint32_t* actual, bool* stalled,
                            Meanwhile* meanwhile) {
  INFERPI_TRY(usable());
  if (stalled) *stalled = false;
  Slot* s = slot(slot_id);
  uint32_t dci = dci_of(endpoint_address);
  if (!s || !s->endpoints[dci].active)
    return Status::error("usb: bulk endpoint 0x%02x not configured", endpoint_address);
  bool in = (endpoint_address & 0x80) != 0;
  TransferPiece pieces[ProducerRing::kMaxTd];
  uint32_t n =
      split_transfer(bus, length, s->endpoints[dci].max_packet, pieces, ProducerRing::kMaxTd);
  if (n == 0) return Status::error("usb: bulk transfer of %u bytes cannot be split", length);
  PendingTd td;
  td.slot = slot_id;
  td.dci = uint8_t(dci);
  td.count = n;
  Trb trbs[ProducerRing::kMaxTd];
  for (uint32_t i = 0; i < n; i++) {
    bool last = i + 1 == n;
    uint32_t control =
        trb::type_bits(trb::kNormal) | (in ? trb::kIsp : 0) | (last ? trb::kIoc : trb::kChain);
    trbs[i] =
        Trb{pieces[i].bus, trb::transfer_status(pieces[i].length, pieces[i].td_size), control};
    td.trb_length[i] = pieces[i].length;
  }
  TdResult r;
  INFERPI_TRY(run_td(td, trbs, timeout_us, in ? "bulk IN" : "bulk OUT", &r, meanwhile));
  if (actual) *actual = r.actual;
  if (r.code == cc::kSuccess || r.code == cc::kShortPacket) return Status::ok();
  bool halted = r.code == cc::kStall || r.code == cc::kTransaction || r.code == cc::kBabble ||
                r.code == cc::kTrb || r.code == cc::kDataBuffer;
  Status rec = halted ? recover_endpoint(slot_id, dci) : Status::ok();
  if (stalled) *stalled = r.code == cc::kStall;
  return Status::error("usb: bulk %s endpoint 0x%02x: %s%s", in ? "IN" : "OUT", endpoint_address,
                       completion_name(r.code), rec ? "" : " (endpoint reset failed)");
}

Status XhciController::recover_endpoint(uint8_t slot_id, uint32_t dci) {
  Slot* s = slot(slot_id);
  if (!s || !s->endpoints[dci].active)
    return Status::error("xhci: recover: endpoint not configured");
  Trb done;
  // Reset Endpoint only applies to a halted endpoint; a context-state error means it was
  // not halted (e.g. stopped), which is fine: we still move the dequeue pointer.
  Status st = command(
      Trb{0, 0,
          trb::type_bits(trb::kResetEndpoint) | trb::endpoint_bits(dci) | trb::slot_bits(slot_id)},
      "Reset Endpoint", &done);
  if (!st && trb::completion_code(done) != cc::kContextState) return st;
  // Point the controller at our next free TRB with our cycle state. The enqueue index never
  // rests on the Link TRB (VL805: never dequeue onto a link, take DCS from our ring, not
  // from the endpoint context — pi4-hardware.md §12.10).
  ProducerRing& ring = s->endpoints[dci].ring;
  return command(
      Trb{ring.enqueue_bus() | (ring.cycle() ? 1u : 0u), 0,
          trb::type_bits(trb::kSetTrDequeue) | trb::endpoint_bits(dci) | trb::slot_bits(slot_id)},
      "Set TR Dequeue Pointer", &done);
}

}  // namespace inferpi::xhci
