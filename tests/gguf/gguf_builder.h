// Builds GGUF files byte by byte in tests, including deliberately broken ones.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace gguf_test {

struct Builder {
  std::vector<uint8_t> b;
  void u8(uint8_t v) { b.push_back(v); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void f32(float v) { raw(&v, 4); }
  void raw(const void* p, size_t n) {
    const uint8_t* c = static_cast<const uint8_t*>(p);
    b.insert(b.end(), c, c + n);
  }
  void str(const std::string& s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  void header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    raw("GGUF", 4);
    u32(version);
    u64(n_tensors);
    u64(n_kv);
  }
  void kv_u32(const std::string& k, uint32_t v) { str(k), u32(4), u32(v); }
  void kv_f32(const std::string& k, float v) { str(k), u32(6), f32(v); }
  void kv_str(const std::string& k, const std::string& v) { str(k), u32(8), str(v); }
  void tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t off) {
    str(name);
    u32(uint32_t(ne.size()));
    for (uint64_t n : ne) u64(n);
    u32(type);
    u64(off);
  }
  void align(size_t a = 32) {
    while (b.size() % a) b.push_back(0);
  }
  void zeros(size_t n) { b.insert(b.end(), n, 0); }

  // A file with no tensors and one key whose value type is `type`; the value comes next.
  static Builder one_key(const std::string& key, uint32_t type) {
    Builder g;
    g.header(0, 1);
    g.str(key);
    g.u32(type);
    return g;
  }
};

}  // namespace gguf_test
