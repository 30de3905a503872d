// Names of numeric codes (hardware status codes, file-format ids) kept as {code, name}
// tables: one line per code, in the order of the spec that defines them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace inferpi {

struct CodeName {
  uint32_t code;
  const char* name;
};

// The name of `code` in `table`, or `unknown` when the table does not list it.
template <size_t N>
constexpr const char* name_of(uint32_t code, const CodeName (&table)[N], const char* unknown) {
  for (const CodeName& c : table)
    if (c.code == code) return c.name;
  return unknown;
}

}  // namespace inferpi
