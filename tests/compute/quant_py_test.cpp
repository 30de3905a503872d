// tools/pylib/quant.py (what every exporter writes) against ggml's reference quantizers
// (quantize_row_q8_0_ref / q4_0_ref semantics, transcribed in kernel_cases.h): byte-exact.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/compute/kernel_cases.h"

namespace inferpi {

static std::vector<uint8_t> slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

TEST(QuantPy, Q8_0AndQ4_0AreByteExactWithGgml) {
  std::string dir = ::testing::TempDir() + "/quant_py";
  std::filesystem::create_directories(dir);
  std::string cmd = std::string(INFERPI_PYTHON) + " " + INFERPI_SOURCE_DIR +
                    "/tests/compute/quant_cases.py " + dir;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::vector<uint8_t> xb = slurp(dir + "/x.f32");
  ASSERT_EQ(xb.size() % 128, 0u);
  std::vector<float> x(xb.size() / 4);
  std::memcpy(x.data(), xb.data(), xb.size());
  const int64_t n = int64_t(x.size());
  for (DType t : {DType::Q8_0, DType::Q4_0}) {
    std::vector<uint8_t> py = slurp(dir + (t == DType::Q8_0 ? "/q8_0.bin" : "/q4_0.bin"));
    std::vector<uint8_t> ref(dtype_row_bytes(t, uint64_t(n)));
    testing::encode_row(t, x.data(), n, ref.data());
    ASSERT_EQ(py.size(), ref.size()) << dtype_name(t);
    const size_t blk = t == DType::Q8_0 ? 34 : 18;
    int bad = 0;
    for (size_t i = 0; i < ref.size(); i++) {
      if (py[i] != ref[i] && bad++ < 10)
        ADD_FAILURE() << dtype_name(t) << " block " << i / blk << " byte " << i % blk << ": python "
                      << int(py[i]) << " ggml " << int(ref[i]);
    }
    EXPECT_EQ(bad, 0) << dtype_name(t);
  }
}

}  // namespace inferpi
