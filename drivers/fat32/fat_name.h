// File names on FAT: long-name (LFN) assembly, UCS-2/UTF-16 → UTF-8, 8.3 names, and the
// case-insensitive comparison used for path lookup. Portable, no allocation.
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi::fat {

// Longest name we produce: 255 UTF-16 units, each at most 3 UTF-8 bytes (a surrogate pair
// is 2 units → 4 bytes), plus the terminator.
constexpr size_t kMaxNameBytes = 255 * 3 + 1;

// The 8-bit rotate-and-add checksum of an 11-byte 8.3 name that every LFN entry carries.
uint8_t sfn_checksum(const uint8_t* name11);

// The 8.3 name as text ("README.TXT", "model.bin" when NTRes asks for lower case).
// A leading 0x05 is a real 0xE5. Bytes ≥ 0x80 (OEM code page) become '?'.
void sfn_to_text(const uint8_t* entry, char* out, size_t cap);

// Collects the LFN entries that precede an 8.3 entry. Feed every directory entry in order;
// the collector checks the sequence (0x40|N first, then N-1 .. 1, all with the same
// checksum) and, at the 8.3 entry, whether the checksum matches. On any mismatch the long
// name is dropped and the caller falls back to the 8.3 name, as the FAT spec says.
class LfnCollector {
 public:
  void reset() {
    expected_ = 0;
    valid_ = false;
  }
  void add(const uint8_t* lfn_entry);
  // At the 8.3 entry: writes the long name as UTF-8 and returns true if a complete,
  // checksum-valid long name precedes `sfn_entry`. Resets the collector either way.
  bool finish(const uint8_t* sfn_entry, char* out, size_t cap);

 private:
  uint16_t units_[260] = {};  // 20 entries × 13 units
  uint8_t expected_ = 0;      // next ordinal we expect (counting down), 0 = none pending
  uint8_t checksum_ = 0;
  uint8_t count_ = 0;  // number of LFN entries in this name
  bool valid_ = false;
};

// Writes UTF-16 units as UTF-8, stopping at 0x0000. Surrogate pairs become one 4-byte code
// point; a lone surrogate becomes U+FFFD. Returns false if `cap` was too small.
bool utf16_to_utf8(const uint16_t* units, size_t count, char* out, size_t cap);

// Case-insensitive comparison of two UTF-8 strings (ASCII, Latin-1, Latin Extended-A,
// Greek and Cyrillic letters fold; other code points compare exactly). `b_len` limits `b`
// (path components are not terminated).
bool name_equals_nocase(const char* a, const char* b, size_t b_len);

}  // namespace inferpi::fat
