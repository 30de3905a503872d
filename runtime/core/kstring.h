// String and memory helpers that exist on every board. The mem*/str* functions come
// from the C library (glibc on the host, picolibc or newlib in the kernel); these add
// the bounded, always-terminated versions the code base uses instead of strcpy/sprintf.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace inferpi {

// Copies at most cap-1 bytes and always terminates (when cap > 0). Returns the length written.
size_t copy_string(char* dst, size_t cap, const char* src);
// Case-insensitive ASCII comparison (FAT names, commands).
int compare_nocase(const char* a, const char* b);
bool starts_with(const char* s, const char* prefix);
bool ends_with_nocase(const char* s, const char* suffix);

// Little-endian loads that are safe on unaligned addresses (file headers, disk sectors).
inline uint16_t load_le16(const void* p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
inline uint32_t load_le32(const void* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
inline uint64_t load_le64(const void* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
inline uint32_t load_be32(const void* p) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
}
inline uint64_t load_be64(const void* p) {
  return (uint64_t(load_be32(p)) << 32) | load_be32(static_cast<const uint8_t*>(p) + 4);
}

}  // namespace inferpi
