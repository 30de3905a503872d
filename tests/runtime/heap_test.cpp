#include "runtime/core/heap.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "runtime/core/arena.h"

using inferpi::Heap;

TEST(Heap, AllocFreeCoalescesBackToOneBlock) {
  alignas(16) static uint8_t mem[64 * 1024];
  Heap h;
  h.init(mem, sizeof mem);
  size_t initial = h.largest_free();
  void* a = h.alloc(100);
  void* b = h.alloc(1000, 256);
  void* c = h.alloc(10);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 256, 0u);
  EXPECT_EQ(h.allocations(), 3u);
  EXPECT_TRUE(h.free(b));
  EXPECT_TRUE(h.free(a));
  EXPECT_TRUE(h.free(c));
  EXPECT_EQ(h.allocations(), 0u);
  EXPECT_EQ(h.largest_free(), initial);
  EXPECT_EQ(h.free_bytes(), h.capacity());
}

TEST(Heap, RejectsDoubleFreeForeignPointersAndHugeRequests) {
  alignas(16) static uint8_t mem[4096];
  Heap h;
  h.init(mem, sizeof mem);
  void* a = h.alloc(64);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(h.free(a));
  EXPECT_FALSE(h.free(a));
  int local = 0;
  EXPECT_FALSE(h.free(&local));
  EXPECT_EQ(h.alloc(SIZE_MAX), nullptr);
  EXPECT_EQ(h.alloc(8192), nullptr);
  EXPECT_EQ(h.alloc(16, 3), nullptr);  // not a power of two
}

TEST(Heap, RandomWorkloadKeepsDataIntact) {
  alignas(16) static uint8_t mem[256 * 1024];
  Heap h;
  h.init(mem, sizeof mem);
  std::mt19937 rng(7);
  struct Live {
    uint8_t* p;
    size_t n;
    uint8_t tag;
  };
  std::vector<Live> live;
  for (int i = 0; i < 20000; ++i) {
    if (live.empty() || rng() % 3) {
      size_t n = rng() % 2000 + 1;
      size_t align = size_t(16) << (rng() % 4);
      auto* p = static_cast<uint8_t*>(h.alloc(n, align));
      if (!p) continue;
      ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u);
      uint8_t tag = uint8_t(rng());
      memset(p, tag, n);
      live.push_back({p, n, tag});
    } else {
      size_t k = rng() % live.size();
      for (size_t j = 0; j < live[k].n; ++j) ASSERT_EQ(live[k].p[j], live[k].tag);
      ASSERT_TRUE(h.free(live[k].p));
      live[k] = live.back();
      live.pop_back();
    }
  }
  for (auto& l : live) ASSERT_TRUE(h.free(l.p));
  EXPECT_EQ(h.free_bytes(), h.capacity());
}

// The model arena: mark before a model, reset after, and the memory is all back.
TEST(Arena, MarkResetThrowsAwayAModel) {
  static uint8_t mem[1 << 20];
  inferpi::Arena a(mem, sizeof mem);
  void* keep = a.alloc(1000);
  ASSERT_NE(keep, nullptr);
  auto m = a.mark();
  size_t before = a.remaining();
  ASSERT_NE(a.alloc(500000), nullptr);
  ASSERT_NE(a.alloc(400000), nullptr);
  EXPECT_EQ(a.alloc(200000), nullptr);
  a.reset(m);
  EXPECT_EQ(a.remaining(), before);
  EXPECT_NE(a.alloc(800000), nullptr);
}
