// SD protocol arithmetic. See sd_protocol.h.
#include "drivers/sdhci/sd_protocol.h"

namespace inferpi::sd {
namespace {

// Bits [hi:lo] of the 128-bit CSD (bit 0 = CRC end bit) from SDHCI R2 registers.
uint32_t csd_bits(const uint32_t r[4], uint32_t hi, uint32_t lo) {
  uint32_t value = 0;
  for (uint32_t bit = hi + 1; bit-- > lo;) {
    uint32_t stored = bit - 8;  // the controller drops the CRC byte
    uint32_t b = (r[stored / 32] >> (stored % 32)) & 1;
    value = (value << 1) | b;
  }
  return value;
}

}  // namespace

uint32_t clock_divider_bits(uint32_t base_hz, uint32_t target_hz, uint32_t spec_version,
                            uint32_t* actual_hz) {
  if (target_hz == 0) target_hz = 1;
  if (base_hz <= target_hz) {
    if (actual_hz) *actual_hz = base_hz;
    return 0;  // N = 0: the base clock itself
  }
  if (spec_version >= 2) {  // SDHCI 3.00: register value 2 means version 3
    uint32_t n = (base_hz + 2 * target_hz - 1) / (2 * target_hz);
    if (n > 0x3FF) n = 0x3FF;
    if (actual_hz) *actual_hz = base_hz / (2 * n);
    return ((n & 0xFF) << 8) | (((n >> 8) & 3) << 6);
  }
  uint32_t div = 1;  // 8-bit, power of two: f = base / (2 * div)
  while (div < 0x80 && base_hz / (2 * div) > target_hz) div <<= 1;
  if (actual_hz) *actual_hz = base_hz / (2 * div);
  return div << 8;
}

Status csd_capacity_blocks(const uint32_t r[4], uint64_t* blocks) {
  uint32_t structure = csd_bits(r, 127, 126);
  if (structure == 0) {
    uint32_t c_size = csd_bits(r, 73, 62);
    uint32_t mult = csd_bits(r, 49, 47);
    uint32_t read_bl_len = csd_bits(r, 83, 80);
    if (read_bl_len < 9 || read_bl_len > 11)
      return Status::error("sd: CSD READ_BL_LEN %u out of range", read_bl_len);
    uint64_t bytes = uint64_t(c_size + 1) << (mult + 2 + read_bl_len);
    *blocks = bytes / 512;
    return Status::ok();
  }
  if (structure == 1) {
    uint32_t c_size = csd_bits(r, 69, 48);
    *blocks = uint64_t(c_size + 1) * 1024;  // (C_SIZE + 1) * 512 KiB
    return Status::ok();
  }
  return Status::error("sd: unsupported CSD structure %u", structure);
}

uint32_t adma2_fill(uint64_t* table, uint32_t max, uint64_t bus, uint64_t bytes) {
  constexpr uint64_t kValid = 1u << 0, kEnd = 1u << 1, kTransfer = 2u << 4;
  if (bytes == 0 || bus + bytes > (uint64_t(1) << 32)) return 0;
  uint32_t n = 0;
  while (bytes > 0) {
    if (n == max) return 0;
    uint64_t len = bytes < kAdmaMaxChunk ? bytes : kAdmaMaxChunk;
    table[n++] = (bus << 32) | (len << 16) | kTransfer | kValid;
    bus += len;
    bytes -= len;
  }
  table[n - 1] |= kEnd;
  return n;
}

}  // namespace inferpi::sd
