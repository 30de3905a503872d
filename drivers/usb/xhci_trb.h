// Transfer Request Blocks (xHCI §6.4): 16-byte records on the command, event and transfer
// rings. This file is pure data layout and field packing (no register access), so it is
// unit-tested on the host (tests/usb/).
#pragma once
#include <cstdint>

namespace inferpi::xhci {

struct Trb {
  uint64_t parameter;
  uint32_t status;
  uint32_t control;
};
static_assert(sizeof(Trb) == 16);

namespace trb {
// Control-word bits.
constexpr uint32_t kCycle = 1u << 0;
constexpr uint32_t kToggleCycle = 1u << 1;  // Link TRB
constexpr uint32_t kEventData = 1u << 2;    // Transfer event: parameter is event data
constexpr uint32_t kIsp = 1u << 2;          // interrupt on short packet
constexpr uint32_t kChain = 1u << 4;
constexpr uint32_t kIoc = 1u << 5;
constexpr uint32_t kImmediate = 1u << 6;  // IDT
constexpr uint32_t kBlockSetAddress = 1u << 9;
constexpr uint32_t kDeconfigure = 1u << 9;
constexpr uint32_t kDirIn = 1u << 16;
constexpr uint32_t kSetupTrtNone = 0u << 16, kSetupTrtOut = 2u << 16, kSetupTrtIn = 3u << 16;

enum Type : uint32_t {
  kNormal = 1,
  kSetupStage = 2,
  kDataStage = 3,
  kStatusStage = 4,
  kLink = 6,
  kNoOp = 8,
  kEnableSlot = 9,
  kDisableSlot = 10,
  kAddressDevice = 11,
  kConfigureEndpoint = 12,
  kEvaluateContext = 13,
  kResetEndpoint = 14,
  kStopEndpoint = 15,
  kSetTrDequeue = 16,
  kNoOpCommand = 23,
  kTransferEvent = 32,
  kCommandCompletion = 33,
  kPortStatusChange = 34,
  kHostControllerEvent = 37,
};

constexpr uint32_t type_bits(uint32_t type) { return type << 10; }
constexpr uint32_t type_of(const Trb& t) { return (t.control >> 10) & 0x3F; }
constexpr uint32_t slot_bits(uint32_t slot) { return slot << 24; }
constexpr uint32_t endpoint_bits(uint32_t dci) { return (dci & 31) << 16; }
// Event fields.
constexpr uint32_t completion_code(const Trb& t) { return t.status >> 24; }
constexpr uint32_t residual_length(const Trb& t) { return t.status & 0xFFFFFF; }
constexpr uint32_t event_slot(const Trb& t) { return t.control >> 24; }
constexpr uint32_t event_endpoint(const Trb& t) { return (t.control >> 16) & 31; }
constexpr uint32_t event_port(const Trb& t) { return uint32_t(t.parameter >> 24) & 0xFF; }
// Normal/Data TRB status: length 16:0, TD Size 21:17.
constexpr uint32_t transfer_status(uint32_t length, uint32_t td_size) {
  return (length & 0x1FFFF) | ((td_size > 31 ? 31 : td_size) << 17);
}
}  // namespace trb

// Completion codes (xHCI §6.4.5).
namespace cc {
constexpr uint32_t kSuccess = 1;
constexpr uint32_t kDataBuffer = 2;
constexpr uint32_t kBabble = 3;
constexpr uint32_t kTransaction = 4;
constexpr uint32_t kTrb = 5;
constexpr uint32_t kStall = 6;
constexpr uint32_t kShortPacket = 13;
constexpr uint32_t kContextState = 19;
constexpr uint32_t kStopped = 26;
constexpr uint32_t kStoppedLengthInvalid = 27;
}  // namespace cc
const char* completion_name(uint32_t code);

// SETUP packet packed into a Setup Stage TRB parameter (USB 2.0 §9.3).
constexpr uint64_t setup_packet(uint8_t request_type, uint8_t request, uint16_t value,
                                uint16_t index, uint16_t length) {
  return uint64_t(request_type) | (uint64_t(request) << 8) | (uint64_t(value) << 16) |
         (uint64_t(index) << 32) | (uint64_t(length) << 48);
}

// One piece of a bulk transfer: xHCI forbids a TRB buffer that crosses a 64 KiB boundary.
struct TransferPiece {
  uint64_t bus;
  uint32_t length;
  uint32_t td_size;  // packets still to come after this TRB (TD Size field)
};
// Splits [bus, bus + length) at 64 KiB boundaries. Returns the number of pieces written to
// `out` (at most `capacity`), or 0 if it does not fit or length is 0.
uint32_t split_transfer(uint64_t bus, uint32_t length, uint32_t max_packet, TransferPiece* out,
                        uint32_t capacity);

}  // namespace inferpi::xhci
