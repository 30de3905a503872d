#include "runtime/core/arena.h"

#include <gtest/gtest.h>

#include <vector>

using inferpi::Arena;

TEST(Arena, AlignsAndRefusesWhenFull) {
  std::vector<uint8_t> mem(4096);
  Arena a(mem.data(), mem.size());
  void* p = a.alloc(10, 64);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  EXPECT_EQ(a.alloc(100000), nullptr);
  EXPECT_EQ(a.alloc(SIZE_MAX), nullptr);
  EXPECT_EQ(a.alloc_array<double>(SIZE_MAX / 4), nullptr);  // overflow in count*size
}

TEST(Arena, MarkResetReusesMemory) {
  std::vector<uint8_t> mem(1 << 16);
  Arena a(mem.data(), mem.size());
  a.alloc(100);
  auto mark = a.mark();
  void* model1 = a.alloc(40000);
  ASSERT_NE(model1, nullptr);
  EXPECT_EQ(a.alloc(40000), nullptr);  // a second model does not fit
  a.reset(mark);
  void* model2 = a.alloc(40000);
  EXPECT_EQ(model2, model1);  // same memory after the reset
  EXPECT_GE(a.high_water(), 40100u);
}
