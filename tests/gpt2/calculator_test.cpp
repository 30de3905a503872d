// nanochat's calculator tool: our parser against Python's own eval/str on thousands of
// generated expressions, and Python's float repr on random doubles.
#include <gtest/gtest.h>

#include "engines/gpt2/calculator.h"
#include "tests/gpt2/gpt2_test_util.h"

using namespace gpt2test;

namespace {

std::string calc(const std::string& expr) {
  char out[128];
  if (!inferpi::nanochat_calculator(expr.data(), expr.size(), out, sizeof(out))) return "<none>";
  return out;
}

Json reference() {
  std::string out;
  EXPECT_EQ(run(std::string(INFERPI_PYTHON) + " " + INFERPI_SOURCE_DIR +
                    "/tests/gpt2/calculator_reference.py 5",
                &out),
            0)
      << out.substr(0, 300);
  return parse_json(out);
}

}  // namespace

TEST(Calculator, MatchesPythonEvalOnGeneratedExpressions) {
  Json ref = reference();
  int checked = 0, mismatches = 0;
  for (const Json& row : ref["exprs"].arr) {
    const std::string& expr = row[0].str;
    // Documented differences: 64-bit ints, non-numbers such as "()".
    if (row[1].type == Json::String && (row[1].str == "BIGINT" || row[1].str == "NONNUM")) continue;
    std::string want = row[1].type == Json::Null ? "<none>" : row[1].str;
    std::string got = calc(expr);
    if (got != want && ++mismatches <= 8)
      ADD_FAILURE() << expr << " -> " << got << ", Python: " << want;
    checked++;
  }
  EXPECT_GE(checked, 2500);
  EXPECT_EQ(mismatches, 0);
}

TEST(Calculator, FloatReprMatchesPython) {
  Json ref = reference();
  int mismatches = 0;
  for (const Json& row : ref["floats"].arr) {
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++)
      bits |= uint64_t(std::stoul(row[0].str.substr(size_t(i) * 2, 2), nullptr, 16)) << (8 * i);
    double v;
    memcpy(&v, &bits, 8);
    char out[64];
    inferpi::python_float_repr(v, out, sizeof(out));
    if (row[1].str != out && ++mismatches <= 8)
      ADD_FAILURE() << "repr " << row[1].str << " got " << out;
  }
  EXPECT_GE(ref["floats"].arr.size(), 2000u);
  EXPECT_EQ(mismatches, 0);
}

TEST(Calculator, NanochatExamplesAndRefusals) {
  EXPECT_EQ(calc("12/60"), "0.2");
  EXPECT_EQ(calc("2+3"), "5");
  EXPECT_EQ(calc("123,456 * 789"), "97406784");
  EXPECT_EQ(calc("'strawberry'.count('r')"), "3");
  EXPECT_EQ(calc("\"banana\".count(\"a\")"), "3");
  EXPECT_EQ(calc("2**10"), "<none>");             // power is refused
  EXPECT_EQ(calc("__import__('os')"), "<none>");  // not arithmetic, no .count
  EXPECT_EQ(calc("'a'.count('a') + open('x')"), "<none>");
  EXPECT_EQ(calc("1/0"), "<none>");
  EXPECT_EQ(calc("99999999999*99999999999"), "<none>");  // beyond 64 bits (Python: a big int)
  EXPECT_EQ(calc(std::string(600, '1')), "<none>");
}
