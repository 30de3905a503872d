// Shared by the host kernel tests and the NEON tests (tests/neon): random matrices of
// every kernel type, in odd shapes, and comparisons of one implementation against another.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "engines/core/kernels.h"
#include "engines/core/ops.h"
#include "engines/core/tensor.h"

namespace inferpi::testing {

struct Matrix {
  std::vector<uint8_t> bytes;
  Tensor t;
};

// Quantizes like tools/pylib/quant.py (ggml's reference quantizers).
inline void encode_row(DType type, const float* x, int64_t n, uint8_t* out) {
  switch (type) {
    case DType::F32:
      memcpy(out, x, size_t(n) * 4);
      return;
    case DType::F16:
      for (int64_t i = 0; i < n; i++) {
        uint16_t h = f32_to_f16(x[i]);
        memcpy(out + 2 * i, &h, 2);
      }
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; i++) {
        uint16_t h = f32_to_bf16(x[i]);
        memcpy(out + 2 * i, &h, 2);
      }
      return;
    case DType::Q8_0:
      for (int64_t b = 0; b < n / 32; b++) {
        const float* xb = x + b * 32;
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = std::max(amax, std::fabs(xb[i]));
        float d = amax / 127.0f, id = d ? 1.0f / d : 0.0f;
        uint16_t h = f32_to_f16(d);
        memcpy(out + b * 34, &h, 2);
        for (int i = 0; i < 32; i++) out[b * 34 + 2 + i] = uint8_t(int8_t(std::roundf(xb[i] * id)));
      }
      return;
    case DType::Q4_0:
      for (int64_t b = 0; b < n / 32; b++) {
        const float* xb = x + b * 32;
        float amax = 0, maxv = 0;
        for (int i = 0; i < 32; i++) {
          if (amax < std::fabs(xb[i])) {
            amax = std::fabs(xb[i]);
            maxv = xb[i];
          }
        }
        float d = maxv / -8.0f, id = d ? 1.0f / d : 0.0f;
        uint16_t h = f32_to_f16(d);
        memcpy(out + b * 18, &h, 2);
        for (int i = 0; i < 16; i++) {
          int lo = std::min(15, int(int8_t(xb[i] * id + 8.5f)));
          int hi = std::min(15, int(int8_t(xb[16 + i] * id + 8.5f)));
          out[b * 18 + 2 + i] = uint8_t(lo | (hi << 4));
        }
      }
      return;
    default:
      return;
  }
}

inline bool is_kquant(DType t) { return t == DType::Q4_K || t == DType::Q5_K || t == DType::Q6_K; }
inline bool is_quant(DType t) { return t == DType::Q8_0 || t == DType::Q4_0 || is_kquant(t); }
inline int64_t act_block(DType t) { return is_kquant(t) ? 256 : 32; }

// K-quant blocks: random bytes (every scale, min and quant value is legal) with the f16
// super-block scales set to random values of a sane size (random bits could be inf/NaN).
inline void random_kquant_row(DType type, int64_t cols, std::mt19937& rng, uint8_t* out) {
  const DTypeInfo* info = dtype_info(type);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> u(-1, 1);
  for (size_t i = 0; i < dtype_row_bytes(type, uint64_t(cols)); i++) out[i] = uint8_t(byte(rng));
  for (int64_t b = 0; b < cols / 256; b++) {
    uint8_t* blk = out + b * info->block_bytes;
    for (int off : type == DType::Q6_K ? std::vector<int>{208} : std::vector<int>{0, 2}) {
      uint16_t h = f32_to_f16(u(rng) * 0.01f);
      memcpy(blk + off, &h, 2);
    }
  }
}

inline Matrix random_matrix(DType type, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  Matrix m;
  size_t rb = dtype_row_bytes(type, uint64_t(cols));
  m.bytes.resize(rb * size_t(rows) + 64);
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; r++) {
    for (auto& v : row) v = dist(rng);
    if (r % 7 == 3) row[size_t(r) % size_t(cols)] *= 40;  // an outlier per some rows
    if (is_kquant(type)) {
      random_kquant_row(type, cols, rng, m.bytes.data() + rb * size_t(r));
      continue;
    }
    encode_row(type, row.data(), cols, m.bytes.data() + rb * size_t(r));
  }
  m.t = Tensor{m.bytes.data(), type, rows, cols};
  return m;
}

