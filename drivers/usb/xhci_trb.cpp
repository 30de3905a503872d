// TRB helpers that need code: completion names and transfer splitting. Pure, host-tested.
#include "drivers/usb/xhci_trb.h"

#include "drivers/usb/xhci_regs.h"
#include "runtime/core/code_names.h"

namespace inferpi::xhci {

// Completion codes (xHCI 1.2 Table 6-90) as the messages name them.
constexpr CodeName kCompletionNames[] = {
    {0, "invalid"},
    {cc::kSuccess, "success"},
    {cc::kDataBuffer, "data buffer error"},
    {cc::kBabble, "babble"},
    {cc::kTransaction, "USB transaction error"},
    {cc::kTrb, "TRB error"},
    {cc::kStall, "stall"},
    {7, "resource error"},
    {8, "bandwidth error"},
    {9, "no slots available"},
    {11, "slot not enabled"},
    {12, "endpoint not enabled"},
    {cc::kShortPacket, "short packet"},
    {14, "ring underrun"},
    {15, "ring overrun"},
    {17, "parameter error"},
    {cc::kContextState, "context state error"},
    {21, "event ring full"},
    {24, "command ring stopped"},
    {25, "command aborted"},
    {cc::kStopped, "stopped"},
    {cc::kStoppedLengthInvalid, "stopped (length invalid)"},
    {36, "split transaction error"},
};

const char* completion_name(uint32_t code) {
  return name_of(code, kCompletionNames, "unknown completion code");
}

// Protocol Speed IDs of the root hub ports (xHCI 1.2 §7.2.2.1.1, default PSI values).
constexpr CodeName kSpeedNames[] = {
    {uint32_t(Speed::Full), "full speed"},       {uint32_t(Speed::Low), "low speed"},
    {uint32_t(Speed::High), "high speed"},       {uint32_t(Speed::Super), "SuperSpeed"},
    {uint32_t(Speed::SuperPlus), "SuperSpeed+"},
};

const char* speed_name(Speed s) { return name_of(uint32_t(s), kSpeedNames, "unknown speed"); }

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
