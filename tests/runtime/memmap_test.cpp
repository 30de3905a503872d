#include "runtime/core/memmap.h"

#include <gtest/gtest.h>

#include "dtb_fixture.h"

using inferpi::Fdt;
using inferpi::MemoryMap;
using inferpi::MemRegion;

namespace {
MemoryMap map_from(const std::string& name, uint64_t dtb_address) {
  auto blob = load_dtb(name);
  Fdt fdt;
  EXPECT_TRUE(fdt.init(blob.data(), blob.size()).is_ok()) << name;
  MemoryMap m;
  inferpi::Status st = m.add_ram_from_fdt(fdt);
  EXPECT_TRUE(st.is_ok()) << st.message();
  st = m.reserve_from_fdt(fdt, dtb_address);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return m;
}
constexpr uint64_t MiB = 1ull << 20;
}  // namespace

TEST(MemoryMap, Pi4OneGigabyte) {
  MemoryMap m = map_from("pi4-1gb.dtb", 0x2eff0000);
  ASSERT_EQ(m.ram_count(), 1u);
  EXPECT_EQ(m.ram(0).base, 0u);
  EXPECT_EQ(m.ram(0).size, 0x3b400000u);
  EXPECT_EQ(m.total_ram(), 0x3b400000u);
}

TEST(MemoryMap, Pi4FourGigabytes) {
  MemoryMap m = map_from("pi4-4gb.dtb", 0x2eff0000);
  ASSERT_EQ(m.ram_count(), 2u);
  EXPECT_EQ(m.ram(1).base, 0x40000000u);
  EXPECT_EQ(m.ram(1).end(), 0xfc000000u);
  EXPECT_EQ(m.total_ram(), 0x3b400000ull + 0xbc000000ull);
  // The kernel image and page 0 are reserved by the kernel itself.
  ASSERT_TRUE(m.reserve(0, 0x1000, "spin table").is_ok());
  ASSERT_TRUE(m.reserve(0x80000, 6 * MiB, "kernel image").is_ok());
  MemRegion largest = m.largest_free();
  EXPECT_EQ(largest.base, 0x40000000u);
  EXPECT_EQ(largest.size, 0xbc000000u);
  MemRegion f[64];
  size_t n = m.free_ranges(f, 64);
  ASSERT_GE(n, 3u);
  EXPECT_EQ(f[0].base, 0x1000u);
  EXPECT_EQ(f[0].end(), 0x80000u);
  EXPECT_EQ(f[1].base, 0x80000u + 6 * MiB);
}

TEST(MemoryMap, Pi4EightGigabytes) {
  MemoryMap m = map_from("pi4-8gb.dtb", 0x2eff0000);
  EXPECT_EQ(m.total_ram(), 0x3b400000ull + 0xbc000000ull + 0x100000000ull);
  EXPECT_EQ(m.ram(m.ram_count() - 1).end(), 0x200000000ull);
}

TEST(MemoryMap, UpstreamPi4DtbWithoutRamIsAnError) {
  auto blob = load_dtb("pi4-upstream.dtb");
  Fdt fdt;
  ASSERT_TRUE(fdt.init(blob.data(), blob.size()).is_ok());
  MemoryMap m;
  EXPECT_FALSE(m.add_ram_from_fdt(fdt).is_ok());  // reg = <0 0 0>: firmware fills it in
}

TEST(MemoryMap, VirtTwoGigabytesMinusDtb) {
  MemoryMap m = map_from("virt-2g-4cpu.dtb", 0x40000000);
  ASSERT_EQ(m.ram_count(), 1u);
  EXPECT_EQ(m.ram(0).base, 0x40000000u);
  EXPECT_EQ(m.total_ram(), 2048 * MiB);
  MemRegion largest = m.largest_free();
  EXPECT_EQ(largest.base, 0x40000000u + MiB);  // the 1 MiB DTB is reserved
  EXPECT_EQ(largest.size, 2047 * MiB);
}

TEST(MemoryMap, TakeLowRespectsLimitAlignmentAndReservations) {
  MemoryMap m;
  ASSERT_TRUE(m.add_ram(0, 1024 * MiB).is_ok());
  ASSERT_TRUE(m.add_ram(0x40000000, 3072 * MiB).is_ok());
  ASSERT_TRUE(m.reserve(0, 0x1000, "page 0").is_ok());
  uint64_t a = 0;
  ASSERT_TRUE(m.take_low(16 * MiB, 2 * MiB, 1ull << 30, "dma", &a));
  EXPECT_EQ(a, 2 * MiB);
  uint64_t b = 0;
  ASSERT_TRUE(m.take_low(16 * MiB, 4096, 1ull << 30, "heap", &b));
  EXPECT_EQ(b, 18 * MiB);  // [4 KiB, 2 MiB) is too small: first fit is after the DMA block
  uint64_t c = 0;
  EXPECT_FALSE(m.take_low(2048 * MiB, 4096, 1ull << 30, "too big", &c));
  MemRegion r;
  ASSERT_TRUE(m.take_largest(4096, "arena", &r));
  EXPECT_EQ(r.base, 0x40000000u);
  EXPECT_EQ(r.size, 3072 * MiB);
  EXPECT_EQ(m.largest_free().base, 34 * MiB);
  EXPECT_EQ(m.largest_free().size, 990 * MiB);
}

TEST(MemoryMap, OverlappingRamIsRejected) {
  MemoryMap m;
  ASSERT_TRUE(m.add_ram(0, 100 * MiB).is_ok());
  EXPECT_FALSE(m.add_ram(50 * MiB, 100 * MiB).is_ok());
}
