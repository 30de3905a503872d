// Instruction-count benchmark of the matrix kernels, run by tools/bench under
// qemu-aarch64 -cpu cortex-a72 with tools/bench/icount_plugin.c. Between two calls of
// icount_mark() the plugin reports the guest instructions executed by all threads, so each
// region below is counted exactly (the host thread pool's synchronisation included).
//
//   kernel_bench MODEL DTYPE [decode-only]
//     MODEL: d12 | supra50m | k768 (Llama 768/2048, 12 heads, 4 KV heads, vocab 32000)
//     DTYPE: baseline | f16 | q8_0 | q4_0 | q4_k | q5_k | q6_k   (anything else: exit 2)
//
// K-quants need rows of whole 256-element super-blocks; a matrix whose width is not (supra50m's
// mlp.down, 1408) is stored as q8_0 instead and its region named NAME[q8_0], as
// llama-quantize also falls back to another type there.
// Counts one transformer layer's matrices and the lm_head, each as a decode matvec and as
// a 64-token prefill matmul. The layers of both models have identical shapes, so a token
// is 12 x layer + lm_head (tools/bench does the sum). Weights are pseudo-random bytes: the
// kernels have no data-dependent branches, so the values do not change the counts.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
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

// Random bytes, then per type: f16 values in +-[2^-3, 2^-2); f16 block scales (and K-quant
// mins) set to 2^-8.
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
    const DTypeInfo* info = dtype_info(t);
    const size_t blk = info->block_bytes;
    const std::vector<size_t> f16s = t == DType::Q6_K ? std::vector<size_t>{208}
                                     : t == DType::Q4_K || t == DType::Q5_K
                                         ? std::vector<size_t>{0, 2}
                                         : std::vector<size_t>{0};
    for (size_t i = 0; i < bytes; i += blk) {
      for (size_t off : f16s) {
        w[i + off] = 0x00;
        w[i + off + 1] = 0x1c;  // f16 2^-8
      }
    }
  }
  return w;
}

struct BenchType {
  const char* name;
  DType type;
};
static const BenchType kTypes[] = {
    {"baseline", DType::F16}, {"f16", DType::F16},   {"q8_0", DType::Q8_0}, {"q4_0", DType::Q4_0},
    {"q4_k", DType::Q4_K},    {"q5_k", DType::Q5_K}, {"q6_k", DType::Q6_K}};

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: kernel_bench d12|supra50m|k768 baseline|f16|q8_0|q4_0|q4_k|q5_k|q6_k\n");
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
  } else if (!strcmp(argv[1], "k768")) {  // llama.cpp comparison shape (docs/performance.md)
    mats = {{"attn.q", 768, 768},    {"attn.k", 256, 768},    {"attn.v", 256, 768},
            {"attn.o", 768, 768},    {"mlp.gate", 2048, 768}, {"mlp.up", 2048, 768},
            {"mlp.down", 768, 2048}, {"lm_head", 32000, 768}};
  } else {
    std::fprintf(stderr, "unknown model %s\n", argv[1]);
    return 2;
  }
  const BenchType* bt = nullptr;
  for (const BenchType& t : kTypes)
    if (!strcmp(argv[2], t.name)) bt = &t;
  if (!bt) {
    std::fprintf(stderr, "unknown type %s (baseline|f16|q8_0|q4_0|q4_k|q5_k|q6_k)\n", argv[2]);
    return 2;
  }
  if (!strcmp(bt->name, "baseline")) kernels::set_impl(kernels::Impl::Baseline);
  // Each matrix's type: the requested one, or q8_0 where a K-quant does not fit the width.
  std::vector<DType> types;
  std::vector<std::string> names;
  for (const Mat& m : mats) {
    const bool fits = m.cols % int64_t(dtype_info(bt->type)->block_elems) == 0;
    types.push_back(fits ? bt->type : DType::Q8_0);
    names.push_back(fits ? m.name : std::string(m.name) + "[q8_0]");
  }
  const int kChunk = 64;

  std::vector<std::vector<uint8_t>> store;
  std::vector<Tensor> ts;
  for (size_t i = 0; i < mats.size(); i++) {
    const Mat& m = mats[i];
    store.push_back(random_weights(types[i], m.rows, m.cols));
    ts.push_back(Tensor{store.back().data(), types[i], m.rows, m.cols});
  }
  std::vector<float> x(size_t(kChunk) * 3072), out(size_t(kChunk) * 32768);
  for (size_t i = 0; i < x.size(); i++) x[i] = float(int(next() % 2001) - 1000) * 1e-3f;

  // Warm-up (first touch, pool start-up, translation), not counted.
  for (const Tensor& t : ts) ops::matvec(out.data(), t, x.data());
  ops::matmul(out.data(), ts[0], x.data(), kChunk);

  // Region list first, then the measured regions in the same order.
  for (size_t i = 0; i < mats.size(); i++) {
    const Mat& m = mats[i];
    std::printf("region decode %s %lld %lld 1 %zu\n", names[i].c_str(), (long long)m.rows,
                (long long)m.cols, dtype_row_bytes(types[i], uint64_t(m.cols)) * size_t(m.rows));
  }
  // Prefill: the layer matrices (a chat prefill needs logits for the last token only, so
  // lm_head stays one matvec per chunk).
  const size_t layer_mats = mats.size() - 1;
  const bool prefill = !(argc > 3 && !strcmp(argv[3], "decode-only"));
  for (size_t i = 0; prefill && i < layer_mats; i++) {
    const Mat& m = mats[i];
    std::printf("region prefill %s %lld %lld %d %zu\n", names[i].c_str(), (long long)m.rows,
                (long long)m.cols, kChunk,
                dtype_row_bytes(types[i], uint64_t(m.cols)) * size_t(m.rows));
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
