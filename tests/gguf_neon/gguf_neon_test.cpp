// Runs under qemu-aarch64 -cpu cortex-a72: every GGUF NEON matvec kernel against the scalar
// dequantize-then-dot reference, on random blocks, several shapes and row ranges. Plain
// main() (no GoogleTest for the cross target); exit status 0 = pass.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "engines/core/dtype.h"
#include "engines/core/tensor.h"
#include "engines/kernels/gguf_kernels.h"

using namespace inferpi;

namespace {

// Offsets of the fp16 fields per type (random bytes there could be inf/NaN).
std::vector<int> f16_fields(DType t) {
  switch (t) {
    case DType::Q4_1:
      return {0, 2};
    case DType::Q5_0:
      return {0};
    case DType::Q5_1:
      return {0, 2};
    default:
      return {};
  }
}

int check(DType type, int64_t rows, int64_t blocks_per_row, std::mt19937& rng) {
  const DTypeInfo* info = dtype_info(type);
  const int64_t cols = blocks_per_row * info->block_elems;
  const size_t row_bytes = size_t(blocks_per_row) * info->block_bytes;
  std::vector<uint8_t> w(size_t(rows) * row_bytes);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> u(-1, 1);
  for (uint8_t& b : w) b = uint8_t(byte(rng));
  for (size_t blk = 0; blk < w.size() / info->block_bytes; blk++) {
    for (int off : f16_fields(type)) {
      uint16_t h = f32_to_f16(u(rng) * 0.05f);
      memcpy(&w[blk * info->block_bytes + size_t(off)], &h, 2);
    }
  }
  const size_t ncols = size_t(cols), nrows = size_t(rows);
  std::vector<float> x(ncols), sums(ncols / 32);
  for (float& v : x) v = u(rng);
  kernels::gguf_x_sums(x.data(), cols, sums.data());
  Tensor W{w.data(), type, rows, cols};
  std::vector<float> want(nrows), got(nrows), deq(ncols);
  kernels::gguf_matvec_rows_scalar(want.data(), W, x.data(), 0, rows);
  // Split the rows in two ranges to check r0/r1 handling.
  int64_t mid = rows / 3;
  kernels::gguf_matvec_rows_neon(got.data(), W, x.data(), sums.data(), 0, mid);
  kernels::gguf_matvec_rows_neon(got.data() + mid, W, x.data(), sums.data(), mid, rows);
  int failures = 0;
  for (int64_t r = 0; r < rows; r++) {
    tensor_dequantize_row(W, r, deq.data());
    double mag = 0;
    for (size_t c = 0; c < ncols; c++) {
      mag += double(deq[c] < 0 ? -deq[c] : deq[c]) * double(x[c] < 0 ? -x[c] : x[c]);
    }
    double err = double(got[size_t(r)]) - double(want[size_t(r)]);
    if (err < 0) err = -err;
    if (err > 2e-6 * mag + 1e-6) {
      if (failures++ < 3) {
        printf("FAIL %s rows=%lld cols=%lld row %lld: neon %.9g scalar %.9g (|a|.|x| %.3g)\n",
               info->name, (long long)rows, (long long)cols, (long long)r, double(got[size_t(r)]),
               double(want[size_t(r)]), mag);
      }
    }
  }
  return failures;
}

}  // namespace

int main() {
  std::mt19937 rng(12345);
  int failures = 0, checks = 0;
  for (DType t : {DType::Q4_1, DType::Q5_0, DType::Q5_1}) {
    for (int64_t bpr : {1, 2, 7, 18, 152}) {
      for (int64_t rows : {1, 5, 33}) {
        failures += check(t, rows, bpr, rng);
        checks++;
      }
    }
    printf("%s: checked\n", dtype_name(t));
  }
  printf("%d shape checks, %d failing rows\n", checks, failures);
  return failures ? 1 : 0;
}
