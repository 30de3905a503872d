// xHCI register map (xHCI 1.2 §5; values seen on the VL805 and QEMU in pi4-hardware.md §8.1
// and qemu.md §5). Offsets are relative to the start of each register space; the
// controller computes the space bases once from CAPLENGTH, RTSOFF and DBOFF. All accesses
// are 32-bit (QEMU returns 0 for a 16-bit read of HCIVERSION), 64-bit registers are written
// low half first.
#pragma once
#include <cstdint>

namespace inferpi::xhci {

namespace cap {                            // capability registers, at BAR0
constexpr uint32_t kLengthVersion = 0x00;  // CAPLENGTH 7:0, HCIVERSION 31:16
constexpr uint32_t kHcsParams1 = 0x04;     // MaxSlots 7:0, MaxIntrs 18:8, MaxPorts 31:24
constexpr uint32_t kHcsParams2 = 0x08;     // ERST Max 7:4, scratchpads hi 25:21, lo 31:27
constexpr uint32_t kHccParams1 = 0x10;     // AC64 0, CSZ 2, xECP 31:16 (dwords)
constexpr uint32_t kDbOff = 0x14;
constexpr uint32_t kRtsOff = 0x18;
}  // namespace cap

namespace op {  // operational registers, at BAR0 + CAPLENGTH
constexpr uint32_t kUsbCmd = 0x00;
constexpr uint32_t kUsbSts = 0x04;
constexpr uint32_t kPageSize = 0x08;
constexpr uint32_t kCrcr = 0x18;
constexpr uint32_t kDcbaap = 0x30;
constexpr uint32_t kConfig = 0x38;
constexpr uint32_t kPortBase = 0x400;  // PORTSC of port n (1-based) at 0x400 + 0x10 * (n - 1)
}  // namespace op

namespace usbcmd {
constexpr uint32_t kRun = 1u << 0;
constexpr uint32_t kReset = 1u << 1;
}  // namespace usbcmd

namespace usbsts {
constexpr uint32_t kHalted = 1u << 0;
constexpr uint32_t kHostSystemError = 1u << 2;
constexpr uint32_t kNotReady = 1u << 11;
constexpr uint32_t kHostControllerError = 1u << 12;
}  // namespace usbsts

namespace portsc {
constexpr uint32_t kConnected = 1u << 0;  // CCS
constexpr uint32_t kEnabled = 1u << 1;    // PED (writing 1 disables the port!)
constexpr uint32_t kReset = 1u << 4;      // PR
constexpr uint32_t kLinkStateShift = 5;   // PLS 8:5
constexpr uint32_t kLinkStateMask = 0xFu << 5;
constexpr uint32_t kPower = 1u << 9;
constexpr uint32_t kSpeedShift = 10;  // 13:10
constexpr uint32_t kLinkWriteStrobe = 1u << 16;
constexpr uint32_t kChangeBits = 0x7Fu << 17;  // CSC PEC WRC OCC PRC PLC CEC (RW1C)
constexpr uint32_t kResetChange = 1u << 21;    // PRC
constexpr uint32_t kWarmResetChange = 1u << 19;
constexpr uint32_t kWarmReset = 1u << 31;
// Bits that are safe to write back unchanged: RO and RWS bits only (pi4-hardware.md §8.2).
constexpr uint32_t kPreserveMask = 0x4F00FFE9;
constexpr uint32_t kLinkU0 = 0, kLinkRxDetect = 5, kLinkInactive = 6, kLinkPolling = 7,
                   kLinkCompliance = 10;
}  // namespace portsc

namespace rt {  // runtime registers, interrupter 0 at BAR0 + RTSOFF + 0x20
constexpr uint32_t kIr0 = 0x20;
constexpr uint32_t kIman = kIr0 + 0x00;
constexpr uint32_t kImod = kIr0 + 0x04;
constexpr uint32_t kErstSz = kIr0 + 0x08;
constexpr uint32_t kErstBa = kIr0 + 0x10;
constexpr uint32_t kErdp = kIr0 + 0x18;
constexpr uint64_t kErdpBusy = 1u << 3;  // EHB, RW1C
}  // namespace rt

namespace xecp {  // extended capabilities
constexpr uint32_t kLegacySupport = 1;
constexpr uint32_t kSupportedProtocol = 2;
constexpr uint32_t kBiosOwned = 1u << 16;
constexpr uint32_t kOsOwned = 1u << 24;
}  // namespace xecp

// PORTSC speed ids (default Protocol Speed IDs, xHCI §7.2.2.1.1).
enum class Speed : uint8_t { None = 0, Full = 1, Low = 2, High = 3, Super = 4, SuperPlus = 5 };
const char* speed_name(Speed s);

}  // namespace inferpi::xhci