inline std::vector<float> random_vector(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  if (n > 5) v[5] = 0.5f * 127.0f / 3.0f;  // exercises round-half-away cases near block max
  return v;
}

inline std::vector<float> run_matmul(const Tensor& W, const std::vector<float>& x, int n,
                                     kernels::Impl impl) {
  kernels::set_impl(impl);
  std::vector<float> out(size_t(W.rows) * size_t(n), -1.0f);
  if (n == 1) {
    kernels::matvec(out.data(), W, x.data());
  } else {
    kernels::matmul(out.data(), W, x.data(), n);
  }
  kernels::set_impl(kernels::Impl::Best);
  return out;
}

// Rows/cols shapes: odd rows (not multiples of 4 or 16), cols not multiples of 4/8/16
// where the type allows; quantized types need cols % 32 == 0.
struct Shape {
  int64_t rows, cols;
};
inline std::vector<Shape> shapes_for(DType type) {
  if (is_kquant(type)) return {{1, 256}, {3, 512}, {37, 768}, {67, 1280}, {131, 2048}};
  if (is_quant(type)) return {{1, 32}, {3, 64}, {37, 96}, {129, 160}, {67, 1056}, {515, 768}};
  return {{1, 1}, {3, 7}, {5, 13}, {37, 19}, {129, 61}, {67, 1027}, {515, 768}};
}

// Failures of one check, each printed (the first 20) with where it happened.
struct KernelFailures {
  const char* check;
  int count = 0;
  void operator()(const char* what, DType type, Shape s, int n, int64_t i, float a, float b) {
    if (count++ < 20)
      std::printf("FAIL %s%s: %s %lldx%lld n=%d index %lld: %.9g vs %.9g\n", check, what,
                  dtype_name(type), (long long)s.rows, (long long)s.cols, n, (long long)i,
                  double(a), double(b));
  }
};

// W x for n tokens by the dispatched kernels (Best), the scalar kernels and Best on one core:
// all three must give the same bits. Returns Best's results; the token's own matvec must
// equal them too (matmul == per-token matvec).
inline std::vector<float> run_and_compare_impls(const Matrix& m, const std::vector<float>& x, int n,
                                                Shape s, DType type, KernelFailures& fail) {
  auto best = run_matmul(m.t, x, n, kernels::Impl::Best);
  auto scal = run_matmul(m.t, x, n, kernels::Impl::Scalar);
  kernels::set_serial(true);
  auto serial = run_matmul(m.t, x, n, kernels::Impl::Best);
  kernels::set_serial(false);
  for (size_t i = 0; i < best.size(); i++) {
    if (std::memcmp(&best[i], &scal[i], 4))
      fail("best!=scalar", type, s, n, int64_t(i), best[i], scal[i]);
    if (std::memcmp(&best[i], &serial[i], 4))
      fail("parallel!=serial", type, s, n, int64_t(i), best[i], serial[i]);
  }
  for (int t = 0; t < n; t++) {
    std::vector<float> xt(x.begin() + t * s.cols, x.begin() + (t + 1) * s.cols);
    auto mv = run_matmul(m.t, xt, 1, kernels::Impl::Best);
    for (int64_t r = 0; r < s.rows; r++) {
      float got = best[size_t(t * s.rows + r)];
      if (std::memcmp(&got, &mv[size_t(r)], 4))
        fail("matmul!=matvec", type, s, n, t * s.rows + r, got, mv[size_t(r)]);
    }
  }
  return best;
}

