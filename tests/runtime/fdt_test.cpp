#include "runtime/core/fdt.h"

#include <gtest/gtest.h>

#include <cstring>

#include "dtb_fixture.h"
#include "runtime/core/kstring.h"

using inferpi::Fdt;

TEST(Fdt, VirtTreeFindsUartPsciAndPcie) {
  auto blob = load_dtb("virt-2g-4cpu.dtb");
  ASSERT_FALSE(blob.empty());
  Fdt fdt;
  ASSERT_TRUE(fdt.init(blob.data(), blob.size()).is_ok());
  EXPECT_EQ(fdt.total_size(), blob.size());
  int psci = fdt.find("/psci");
  ASSERT_GE(psci, 0);
  ASSERT_NE(fdt.prop_string(psci, "method"), nullptr);
  EXPECT_STREQ(fdt.prop_string(psci, "method"), "smc");
  uint32_t cpu_on = 0;
  EXPECT_TRUE(fdt.prop_u32(psci, "cpu_on", &cpu_on));
  EXPECT_EQ(cpu_on, 0xc4000003u);
  int uart = fdt.find("/pl011@9000000");
  ASSERT_GE(uart, 0);
  EXPECT_TRUE(fdt.prop_has_string(uart, "compatible", "arm,pl011"));
  int pcie = fdt.find("/pcie@10000000");
  ASSERT_GE(pcie, 0);
  const uint8_t* reg;
  uint32_t len;
  ASSERT_TRUE(fdt.prop(pcie, "reg", &reg, &len));
  uint32_t pos = 0;
  uint64_t ecam = 0, size = 0;
  ASSERT_TRUE(Fdt::read_cells(reg, len, &pos, 2, &ecam));
  ASSERT_TRUE(Fdt::read_cells(reg, len, &pos, 2, &size));
  EXPECT_EQ(ecam, 0x4010000000ull);
  EXPECT_EQ(size, 0x10000000ull);
  // Count the cpus.
  int cpus = fdt.find("/cpus");
  ASSERT_GE(cpus, 0);
  int n = 0;
  for (int c = fdt.first_child(cpus); c >= 0; c = fdt.next_sibling(c))
    if (strncmp(fdt.name(c), "cpu@", 4) == 0) ++n;
  EXPECT_EQ(n, 4);
}

TEST(Fdt, Pi4TreeHasSpinTableAndPcieDmaRanges) {
  auto blob = load_dtb("pi4-4gb.dtb");
  Fdt fdt;
  ASSERT_TRUE(fdt.init(blob.data(), blob.size()).is_ok());
  int cpu1 = fdt.find("/cpus/cpu@1");
  ASSERT_GE(cpu1, 0);
  EXPECT_STREQ(fdt.prop_string(cpu1, "enable-method"), "spin-table");
  const uint8_t* rel;
  uint32_t len;
  ASSERT_TRUE(fdt.prop(cpu1, "cpu-release-addr", &rel, &len));
  uint32_t pos = 0;
  uint64_t addr = 0;
  ASSERT_TRUE(Fdt::read_cells(rel, len, &pos, len / 4, &addr));
  EXPECT_EQ(addr, 0xe0u);  // pi4-hardware.md §1.4: 0xD8 + 8 * core
  int pcie = fdt.find("/scb/pcie@7d500000");
  ASSERT_GE(pcie, 0);
  const uint8_t* dr;
  ASSERT_TRUE(fdt.prop(pcie, "dma-ranges", &dr, &len));
  EXPECT_EQ(len, 7u * 4);
  // "/memory" matches "memory@0".
  EXPECT_GE(fdt.find("/memory"), 0);
  EXPECT_EQ(fdt.find("/no/such/node"), -1);
}

TEST(Fdt, RejectsBadMagicAndTruncation) {
  auto blob = load_dtb("pi4-1gb.dtb");
  Fdt fdt;
  EXPECT_FALSE(fdt.init(blob.data(), 10).is_ok());
  EXPECT_FALSE(fdt.init(blob.data(), blob.size() - 1).is_ok());  // totalsize does not fit
  auto bad = blob;
  bad[0] ^= 0xff;
  inferpi::Status st = fdt.init(bad.data(), bad.size());
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(std::strstr(st.message(), "magic"), nullptr);
  EXPECT_FALSE(fdt.valid());
  EXPECT_EQ(fdt.find("/"), -1);
}

// Every single-byte corruption of the header and structure block either parses or gives an
// error; none may read out of bounds (run under ASan/valgrind to see it; here: no crash).
TEST(Fdt, SurvivesCorruption) {
  auto blob = load_dtb("virt-2g-4cpu.dtb");
  Fdt clean;
  ASSERT_TRUE(clean.init(blob.data(), blob.size()).is_ok());
  uint32_t off_struct = inferpi::load_be32(blob.data() + 8);
  uint32_t size_struct = inferpi::load_be32(blob.data() + 36);
  int rejected = 0;
  for (uint32_t i = 0; i < off_struct + size_struct; i += (i < 64 ? 1 : 37)) {
    auto bad = blob;
    bad[i] ^= 0xa5;
    Fdt fdt;
    if (!fdt.init(bad.data(), bad.size()).is_ok()) {
      ++rejected;
      continue;
    }
    // Walk everything that parsed.
    for (int n = fdt.first_child(fdt.root()); n >= 0; n = fdt.next_sibling(n)) {
      const uint8_t* d;
      uint32_t len;
      (void)fdt.prop(n, "reg", &d, &len);
      (void)fdt.first_child(n);
    }
  }
  EXPECT_GT(rejected, 10);
}
