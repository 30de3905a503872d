// The RAM as firmware really describes it, in synthesized DTBs: several /memory nodes (QEMU
// writes one per range, the devicetree spec allows any number), several ranges in one reg,
// disabled nodes, both cell layouts - and the malformed cases the kernel must refuse (it then
// boots from the board's fallback, docs/boot.md).
#include <gtest/gtest.h>

#include "fdt_builder.h"
#include "runtime/core/memmap.h"

using inferpi::Fdt;
using inferpi::MemoryMap;

namespace {
constexpr uint64_t MiB = 1ull << 20, GiB = 1ull << 30;

// A root with #address-cells = 2 and the given #size-cells, then `body` adds nodes.
template <typename Body>
std::vector<uint8_t> tree(uint32_t size_cells, Body body) {
  FdtBuilder b;
  b.begin("").cells("#address-cells", {2}).cells("#size-cells", {size_cells});
  body(b);
  b.begin("chosen").end();
  b.end();
  return b.finish();
}

// A /memory node with `reg`; `status` ("disabled") when given.
void memory_node(FdtBuilder& b, const std::string& name, std::initializer_list<uint32_t> reg,
                 const char* status = nullptr) {
  b.begin(name).string("device_type", "memory");
  if (status) b.string("status", status);
  b.cells("reg", reg).end();
}

inferpi::Status ram_of(const std::vector<uint8_t>& blob, MemoryMap* m) {
  Fdt fdt;
  inferpi::Status st = fdt.init(blob.data(), blob.size());
  if (!st) return st;
  return m->add_ram_from_fdt(fdt);
}
}  // namespace

TEST(MemoryNodes, OneNodePerRangeLikeQemu) {
  auto blob = tree(2, [](FdtBuilder& b) {
    memory_node(b, "memory@100000000", {1, 0, 1, 0});
    memory_node(b, "memory@0", {0, 0, 0, 0x3b400000});
    memory_node(b, "memory@40000000", {0, 0x40000000, 0, 0xbc000000});
  });
  MemoryMap m;
  ASSERT_TRUE(ram_of(blob, &m).is_ok());
  ASSERT_EQ(m.ram_count(), 3u);  // sorted by base whatever the node order
  EXPECT_EQ(m.ram(0).base, 0u);
  EXPECT_EQ(m.ram(1).base, GiB);
  EXPECT_EQ(m.ram(2).base, 4 * GiB);
  EXPECT_EQ(m.total_ram(), 0x3b400000ull + 0xbc000000ull + 4 * GiB);
}

TEST(MemoryNodes, SeveralRangesInOneRegAndSeveralNodesTogether) {
  auto blob = tree(1, [](FdtBuilder& b) {
    memory_node(b, "memory@0", {0, 0, 0x3b400000, 0, 0x40000000, 0xbc000000});
    memory_node(b, "memory@100000000", {1, 0, 0x80000000});
  });
  MemoryMap m;
  ASSERT_TRUE(ram_of(blob, &m).is_ok());
  ASSERT_EQ(m.ram_count(), 3u);
  EXPECT_EQ(m.ram(1).end(), 0xfc000000u);
  EXPECT_EQ(m.ram(2).base, 4 * GiB);
  EXPECT_EQ(m.ram(2).size, 2 * GiB);
}

TEST(MemoryNodes, DisabledAndZeroSizedNodesAddNothing) {
  auto blob = tree(1, [](FdtBuilder& b) {
    memory_node(b, "memory@0", {0, 0, 256 * MiB});
    memory_node(b, "memory@40000000", {0, 0x40000000, 0x10000000}, "disabled");
    memory_node(b, "memory@80000000", {0, 0x80000000, 0});
  });
  MemoryMap m;
  ASSERT_TRUE(ram_of(blob, &m).is_ok());
  ASSERT_EQ(m.ram_count(), 1u);
  EXPECT_EQ(m.total_ram(), 256 * MiB);
}

TEST(MemoryNodes, RangesOverlappingAcrossNodesAreRefused) {
  auto blob = tree(1, [](FdtBuilder& b) {
    memory_node(b, "memory@0", {0, 0, 512 * MiB});
    memory_node(b, "memory@10000000", {0, 256 * MiB, 512 * MiB});
  });
  MemoryMap m;
  inferpi::Status st = ram_of(blob, &m);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(std::string(st.message()).find("overlap"), std::string::npos) << st.message();
}

TEST(MemoryNodes, RegNotAWholeNumberOfRangesIsRefused) {
  auto blob = tree(1, [](FdtBuilder& b) { memory_node(b, "memory@0", {0, 0, 512 * MiB, 0}); });
  MemoryMap m;
  inferpi::Status st = ram_of(blob, &m);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(std::string(st.message()).find("not a multiple"), std::string::npos) << st.message();
}

TEST(MemoryNodes, MoreRangesThanTheMapHoldsIsAnErrorNotAnOverflow) {
  auto blob = tree(1, [](FdtBuilder& b) {
    for (uint32_t i = 0; i < MemoryMap::kMaxRam + 4; i++)
      memory_node(b, "memory@" + std::to_string(i), {0, i * 0x10000000u, 0x1000000});
  });
  MemoryMap m;
  EXPECT_FALSE(ram_of(blob, &m).is_ok());
  EXPECT_EQ(m.ram_count(), MemoryMap::kMaxRam);
}

TEST(MemoryNodes, NoMemoryNodeIsAnErrorAndClearForgetsEverything) {
  auto blob = tree(1, [](FdtBuilder&) {});
  MemoryMap m;
  ASSERT_TRUE(m.add_ram(0, MiB).is_ok());
  ASSERT_TRUE(m.reserve(0, 4096, "page 0").is_ok());
  m.clear();  // what the kernel does before its fallback
  EXPECT_EQ(m.ram_count(), 0u);
  EXPECT_EQ(m.reserved_count(), 0u);
  EXPECT_FALSE(ram_of(blob, &m).is_ok());
}