// Compares the dispatched kernels (Best) against the scalar reference kernels (bit for bit),
// against ref::matvec (within the bound the arithmetic allows), matmul against per-token
// matvec (bit for bit), serial against parallel, and the baseline f16 kernel. Returns the
// number of failures and prints each one.
inline int check_kernels() {
  KernelFailures fail{""};
  const DType types[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q8_0,
                         DType::Q4_0, DType::Q4_K, DType::Q5_K, DType::Q6_K};
  uint32_t seed = 1;
  for (DType type : types) {
    bool quant = is_quant(type);
    const int64_t ab = act_block(type);
    for (Shape s : shapes_for(type)) {
      Matrix m = random_matrix(type, s.rows, s.cols, seed++);
      for (int n : {1, 3, 6}) {
        std::vector<float> x = random_vector(s.cols * n, seed++);
        auto best = run_and_compare_impls(m, x, n, s, type, fail);
        std::vector<float> row(static_cast<size_t>(s.cols)), one(static_cast<size_t>(s.rows));
        for (int t = 0; t < n; t++) {
          std::vector<float> xt(x.begin() + t * s.cols, x.begin() + (t + 1) * s.cols);
          ref::matvec(one.data(), m.t, xt.data());
          for (int64_t r = 0; r < s.rows; r++) {
            float got = best[size_t(t * s.rows + r)];
            // Error bound: fp32 rounding (both sides) plus, for quantized weights, the
            // activation rounding of half a step per element: sum |w| * amax_block / 254
            // (activation blocks of 32, or 256 for K-quants).
            tensor_dequantize_row(m.t, r, row.data());
            double mag = 0, qerr = 0;
            for (int64_t c = 0; c < s.cols; c++)
              mag += std::fabs(double(row[size_t(c)]) * xt[size_t(c)]);
            if (quant) {
              for (int64_t b = 0; b < s.cols / ab; b++) {
                double amax = 0, wsum = 0;
                for (int64_t i = 0; i < ab; i++) {
                  amax = std::max(amax, std::fabs(double(xt[size_t(b * ab + i)])));
                  wsum += std::fabs(double(row[size_t(b * ab + i)]));
                }
                qerr += wsum * amax / 254.0 * 1.0001;
              }
            }
            double tol = 4e-6 * mag + qerr + 1e-30;
            if (std::fabs(double(got) - double(one[size_t(r)])) > tol)
              fail("vs ref::matvec", type, s, n, r, got, one[size_t(r)]);
          }
        }
        if (type == DType::F16) {
          auto base = run_matmul(m.t, x, n, kernels::Impl::Baseline);
          for (size_t i = 0; i < best.size(); i++)
            if (std::memcmp(&best[i], &base[i], 4))
              fail("baseline!=best", type, s, n, int64_t(i), best[i], base[i]);
        }
      }
    }
  }
  return fail.count;
}

// Quantized prefill (matmul over a chunk of up to 64 tokens): the NEON kernel works on
// blocks of 4 rows x 4 tokens, so rows that are not a multiple of 4 and token counts that
// are not a multiple of 4 take the edge paths. Every (row, token) must equal the scalar
// kernel's and the token's own matvec bit for bit (serial and parallel).
inline int check_quant_prefill() {
  KernelFailures fail{"prefill "};
  const std::vector<Shape> shapes = {{1, 32}, {5, 64}, {7, 96}, {18, 160}, {35, 1056}, {70, 64}};
  const std::vector<Shape> k_shapes = {{1, 256}, {5, 512}, {7, 256}, {18, 768}, {35, 1280}};
  const int counts[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 31, 64};
  uint32_t seed = 1000;
  for (DType type : {DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    for (Shape s : is_kquant(type) ? k_shapes : shapes) {
      Matrix m = random_matrix(type, s.rows, s.cols, seed++);
      for (int n : counts) {
        std::vector<float> x = random_vector(s.cols * n, seed++);
        for (int t = 1; t < n; t += 3) x[size_t(t * s.cols)] *= 1e4f;  // very different d_x
        run_and_compare_impls(m, x, n, s, type, fail);
      }
    }
  }
  return fail.count;
}

}  // namespace inferpi::testing
