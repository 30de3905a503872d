// SD card protocol pieces that are pure arithmetic (SD Physical Layer Simplified Spec 6.0
// §4.7 commands, §5.1 OCR, §5.3 CSD; SDHCI 3.0 §2.2.14 clock divider, §2.2.7 response
// layout). Host-tested; no register access.
#pragma once
#include <cstdint>

#include "runtime/core/status.h"

namespace inferpi::sd {

namespace ocr {
constexpr uint32_t kBusy = 1u << 31;  // 1 = power-up finished
constexpr uint32_t kCcs = 1u << 30;   // card capacity status: 1 = SDHC/SDXC (block addressing)
constexpr uint32_t kVoltage27to36 = 0x00FF8000;
}  // namespace ocr

// SDHCI clock control bits for `target_hz` from `base_hz`. Spec version 3+ uses the 10-bit
// divided clock (f = base / (2 N)), older hosts an 8-bit power of two. Returns the value for
// bits 15:6 of the clock control register and the resulting frequency.
uint32_t clock_divider_bits(uint32_t base_hz, uint32_t target_hz, uint32_t spec_version,
                            uint32_t* actual_hz);

// Capacity in 512-byte blocks from the CSD as the SDHCI stores an R2 response (RESP0..3
// hold response bits 127:8 as bits 119:0). Handles CSD versions 1.0 and 2.0.
Status csd_capacity_blocks(const uint32_t response[4], uint64_t* blocks);

// R6 (CMD3): the new relative card address and the card status bits it carries.
inline uint16_t r6_rca(uint32_t r6) { return uint16_t(r6 >> 16); }
// R1 card status error bits (out of range, address error, ..., general error).
constexpr uint32_t kR1ErrorMask = 0xFDF90008;

// SCR (ACMD51, 8 bytes, most significant byte first; SD Physical Layer §5.6): SD_SPEC,
// bits 59:56. 0 = version 1.0/1.01, which has no CMD6; 1 or more = 1.10 and later.
inline uint32_t scr_sd_spec(const uint8_t scr[8]) { return scr[0] & 0x0F; }

// CMD6 (SWITCH_FUNC) 64-byte status (§4.3.10, Table 4-13; bit 511 first): the card supports
// High Speed (function group 1, function 1: bit 401), and which group-1 function the switch
// selected (bits 379:376; 0xF = the switch failed).
inline bool switch_supports_high_speed(const uint8_t status[64]) {
  return (status[13] & 0x02) != 0;
}
inline uint32_t switch_group1_result(const uint8_t status[64]) { return status[16] & 0x0F; }
// CMD6 arguments: mode 0 checks, mode 1 switches; every other group stays (0xF).
constexpr uint32_t kSwitchCheckHighSpeed = 0x00FFFFF1, kSwitchSetHighSpeed = 0x80FFFFF1;

// ADMA2, 32-bit descriptors (SDHCI 3.00 §1.13.4): attribute 15:0 (valid, end, int,
// act 5:4 = 2 "transfer data"), length 31:16 (kept <= 32 KiB: some hosts do not take
// 0 = 65536), address 63:32. Fills `table` for `bytes` at bus address `bus`; returns the
// number of descriptors written, 0 if they do not fit in `max` or the range passes 4 GiB.
constexpr uint32_t kAdmaMaxChunk = 32 * 1024;
uint32_t adma2_fill(uint64_t* table, uint32_t max, uint64_t bus, uint64_t bytes);

}  // namespace inferpi::sd
