// tools/pylib/gguf_writer.py read back by the C++ reader: every metadata type, arrays,
// tensor shapes/types/offsets, alignment. (llama.cpp reading the same files is the peer
// test in tests/peer.)
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engines/gguf/gguf.h"

using namespace inferpi;

TEST(GgufWriter, PythonWriterRoundTrips) {
  std::string path = std::string(GGUF_TMP_DIR) + "/writer_roundtrip.gguf";
  std::string script = std::string(GGUF_TMP_DIR) + "/writer_roundtrip.py";
  {
    std::ofstream py(script);
    py << "import sys, numpy as np\n"
          "sys.path.insert(0, '" INFERPI_SOURCE_DIR
          "/tools')\n"
          "from pylib import gguf_writer as g, quant\n"
          "w = g.GGUFWriter()\n"
          "w.add('u8', 200, g.U8); w.add('i8', -5, g.I8); w.add('u16', 60000, g.U16)\n"
          "w.add('i16', -300, g.I16); w.add('u32', 4000000000, g.U32); w.add('i32', -7, g.I32)\n"
          "w.add('f32', 0.5, g.F32); w.add('bool', True); w.add('str', 'h\\u00e9llo')\n"
          "w.add('u64', 2**40, g.U64); w.add('i64', -2**40, g.I64); w.add('f64', 0.1, g.F64)\n"
          "w.add('arr.f32', [1.5, -2.0], g.ARRAY, g.F32)\n"
          "w.add('arr.i32', [3, -4, 5], g.ARRAY, g.I32)\n"
          "w.add('arr.str', ['a', '', '\\u2581b'], g.ARRAY, g.STRING)\n"
          "w.add_tensor('vec', np.arange(8, dtype=np.float32), quant.F32)\n"
          "w.add_tensor('mat', np.ones((3, 64), np.float32), quant.Q8_0)\n"
          "w.add_tensor('half', np.full((2, 4), 2.0, np.float32), quant.F16)\n"
          "w.write(sys.argv[1])\n";
  }
  std::string cmd = std::string(INFERPI_PYTHON) + " " + script + " " + path;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  std::vector<uint8_t> mem(1 << 16);
  Arena arena(mem.data(), mem.size());
  gguf::GgufFile f;
  Status st = f.parse(bytes.data(), bytes.size(), arena);
  ASSERT_TRUE(st) << st.message();
  uint64_t u = 0;
  double d = 0;
  bool b = false;
  gguf::Str s;
  ASSERT_TRUE(f.get_uint("u8", &u));
  EXPECT_EQ(u, 200u);
  ASSERT_TRUE(f.get_uint("u16", &u));
  EXPECT_EQ(u, 60000u);
  ASSERT_TRUE(f.get_uint("u32", &u));
  EXPECT_EQ(u, 4000000000u);
  ASSERT_TRUE(f.get_uint("u64", &u));
  EXPECT_EQ(u, 1ull << 40);
  Status neg;
  EXPECT_FALSE(f.get_uint("i8", &u, &neg));
  EXPECT_FALSE(neg);
  ASSERT_TRUE(f.get_float("i16", &d));
  EXPECT_EQ(d, -300);
  ASSERT_TRUE(f.get_float("i32", &d));
  EXPECT_EQ(d, -7);
  ASSERT_TRUE(f.get_float("i64", &d));
  EXPECT_EQ(d, -1099511627776.0);
  ASSERT_TRUE(f.get_float("f32", &d));
  EXPECT_EQ(d, 0.5);
  ASSERT_TRUE(f.get_float("f64", &d));
  EXPECT_EQ(d, 0.1);
  ASSERT_TRUE(f.get_bool("bool", &b));
  EXPECT_TRUE(b);
  ASSERT_TRUE(f.get_string("str", &s));
  EXPECT_TRUE(s.equals("h\xc3\xa9llo"));
  gguf::Array a;
  ASSERT_TRUE(f.get_array("arr.f32", &a));
  EXPECT_EQ(a.count, 2u);
  EXPECT_EQ(a.float_at(1), -2.0);
  ASSERT_TRUE(f.get_array("arr.i32", &a));
  EXPECT_EQ(a.count, 3u);
  EXPECT_EQ(a.int_at(1), -4);
  ASSERT_TRUE(f.get_array("arr.str", &a));
  gguf::StringCursor c(a);
  ASSERT_TRUE(c.next(&s));
  EXPECT_TRUE(s.equals("a"));
  ASSERT_TRUE(c.next(&s));
  EXPECT_EQ(s.size, 0u);
  ASSERT_TRUE(c.next(&s));
  EXPECT_TRUE(
      s.equals("\xe2\x96\x81"
               "b"));
  EXPECT_FALSE(c.next(&s));

  const gguf::TensorInfo* vec = f.find_tensor("vec");
  ASSERT_NE(vec, nullptr);
  EXPECT_EQ(vec->n_dims, 1u);
  EXPECT_EQ(vec->as_tensor().f32()[7], 7.0f);
  const gguf::TensorInfo* mat = f.find_tensor("mat");
  ASSERT_NE(mat, nullptr);
  EXPECT_EQ(mat->type, DType::Q8_0);
  EXPECT_EQ(mat->ne[0], 64u);
  EXPECT_EQ(mat->ne[1], 3u);
  EXPECT_EQ(mat->offset % 32, 0u);
  EXPECT_NEAR(tensor_get(mat->as_tensor(), 2, 63), 1.0f, 1e-3);  // q8_0: 127 * f16(1/127)
  const gguf::TensorInfo* half = f.find_tensor("half");
  ASSERT_NE(half, nullptr);
  EXPECT_EQ(tensor_get(half->as_tensor(), 1, 3), 2.0f);
}
