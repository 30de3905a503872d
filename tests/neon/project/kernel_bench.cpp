// Instruction-count benchmark of the matrix kernels, run by tools/bench under
// qemu-aarch64 -cpu cortex-a72 with tools/bench/icount_plugin.c. Between two calls of
// icount_mark() the plugin reports the guest instructions executed by all threads, so each
// region below is counted exactly (the host thread pool's synchronisation included).
//
//   kernel_bench MODEL DTYPE     MODEL: d12 | supra50m   DTYPE: f16 | q8_0 | q4_0 | baseline
//
// Counts one transformer layer's matrices and the lm_head, each as a decode matvec and as
// a 64-token prefill matmul. The layers of both models have identical shapes, so a token
// is 12 x layer + lm_head (tools/bench does the sum). Weights are pseudo-random bytes: the
// kernels have no data-dependent branches, so the values do not change the counts.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engines/core/kernels.h"
#include "engines/core/ops.h"

using namespace inferpi;

extern "C" __attribute__((noinline)) void icount_mark() { asm volatile("nop" ::: "memory"); }

struct Mat {
  const char* name;
  int64_t rows, cols;
};

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static uint64_t next() {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}

// Random bytes, then per type: f16 values in +-[2^-3, 2^-2); block scales set to 2^-8.
static std::vector<uint8_t> random_weights(DType t, int64_t rows, int64_t cols) {
  size_t bytes = dtype_row_bytes(t, uint64_t(cols)) * size_t(rows);
  std::vector<uint8_t> w(bytes + 8);
  for (size_t i = 0; i + 8 <= w.size(); i += 8) {
    uint64_t v = next();
    memcpy(&w[i], &v, 8);
  }
  if (t == DType::F16) {
    for (size_t i = 0; i + 1 < bytes; i += 2) {
      uint16_t h;
      memcpy(&h, &w[i], 2);
      h = uint16_t((h & 0x83ff) | 0x3000);
      memcpy(&w[i], &h, 2);
    }
  } else {
    size_t blk = t == DType::Q8_0 ? 34 : 18;
    for (size_t i = 0; i < bytes; i += blk) {
      w[i] = 0x00;
      w[i + 1] = 0x1c;  // f16 2^-8
    }
  }
  return w;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: kernel_bench d12|supra50m f16|q8_0|q4_0|baseline\n");
    return 2;
  }
  std::vector<Mat> mats;
  if (!strcmp(argv[1], "d12")) {  // nanochat d12: 768 dim, 6 heads of 128, MLP 4x, vocab 32768
    mats = {{"attn.q", 768, 768},   {"attn.k", 768, 768},  {"attn.v", 768, 768},
            {"attn.o", 768, 768},   {"mlp.fc", 3072, 768}, {"mlp.proj", 768, 3072},
            {"lm_head", 32768, 768}};
  } else if (!strcmp(argv[1], "supra50m")) {  // Llama 512/1408, 8 heads, 4 KV heads, vocab 32000
    mats = {{"attn.q", 512, 512},    {"attn.k", 256, 512},    {"attn.v", 256, 512},
            {"attn.o", 512, 512},    {"mlp.gate", 1408, 512}, {"mlp.up", 1408, 512},
            {"mlp.down", 512, 1408}, {"lm_head", 32000, 512}};
  } else {
    std::fprintf(stderr, "unknown model %s\n", argv[1]);
    return 2;
  }
  DType type = DType::F16;
  if (!strcmp(argv[2], "q8_0")) type = DType::Q8_0;
  if (!strcmp(argv[2], "q4_0")) type = DType::Q4_0;
  if (!strcmp(argv[2], "baseline")) kernels::set_impl(kernels::Impl::Baseline);
  const int kChunk = 64;

  std::vector<std::vector<uint8_t>> store;
  std::vector<Tensor> ts;
  for (const Mat& m : mats) {
    store.push_back(random_weights(type, m.rows, m.cols));
    ts.push_back(Tensor{store.back().data(), type, m.rows, m.cols});
  }
  std::vector<float> x(size_t(kChunk) * 3072), out(size_t(kChunk) * 32768);
  for (size_t i = 0; i < x.size(); i++) x[i] = float(int(next() % 2001) - 1000) * 1e-3f;

  // Warm-up (first touch, pool start-up, translation), not counted.
  for (const Tensor& t : ts) ops::matvec(out.data(), t, x.data());
  ops::matmul(out.data(), ts[0], x.data(), kChunk);

  // Region list first, then the measured regions in the same order.
  for (const Mat& m : mats)
    std::printf("region decode %s %lld %lld 1 %zu\n", m.name, (long long)m.rows, (long long)m.cols,
                dtype_row_bytes(type, uint64_t(m.cols)) * size_t(m.rows));
  // Prefill: the layer matrices (a chat prefill needs logits for the last token only, so
  // lm_head stays one matvec per chunk).
  const size_t layer_mats = mats.size() - 1;
  const bool prefill = !(argc > 3 && !strcmp(argv[3], "decode-only"));
  for (size_t i = 0; prefill && i < layer_mats; i++) {
    const Mat& m = mats[i];
    std::printf("region prefill %s %lld %lld %d %zu\n", m.name, (long long)m.rows,
                (long long)m.cols, kChunk,
                dtype_row_bytes(type, uint64_t(m.cols)) * size_t(m.rows));
  }
  std::fflush(stdout);
  icount_mark();
  for (const Tensor& t : ts) {
    ops::matvec(out.data(), t, x.data());
    icount_mark();
  }
  for (size_t i = 0; prefill && i < layer_mats; i++) {
    ops::matmul(out.data(), ts[i], x.data(), kChunk);
    icount_mark();
  }
  std::printf("done checksum %g\n", double(out[7]));
  return 0;
}
