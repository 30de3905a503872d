// The model window (runtime/core/ram_window) over the real Pi 4 1/4/8 GB device trees, laid
// out the way kernel_main.cpp does it: page 0, the DTB, the kernel image and a 16 MiB heap
// taken first, then every remaining free range (rounded inward to 2 MiB) in the window.
#include "runtime/core/ram_window.h"

#include <gtest/gtest.h>

#include "dtb_fixture.h"

using inferpi::Fdt;
using inferpi::MemHole;
using inferpi::MemoryMap;
using inferpi::MemRegion;
using inferpi::RamSegment;
using inferpi::RamWindow;

namespace {

constexpr uint64_t MiB = 1ull << 20;
constexpr uint64_t kBase = 0x1000000000ull;  // kernel_main.cpp's kModelWindowBase
constexpr uint64_t kPiDtb = 0x2eff0000;      // where the Pi firmware put it in these tests
constexpr uint64_t kPiImage = 0x80000, kPiImageSize = 8 * MiB;

// RAM and reservations as the Pi 4 kernel sees them before planning the window. False (with
// a GTEST_SKIP in the caller) when the fixture is missing.
bool pi4_map(const char* dtb, MemoryMap* m, uint32_t* dtb_size) {
  auto blob = load_dtb(dtb);
  if (blob.empty()) return false;
  Fdt fdt;
  EXPECT_TRUE(fdt.init(blob.data(), blob.size()).is_ok());
  EXPECT_TRUE(m->add_ram_from_fdt(fdt).is_ok());
  EXPECT_TRUE(m->reserve_from_fdt(fdt, kPiDtb).is_ok());
  EXPECT_TRUE(m->reserve(0, 0x1000, "armstub + spin table").is_ok());
  EXPECT_TRUE(m->reserve(kPiImage, kPiImageSize, "kernel image").is_ok());
  uint64_t heap = 0;
  EXPECT_TRUE(m->take_low(16 * MiB, 4096, UINT64_MAX, "kernel heap", &heap));
  EXPECT_EQ(heap, kPiImage + kPiImageSize);
  *dtb_size = fdt.total_size();
  return true;
}

void expect_segment(const RamWindow& w, size_t i, uint64_t va, uint64_t pa, uint64_t size) {
  ASSERT_LT(i, w.segment_count());
  EXPECT_EQ(w.segment(i).va, va) << "segment " << i;
  EXPECT_EQ(w.segment(i).pa, pa) << "segment " << i;
  EXPECT_EQ(w.segment(i).size, size) << "segment " << i;
}

// Every segment 2 MiB aligned at both ends, the VAs back to back from the base, the total
// equal to the free ranges' bytes minus what the rounding dropped, no two segments touching
// physically (they would have been merged).
void expect_well_formed(const RamWindow& w, const MemoryMap& m) {
  uint64_t va = w.base(), total = 0;
  for (size_t i = 0; i < w.segment_count(); ++i) {
    const RamSegment& s = w.segment(i);
    EXPECT_EQ(s.pa % RamWindow::kGranule, 0u);
    EXPECT_EQ(s.size % RamWindow::kGranule, 0u);
    EXPECT_GT(s.size, 0u);
    EXPECT_EQ(s.va, va);
    if (i > 0) {
      EXPECT_NE(w.segment(i - 1).pa_end(), s.pa);
    }
    va += s.size;
    total += s.size;
  }
  EXPECT_EQ(total, w.size());
  EXPECT_EQ(w.size() + w.dropped(), m.total_free());
}

// The DTB cuts the first GB in two: below it from the 2 MiB boundary after the heap, above it
// from the 2 MiB boundary after the blob to the VideoCore carve-out at 0x3B40_0000.
void expect_first_gb(const RamWindow& w, uint32_t dtb_size) {
  const uint64_t heap_end = kPiImage + kPiImageSize + 16 * MiB;               // 0x188_0000
  const uint64_t low0 = (heap_end + 2 * MiB - 1) & ~(2 * MiB - 1);            // 0x1A0_0000
  const uint64_t low1 = kPiDtb & ~(2 * MiB - 1);                              // 0x2EE0_0000
  const uint64_t high0 = (kPiDtb + dtb_size + 2 * MiB - 1) & ~(2 * MiB - 1);  // 0x2F00_0000
  EXPECT_EQ(low0, 0x1a00000u);
  EXPECT_EQ(low1, 0x2ee00000u);
  EXPECT_EQ(high0, 0x2f000000u);
  expect_segment(w, 0, kBase, low0, low1 - low0);                          // 724 MiB
  expect_segment(w, 1, kBase + (low1 - low0), high0, 0x3b400000 - high0);  // 196 MiB
}

}  // namespace

