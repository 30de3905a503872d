// Dequantizers for Q4_1/Q5_0/Q5_1/Q4_K/Q5_K/Q6_K against the numpy reference in
// dequant_ref.py (written from docs/formats.md §6.8), and the matvec kernels against
// dequantize-then-dot.
#include <gtest/gtest.h>

#include <cstdio>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "engines/core/ops.h"
#include "engines/core/tensor.h"
#include "engines/kernels/gguf_kernels.h"

using namespace inferpi;

namespace {

struct Case {
  uint32_t type;
  uint32_t n_blocks;
  std::vector<uint8_t> blocks;
  std::vector<float> expected;
};

std::vector<Case> load_reference() {
  // One file per test: CTest runs the tests of this binary as parallel processes.
  std::string out = std::string(GGUF_TMP_DIR) + "/dequant_ref_" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".bin";
  std::string cmd = std::string(INFERPI_PYTHON) + " " + GGUF_TEST_DIR + "/dequant_ref.py " + out;
  if (std::system(cmd.c_str()) != 0) return {};
  std::vector<Case> cases;
  FILE* f = fopen(out.c_str(), "rb");
  if (!f) return {};
  uint32_t hdr[2];
  while (fread(hdr, 4, 2, f) == 2) {
    Case c{hdr[0], hdr[1], {}, {}};
    const DTypeInfo* info = dtype_info(c.type);
    if (!info) break;
    c.blocks.resize(size_t(c.n_blocks) * info->block_bytes);
    c.expected.resize(size_t(c.n_blocks) * info->block_elems);
    if (fread(c.blocks.data(), 1, c.blocks.size(), f) != c.blocks.size()) break;
    if (fread(c.expected.data(), 4, c.expected.size(), f) != c.expected.size()) break;
    cases.push_back(std::move(c));
  }
  fclose(f);
  return cases;
}

}  // namespace

TEST(GgufDequant, MatchesNumpyReferenceExactly) {
  std::vector<Case> cases = load_reference();
  ASSERT_EQ(cases.size(), 6u) << "dequant_ref.py failed (needs numpy in " INFERPI_PYTHON ")";
  for (const Case& c : cases) {
    SCOPED_TRACE(dtype_name(DType(c.type)));
    const DTypeInfo* info = dtype_info(c.type);
    // Dequantize as one row holding all blocks.
    Tensor t{c.blocks.data(), DType(c.type), 1, int64_t(c.n_blocks) * info->block_elems};
    std::vector<float> got(c.expected.size());
    tensor_dequantize_row(t, 0, got.data());
    int bad = 0;
    for (size_t i = 0; i < got.size(); i++) {
      if (got[i] != c.expected[i] && bad++ < 5) {
        ADD_FAILURE() << "element " << i << ": got " << got[i] << " want " << c.expected[i];
      }
    }
    EXPECT_EQ(bad, 0);
    // tensor_get goes through the same code one block at a time.
    EXPECT_EQ(tensor_get(t, 0, t.cols - 1), c.expected.back());
  }
}

TEST(GgufMatvec, HandlesOnlyItsTypes) {
  for (DType d : {DType::Q4_1, DType::Q5_0, DType::Q5_1}) EXPECT_TRUE(kernels::gguf_handles(d));
  // K-quants go through the row kernels (engines/kernels/kquant_*.cpp).
  for (DType d : {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_K,
                  DType::Q5_K, DType::Q6_K})
    EXPECT_FALSE(kernels::gguf_handles(d));
  float out = 0, x = 0;
  Tensor w{reinterpret_cast<const uint8_t*>(&x), DType::F32, 1, 1};
  EXPECT_FALSE(kernels::gguf_matvec(&out, w, &x));
}

TEST(GgufMatvec, MatchesDequantizeThenDot) {
  std::vector<Case> cases = load_reference();
  ASSERT_EQ(cases.size(), 6u);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  for (const Case& c : cases) {
    SCOPED_TRACE(dtype_name(DType(c.type)));
    const DTypeInfo* info = dtype_info(c.type);
    // Reuse the blocks as a [rows, cols] matrix with 2 blocks per row (K: 512 cols).
    const int64_t cols = 2 * info->block_elems, rows = c.n_blocks / 2;
    Tensor W{c.blocks.data(), DType(c.type), rows, cols};
    std::vector<float> x(static_cast<size_t>(cols)), got(static_cast<size_t>(rows)),
        want(static_cast<size_t>(rows));
    for (float& v : x) v = u(rng);
    ref::matvec(want.data(), W, x.data());
    const bool k_quant = info->block_elems == 256;
    if (k_quant) {
      // Row kernels with Q8_K activations: off by at most half a step of x per element.
      ops::matvec(got.data(), W, x.data());
    } else {
      ASSERT_TRUE(kernels::gguf_matvec(got.data(), W, x.data()));
    }
    for (int64_t r = 0; r < rows; r++) {
      double scale = 0, qerr = 0;
      for (int64_t k = 0; k < cols; k++) scale += std::abs(c.expected[r * cols + k] * x[k]);
      for (int64_t k = 0; k_quant && k < cols; k++) {
        double amax = 0;
        for (int64_t i = k / 256 * 256; i < k / 256 * 256 + 256; i++)
          amax = std::max(amax, double(std::abs(x[i])));
        qerr += std::abs(c.expected[r * cols + k]) * amax / 254.0 * 1.0001;
      }
      EXPECT_NEAR(got[r], want[r], 1e-5 * scale + qerr + 1e-6) << "row " << r;
    }
    // Through ops::matvec (kernel dispatch) as an engine would call it.
    std::vector<float> via(static_cast<size_t>(rows));
    ops::matvec(via.data(), W, x.data());
    EXPECT_EQ(via, got);
  }
}
