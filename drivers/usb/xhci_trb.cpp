// TRB helpers that need code: completion names and transfer splitting. Pure, host-tested.
#include "drivers/usb/xhci_trb.h"

#include "drivers/usb/xhci_regs.h"

namespace inferpi::xhci {

const char* completion_name(uint32_t code) {
  switch (code) {
    case 0:
      return "invalid";
    case cc::kSuccess:
      return "success";
    case cc::kDataBuffer:
      return "data buffer error";
    case cc::kBabble:
      return "babble";
    case cc::kTransaction:
      return "USB transaction error";
    case cc::kTrb:
      return "TRB error";
    case cc::kStall:
      return "stall";
    case 7:
      return "resource error";
    case 8:
      return "bandwidth error";
    case 9:
      return "no slots available";
    case 11:
      return "slot not enabled";
    case 12:
      return "endpoint not enabled";
    case cc::kShortPacket:
      return "short packet";
    case 14:
      return "ring underrun";
    case 15:
      return "ring overrun";
    case 17:
      return "parameter error";
    case cc::kContextState:
      return "context state error";
    case 21:
      return "event ring full";
    case 24:
      return "command ring stopped";
    case 25:
      return "command aborted";
    case cc::kStopped:
      return "stopped";
    case cc::kStoppedLengthInvalid:
      return "stopped (length invalid)";
    case 36:
      return "split transaction error";
    default:
      return "unknown completion code";
  }
}

const char* speed_name(Speed s) {
  switch (s) {
    case Speed::Full:
      return "full speed";
    case Speed::Low:
      return "low speed";
    case Speed::High:
      return "high speed";
    case Speed::Super:
      return "SuperSpeed";
    case Speed::SuperPlus:
      return "SuperSpeed+";
    default:
      return "unknown speed";
  }
}

uint32_t split_transfer(uint64_t bus, uint32_t length, uint32_t max_packet, TransferPiece* out,
                        uint32_t capacity) {
  if (length == 0 || max_packet == 0) return 0;
  uint32_t n = 0;
  uint64_t remaining = length;
  while (remaining > 0) {
    if (n == capacity) return 0;
    uint64_t to_boundary = 0x10000 - (bus & 0xFFFF);
    uint32_t piece = uint32_t(remaining < to_boundary ? remaining : to_boundary);
    remaining -= piece;
    // TD Size = packets remaining after this TRB, capped at 31 (xHCI §4.11.2.4).
    uint64_t packets = (remaining + max_packet - 1) / max_packet;
    out[n++] = TransferPiece{bus, piece, uint32_t(packets > 31 ? 31 : packets)};
    bus += piece;
  }
  return n;
}

}  // namespace inferpi::xhci
