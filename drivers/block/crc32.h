// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as used by GPT headers and entry
// arrays. Streaming form so a large entry array can be checked one sector at a time.
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi {

// Continue a CRC: start with crc = 0, feed chunks, the result is the final CRC.
uint32_t crc32_update(uint32_t crc, const void* data, size_t len);
inline uint32_t crc32(const void* data, size_t len) { return crc32_update(0, data, len); }

}  // namespace inferpi
