// FdtBuilder: writes small flattened device trees for tests (devicetree spec v0.3 ch. 5):
// nodes, properties of u32 cells or strings, an empty reservation map. For the shapes real
// firmware produces that the fixture DTBs do not have (several /memory nodes, QEMU style).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

class FdtBuilder {
 public:
  FdtBuilder& begin(const std::string& name) {
    word(1);
    bytes(name.c_str(), name.size() + 1);
    pad();
    return *this;
  }
  FdtBuilder& end() {
    word(2);
    return *this;
  }
  FdtBuilder& cells(const std::string& name, std::initializer_list<uint32_t> values) {
    std::vector<uint8_t> v;
    for (uint32_t c : values)
      for (int s = 24; s >= 0; s -= 8) v.push_back(uint8_t(c >> s));
    return prop(name, v);
  }
  FdtBuilder& string(const std::string& name, const std::string& value) {
    std::vector<uint8_t> v(value.begin(), value.end());
    v.push_back(0);
    return prop(name, v);
  }
  // The blob: header, reservation map (empty), structure block (+ END), strings.
  std::vector<uint8_t> finish() const {
    std::vector<uint8_t> s = structs_;
    for (int sh = 24; sh >= 0; sh -= 8) s.push_back(uint8_t(9u >> sh));
    const uint32_t off_rsv = 40, off_struct = off_rsv + 16,
                   off_strings = off_struct + uint32_t(s.size());
    const uint32_t total = off_strings + uint32_t(strings_.size());
    std::vector<uint8_t> b;
    for (uint32_t v : {0xd00dfeedu, total, off_struct, off_strings, off_rsv, 17u, 16u, 0u,
                       uint32_t(strings_.size()), uint32_t(s.size())})
      for (int sh = 24; sh >= 0; sh -= 8) b.push_back(uint8_t(v >> sh));
    b.resize(off_struct, 0);
    b.insert(b.end(), s.begin(), s.end());
    b.insert(b.end(), strings_.begin(), strings_.end());
    return b;
  }

 private:
  FdtBuilder& prop(const std::string& name, const std::vector<uint8_t>& value) {
    word(3);
    word(uint32_t(value.size()));
    word(uint32_t(strings_.size()));
    strings_.insert(strings_.end(), name.begin(), name.end());
    strings_.push_back(0);
    bytes(value.data(), value.size());
    pad();
    return *this;
  }
  void word(uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) structs_.push_back(uint8_t(v >> s));
  }
  void bytes(const void* p, size_t n) {
    const auto* c = static_cast<const uint8_t*>(p);
    structs_.insert(structs_.end(), c, c + n);
  }
  void pad() {
    while (structs_.size() % 4) structs_.push_back(0);
  }
  std::vector<uint8_t> structs_, strings_;
};