// The window over a Pi 4 fixture DTB, laid out as the kernel does it.
class Pi4Window : public ::testing::Test {
 protected:
  // Plans the window over `dtb`: `segments` segments, the first GB cut around the DTB, every
  // segment well formed. False when that failed or the fixture is missing (skipped): the
  // test then stops.
  bool plan(const char* dtb, size_t segments) {
    [&] {
      if (!pi4_map(dtb, &m, &dtb_size)) GTEST_SKIP() << "tests/fixtures/dtb missing";
      ASSERT_TRUE(w.plan(m, kBase).is_ok());
      ASSERT_EQ(w.segment_count(), segments);
      expect_first_gb(w, dtb_size);
      expect_well_formed(w, m);
    }();
    return !HasFatalFailure() && !IsSkipped();
  }
  MemoryMap m;
  uint32_t dtb_size = 0;
  RamWindow w;
};

TEST_F(Pi4Window, OneGigabyteUsesBothSidesOfTheDtb) {
  if (!plan("pi4-1gb.dtb", 2)) return;
  EXPECT_EQ(w.size(), 920 * MiB);  // 724 + 196; the largest free block alone is 727
  EXPECT_EQ(m.largest_free().size >> 20, 727u);
}

TEST_F(Pi4Window, FourGigabytes) {
  if (!plan("pi4-4gb.dtb", 3)) return;
  expect_segment(w, 2, kBase + 920 * MiB, 0x40000000, 0xbc000000);  // 3008 MiB
  EXPECT_EQ(w.size(), 3928 * MiB);  // was 3008 MiB (the largest block)
}

TEST_F(Pi4Window, EightGigabytesMergesTheTwoTopRanges) {
  if (!plan("pi4-8gb.dtb", 4)) return;
  // The DTB lists 0x1_0000_0000 and 0x1_8000_0000 as two ranges: two free ranges of 2 GB,
  // so the largest free block was only the 3008 MiB one.
  EXPECT_EQ(m.largest_free().size >> 20, 3008u);
  expect_segment(w, 2, kBase + 920 * MiB, 0x40000000, 0xbc000000);
  expect_segment(w, 3, kBase + 3928 * MiB, 0x100000000ull, 0x100000000ull);  // one 4 GiB run
  EXPECT_EQ(w.size(), 8024 * MiB);
  // What is left out: page 0's neighbours below the image, the DTB's 2 MiB, the rounding.
  EXPECT_LT(w.dropped(), 4 * MiB);
  // A DMA buffer across the 4 GiB boundary of the merged segment is physically contiguous.
  uint64_t pa = 0;
  EXPECT_TRUE(w.physical_run(kBase + 3928 * MiB + 0x7fffff00ull, 0x200, &pa));
  EXPECT_EQ(pa, 0x17fffff00ull);
}

TEST(RamWindow, TranslationAtSegmentEdges) {
  const MemRegion free[] = {{0x200000, 0x600000, "free"},    // 6 MiB at 2 MiB
                            {0x1000000, 0x400000, "free"}};  // 4 MiB at 16 MiB
  RamWindow w;
  ASSERT_TRUE(w.plan(free, 2, kBase).is_ok());
  ASSERT_EQ(w.segment_count(), 2u);
  EXPECT_EQ(w.size(), 10 * MiB);
  uint64_t pa = 0;
  ASSERT_TRUE(w.to_physical(kBase, &pa));
  EXPECT_EQ(pa, 0x200000u);
  ASSERT_TRUE(w.to_physical(kBase + 6 * MiB - 1, &pa));  // last byte of segment 0
  EXPECT_EQ(pa, 0x7fffffu);
  ASSERT_TRUE(w.to_physical(kBase + 6 * MiB, &pa));  // first byte of segment 1
  EXPECT_EQ(pa, 0x1000000u);
  ASSERT_TRUE(w.to_physical(kBase + 10 * MiB - 1, &pa));
  EXPECT_EQ(pa, 0x13fffffu);
  EXPECT_FALSE(w.to_physical(kBase + 10 * MiB, &pa));  // one past the end
  EXPECT_FALSE(w.to_physical(kBase - 1, &pa));
  EXPECT_FALSE(w.to_physical(0x200000, &pa));  // a physical address is not a window address

  EXPECT_TRUE(w.contains(kBase, 10 * MiB));
  EXPECT_FALSE(w.contains(kBase, 10 * MiB + 1));
  EXPECT_FALSE(w.contains(kBase + 10 * MiB, 0));
  EXPECT_FALSE(w.contains(kBase + 1, UINT64_MAX));
}

