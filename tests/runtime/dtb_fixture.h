// Loads a DTB from tests/fixtures/dtb (copied from ../shared/fixtures/dtb, in the repo).
#pragma once
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

inline std::vector<uint8_t> load_dtb(const std::string& name) {
  std::ifstream f(std::string(INFERPI_SOURCE_DIR) + "/tests/fixtures/dtb/" + name,
                  std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}
