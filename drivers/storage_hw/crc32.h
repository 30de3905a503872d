// CRC-32 (IEEE 802.3, the zlib/`crc32` polynomial 0xEDB88320), so that a test can compare
// what the kernel read with Python's zlib.crc32 of the same bytes.
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi {

// Continue a running CRC: crc = crc32_update(crc, data, n), starting from 0.
uint32_t crc32_update(uint32_t crc, const void* data, size_t length);

}  // namespace inferpi