TEST(RamWindow, PhysicalRunRefusesAStraddlingBuffer) {
  const MemRegion free[] = {{0x200000, 0x600000, "free"}, {0x1000000, 0x400000, "free"}};
  RamWindow w;
  ASSERT_TRUE(w.plan(free, 2, kBase).is_ok());
  uint64_t pa = 0;
  // Ends exactly at the segment boundary: fine.
  ASSERT_TRUE(w.physical_run(kBase + 6 * MiB - 4096, 4096, &pa));
  EXPECT_EQ(pa, 0x800000u - 4096);
  // One byte over it: two physical places, refused (the caller bounces).
  EXPECT_FALSE(w.physical_run(kBase + 6 * MiB - 4096, 4097, &pa));
  EXPECT_FALSE(w.physical_run(kBase, 10 * MiB, &pa));
  // Starts exactly at the boundary: all in segment 1.
  ASSERT_TRUE(w.physical_run(kBase + 6 * MiB, 4 * MiB, &pa));
  EXPECT_EQ(pa, 0x1000000u);
  EXPECT_FALSE(w.physical_run(kBase + 6 * MiB, 4 * MiB + 1, &pa));  // past the end
  EXPECT_FALSE(w.physical_run(kBase + 10 * MiB, 1, &pa));
}

TEST(RamWindow, SplitAtSegmentBoundaries) {
  const MemRegion free[] = {
      {0x200000, 0x200000, "free"}, {0x800000, 0x200000, "free"}, {0x2000000, 0x400000, "free"}};
  RamWindow w;
  ASSERT_TRUE(w.plan(free, 3, kBase).is_ok());
  ASSERT_EQ(w.segment_count(), 3u);
  RamSegment p[4];
  // Inside one segment: one piece.
  ASSERT_EQ(w.split(kBase + 100, 1000, p, 4), 1u);
  EXPECT_EQ(p[0].pa, 0x200000u + 100);
  EXPECT_EQ(p[0].size, 1000u);
  // Across all three: 3 pieces, sizes add up, each physically where its segment is.
  ASSERT_EQ(w.split(kBase + 1 * MiB, 6 * MiB, p, 4), 3u);
  EXPECT_EQ(p[0].va, kBase + 1 * MiB);
  EXPECT_EQ(p[0].pa, 0x300000u);
  EXPECT_EQ(p[0].size, 1 * MiB);
  EXPECT_EQ(p[1].va, kBase + 2 * MiB);
  EXPECT_EQ(p[1].pa, 0x800000u);
  EXPECT_EQ(p[1].size, 2 * MiB);
  EXPECT_EQ(p[2].va, kBase + 4 * MiB);
  EXPECT_EQ(p[2].pa, 0x2000000u);
  EXPECT_EQ(p[2].size, 3 * MiB);
  // Exactly one segment, boundary to boundary.
  ASSERT_EQ(w.split(kBase + 2 * MiB, 2 * MiB, p, 4), 1u);
  EXPECT_EQ(p[0].pa, 0x800000u);
  // A small cap still reports how many pieces there are.
  EXPECT_EQ(w.split(kBase, 8 * MiB, p, 1), 3u);
  EXPECT_EQ(p[0].size, 2 * MiB);
  // Outside, partly outside, empty: nothing.
  EXPECT_EQ(w.split(kBase + 7 * MiB, 2 * MiB, p, 4), 0u);
  EXPECT_EQ(w.split(kBase - 4096, 8192, p, 4), 0u);
  EXPECT_EQ(w.split(kBase, 0, p, 4), 0u);
}

TEST(RamWindow, RoundsInwardDropsCrumbsAndMergesAdjacentRuns) {
  const MemRegion free[] = {{0x1000, 0x7f000, "free"},        // < 2 MiB: dropped
                            {0x300000, 0x500000, "free"},     // -> [4 MiB, 8 MiB)
                            {0x800000, 0x200000, "free"},     // touches it: merged
                            {0x40000000, 0x100000, "free"}};  // 1 MiB: dropped
  RamWindow w;
  ASSERT_TRUE(w.plan(free, 4, kBase).is_ok());
  ASSERT_EQ(w.segment_count(), 1u);
  expect_segment(w, 0, kBase, 0x400000, 6 * MiB);
  EXPECT_EQ(w.dropped(), 0x7f000u + 1 * MiB + 1 * MiB);
  EXPECT_FALSE(w.plan(free, 4, kBase + 4096).is_ok());  // misaligned base
}

TEST(RamWindow, TooManySegmentsIsAnError) {
  MemRegion free[RamWindow::kMaxSegments + 1];
  for (size_t i = 0; i < RamWindow::kMaxSegments + 1; ++i)
    free[i] = MemRegion{(2 * i + 1) * 2 * MiB, 2 * MiB, "free"};
  RamWindow w;
  inferpi::Status st = w.plan(free, RamWindow::kMaxSegments + 1, kBase);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(std::string(st.message()).find("more than 16 RAM segments"), std::string::npos);
}

