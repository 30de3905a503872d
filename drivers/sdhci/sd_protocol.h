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

}  // namespace inferpi::sd
