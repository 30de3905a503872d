// libFuzzer target for the GGUF reader: any bytes → parse; when the parse succeeds, walk
// every key, array and tensor the way a loader would (ASan catches any read outside the
// buffer). The buffer is copied so that ASan sees its exact end.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engines/gguf/gguf.h"

using namespace inferpi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> arena_mem(1 << 22);
  Arena arena(arena_mem.data(), arena_mem.size());
  std::vector<uint8_t> file(data, data + size);
  gguf::GgufFile f;
  if (!f.parse(file.data(), file.size(), arena)) return 0;
  volatile uint64_t sink = 0;
  volatile double fsink = 0;
  for (size_t i = 0; i < f.kv_count(); i++) {
    const gguf::KeyValue& kv = f.kv_at(i);
    char key[80];
    kv.key.copy_to(key, sizeof key);
    uint64_t u;
    double d;
    bool b;
    gguf::Str s;
    gguf::Array a;
    f.get_uint(key, &u), f.get_float(key, &d), f.get_bool(key, &b), f.get_string(key, &s);
    if (f.get_array(key, &a)) {
      if (a.elem == gguf::ValueType::STRING) {
        gguf::StringCursor c(a);
        while (c.next(&s)) sink = sink + (s.size ? uint8_t(s.data[s.size - 1]) : 0);
      } else {
        for (uint64_t j = 0; j < a.count; j++) {
          sink = sink + uint64_t(a.int_at(j));
          fsink = fsink + a.float_at(j);
        }
      }
    }
  }
  float row[512];
  for (size_t i = 0; i < f.tensor_count(); i++) {
    const gguf::TensorInfo& t = f.tensor_at(i);
    char name[80];
    if (f.find_tensor(t.name.copy_to(name, sizeof name)) == nullptr) __builtin_trap();
    if (t.bytes) sink = sink + t.data[0] + t.data[t.bytes - 1];
    Tensor view = t.as_tensor();
    if (view.cols <= 512) tensor_dequantize_row(view, view.rows - 1, row);
  }
  return 0;
}