TEST(MemHole, ParsesSizesAndOffsets) {
  bool found = true;
  MemHole h;
  ASSERT_TRUE(inferpi::parse_memhole("shell", &found, &h).is_ok());
  EXPECT_FALSE(found);
  ASSERT_TRUE(inferpi::parse_memhole(nullptr, &found, &h).is_ok());
  EXPECT_FALSE(found);
  ASSERT_TRUE(inferpi::parse_memhole("console=x memhole=64M", &found, &h).is_ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(h.size, 64 * MiB);
  EXPECT_FALSE(h.has_offset);
  ASSERT_TRUE(inferpi::parse_memhole("memhole=0x400000@8m shell", &found, &h).is_ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(h.size, 4 * MiB);
  EXPECT_TRUE(h.has_offset);
  EXPECT_EQ(h.offset, 8 * MiB);
  ASSERT_TRUE(inferpi::parse_memhole("memhole=1G@2048K", &found, &h).is_ok());
  EXPECT_EQ(h.size, 1024 * MiB);
  EXPECT_EQ(h.offset, 2 * MiB);
  for (const char* bad : {"memhole=", "memhole=0", "memhole=12Q", "memhole=4M@", "memhole=4M@x",
                          "memhole=99999999999999999999", "memhole=0x"}) {
    inferpi::Status st = inferpi::parse_memhole(bad, &found, &h);
    EXPECT_FALSE(st.is_ok()) << bad;
  }
  ASSERT_TRUE(inferpi::parse_memhole("nomemhole=4M", &found, &h).is_ok());
  EXPECT_FALSE(found);
}

TEST(MemHole, SplitsVirtIntoTwoSegments) {
  auto blob = load_dtb("virt-2g-4cpu.dtb");
  if (blob.empty()) GTEST_SKIP() << "tests/fixtures/dtb missing";
  Fdt fdt;
  ASSERT_TRUE(fdt.init(blob.data(), blob.size()).is_ok());
  MemoryMap m;
  ASSERT_TRUE(m.add_ram_from_fdt(fdt).is_ok());
  ASSERT_TRUE(m.reserve_from_fdt(fdt, 0x40000000).is_ok());
  ASSERT_TRUE(m.reserve(0x40200000, 5 * MiB, "kernel image").is_ok());
  uint64_t heap = 0;
  ASSERT_TRUE(m.take_low(16 * MiB, 4096, UINT64_MAX, "kernel heap", &heap));
  EXPECT_EQ(heap, 0x40700000u);  // right after the image; free from 0x4170_0000
  MemHole hole{64 * MiB, 8 * MiB, true};
  uint64_t where = 0;
  ASSERT_TRUE(inferpi::reserve_memhole(m, hole, &where).is_ok());
  EXPECT_EQ(where, 0x41800000u + 8 * MiB);  // 8 MiB after the first 2 MiB boundary
  RamWindow w;
  ASSERT_TRUE(w.plan(m, kBase).is_ok());
  ASSERT_EQ(w.segment_count(), 2u);
  expect_segment(w, 0, kBase, 0x41800000, 8 * MiB);
  expect_segment(w, 1, kBase + 8 * MiB, where + 64 * MiB, 0xc0000000 - (where + 64 * MiB));
  expect_well_formed(w, m);
  // 2048 MiB minus the DTB (1) and the 1 MiB gap after it, the image (5), the heap (16), the
  // rounding up to 0x4180_0000 (1) and the hole (64): 1960 MiB.
  EXPECT_EQ(w.size(), (2048 - 24 - 64) * MiB);
  // Without @OFFSET the hole goes half way into the largest free range (2 MiB rounded).
  MemoryMap m2;
  ASSERT_TRUE(m2.add_ram(0x40000000, 1024 * MiB).is_ok());
  ASSERT_TRUE(inferpi::reserve_memhole(m2, MemHole{3 * MiB, 0, false}, &where).is_ok());
  EXPECT_EQ(where, 0x40000000u + 512 * MiB);
  RamWindow w2;
  ASSERT_TRUE(w2.plan(m2, kBase).is_ok());
  ASSERT_EQ(w2.segment_count(), 2u);
  expect_segment(w2, 1, kBase + 512 * MiB, 0x40000000u + 516 * MiB, 508 * MiB);  // 3 -> 4 MiB
  // @0 would leave nothing below the hole: refused.
  EXPECT_FALSE(inferpi::reserve_memhole(m2, MemHole{4 * MiB, 0, true}, &where).is_ok());
  // A hole that leaves nothing on one side is refused with the sizes.
  MemHole too_big{4096 * MiB, 0, false};
  inferpi::Status st = inferpi::reserve_memhole(m, too_big, &where);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(std::string(st.message()).find("does not leave RAM on both sides"), std::string::npos);
}
