// Whole-model check under qemu-aarch64 -cpu cortex-a72: the same exported model run with
// the NEON kernels and with the scalar kernels gives bit-identical logits for every
// position (the kernels share one arithmetic order by design, engines/kernels/row_kernels.h),
// and both are finite. argv: model directories (model.bin + tokenizer.bin) exported by
// tests/neon/CMakeLists.txt; exits 0 with SKIP when none is given.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "engines/core/engine.h"
#include "engines/core/kernels.h"

using namespace inferpi;

static std::vector<uint8_t> slurp(const char* path) {
  std::vector<uint8_t> v;
  FILE* f = std::fopen(path, "rb");
  if (!f) return v;
  std::fseek(f, 0, SEEK_END);
  v.resize(size_t(std::ftell(f)));
  std::fseek(f, 0, SEEK_SET);
  if (std::fread(v.data(), 1, v.size(), f) != v.size()) v.clear();
  std::fclose(f);
  return v;
}

static bool run(const char* dir, kernels::Impl impl, std::vector<float>* logits, int* vocab) {
  std::string m = std::string(dir) + "/model.bin", t = std::string(dir) + "/tokenizer.bin";
  static std::vector<uint8_t> model, tok;
  model = slurp(m.c_str());
  tok = slurp(t.c_str());
  if (model.empty() || tok.empty()) {
    std::printf("FAIL: cannot read %s\n", dir);
    return false;
  }
  std::vector<uint8_t> mem(size_t(256) << 20);
  Arena arena(mem.data(), mem.size());
  Engine* e = nullptr;
  EngineOptions opt;
  opt.max_context = 128;
  Status st =
      create_engine(ModelFiles{model.data(), model.size(), tok.data(), tok.size()}, opt, arena, &e);
  if (!st.is_ok()) {
    std::printf("FAIL: %s: %s\n", dir, st.message());
    return false;
  }
  kernels::set_impl(impl);
  const int n = 70;  // two prefill chunks (64 + 6) worth of positions
  int ids[n];
  for (int i = 0; i < n; i++) ids[i] = 1 + (i * 37) % 200;
  *vocab = e->info().vocab_size;
  logits->assign(size_t(n) * size_t(*vocab), 0.0f);
  st = e->forward(ids, n, logits->data());
  kernels::set_impl(kernels::Impl::Best);
  if (!st.is_ok()) {
    std::printf("FAIL: forward %s: %s\n", dir, st.message());
    return false;
  }
  return true;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::printf("SKIP: no model directories (../shared absent)\n");
    return 0;
  }
  int failures = 0;
  for (int i = 1; i < argc; i++) {
    std::vector<float> a, b;
    int vocab = 0;
    if (!run(argv[i], kernels::Impl::Best, &a, &vocab) ||
        !run(argv[i], kernels::Impl::Scalar, &b, &vocab)) {
      failures++;
      continue;
    }
    size_t diff = 0, nonfinite = 0;
    for (size_t k = 0; k < a.size(); k++) {
      if (std::memcmp(&a[k], &b[k], 4)) diff++;
      if (!(a[k] - a[k] == 0)) nonfinite++;
    }
    std::printf("%s: %zu logits, %zu differ between NEON and scalar, %zu not finite\n", argv[i],
                a.size(), diff, nonfinite);
    if (diff || nonfinite) failures++;
  }
  std::printf("%s\n", failures ? "FAILED" : "passed");
  return failures ? 1 : 0;
}
