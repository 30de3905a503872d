// storage_config_from_fdt() against real device trees: a Pi 4 (upstream bcm2711-rpi-4-b
// with the firmware's memory node) and QEMU virt with a pcie-root-port (fixtures/dtb).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "drivers/storage_hw/storage_fdt.h"

using namespace inferpi;

namespace {
std::vector<uint8_t> load(const char* name) {
  std::ifstream f(std::string(INFERPI_DTB_DIR) + "/" + name, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}
// The storage configuration the kernel derives from device tree `blob` (fixture `name`).
::testing::AssertionResult config_of(const char* name, const std::vector<uint8_t>& blob,
                                     StorageBoardConfig* c) {
  if (blob.empty()) return ::testing::AssertionFailure() << name << ": fixture missing";
  Fdt fdt;
  if (Status st = fdt.init(blob.data(), blob.size()); !st)
    return ::testing::AssertionFailure() << name << ": " << st.message();
  if (Status st = storage_config_from_fdt(fdt, c); !st)
    return ::testing::AssertionFailure() << name << ": " << st.message();
  return ::testing::AssertionSuccess();
}
::testing::AssertionResult config_of(const char* name, StorageBoardConfig* c) {
  return config_of(name, load(name), c);
}
}  // namespace

TEST(StorageFdt, QemuVirtEcamHost) {
  StorageBoardConfig c;
  ASSERT_TRUE(config_of("virt-2g-4cpu.dtb", &c));
  EXPECT_EQ(c.ecam_base, 0x4010000000ull);
  EXPECT_EQ(c.ecam_buses, 255);
  EXPECT_EQ(c.window.cpu_base, 0x10000000u);
  EXPECT_EQ(c.window.bus_base, 0x10000000u);
  EXPECT_EQ(c.window.size, 0x2eff0000u);
  EXPECT_EQ(c.bcm2711.base, 0u);
  EXPECT_EQ(c.sdhci_base, 0u);
}

TEST(StorageFdt, Pi4RootComplexAndEmmc2) {
  StorageBoardConfig c;
  ASSERT_TRUE(config_of("pi4-1gb.dtb", &c));
  EXPECT_EQ(c.ecam_base, 0u);
  // reg <0 0x7d500000> in /scb, which maps 0x7c000000 -> 0xfc000000.
  EXPECT_EQ(c.bcm2711.base, 0xfd500000u);
  // ranges: PCI 0xf8000000 <- CPU 0x6_0000_0000, 64 MiB.
  EXPECT_EQ(c.bcm2711.outbound.cpu_base, 0x600000000ull);
  EXPECT_EQ(c.bcm2711.outbound.bus_base, 0xf8000000u);
  EXPECT_EQ(c.bcm2711.outbound.size, 0x4000000u);
  EXPECT_EQ(c.window.cpu_base, 0x600000000ull);
  // dma-ranges of an early (B0) board: PCI 0 = CPU 0, 3 GB.
  EXPECT_EQ(c.bcm2711.inbound.bus_base, 0u);
  EXPECT_EQ(c.bcm2711.inbound.cpu_base, 0u);
  EXPECT_EQ(c.bcm2711.inbound.size, 0xc0000000u);
  // /emmc2bus maps 0x7e000000 -> 0xfe000000.
  EXPECT_EQ(c.sdhci_base, 0xfe340000u);
  // SD DMA: /emmc2bus dma-ranges = bus 0xc0000000 <- RAM 0, 1 GB (B0 boards); EMMC2 has no
  // DREQ of record. The system DMA controller: /soc dma-ranges, the same 1 GB view.
  EXPECT_EQ(c.sdhci_bus_address, 0x7e340000u);
  EXPECT_EQ(c.sdhci_dreq, 0u);
  EXPECT_EQ(c.sdhci_dma_range.cpu_base, 0u);
  EXPECT_EQ(c.sdhci_dma_range.bus_base, 0xc0000000u);
  EXPECT_EQ(c.sdhci_dma_range.size, 0x40000000u);
  EXPECT_EQ(c.system_dma.base, 0xfe007000u);
  EXPECT_EQ(c.system_dma.channel_mask, 0x7f5u);
  EXPECT_EQ(c.system_dma.range.bus_base, 0xc0000000u);
  EXPECT_EQ(c.system_dma.range.size, 0x40000000u);
}

TEST(StorageFdt, Pi4SlotOnTheLegacyEmmcGetsDreq11) {
  // QEMU raspi4b's card sits on the legacy EMMC: the test DTB moves the slot node there.
  std::vector<uint8_t> blob = load("pi4-1gb.dtb");
  // Patch the emmc2 node's reg <0 0x7e340000 0x100> to 0x7e300000 in place.
  const uint8_t want[] = {0x7e, 0x34, 0, 0, 0, 0, 1, 0};
  int patched = 0;
  for (size_t i = 0; i + sizeof want <= blob.size(); i++)
    if (memcmp(&blob[i], want, sizeof want) == 0) {
      blob[i + 1] = 0x30;
      patched++;
    }
  ASSERT_EQ(patched, 1);
  StorageBoardConfig c;
  ASSERT_TRUE(config_of("pi4-1gb.dtb with the slot on the legacy EMMC", blob, &c));
  EXPECT_EQ(c.sdhci_base, 0xfe300000u);
  EXPECT_EQ(c.sdhci_bus_address, 0x7e300000u);
  EXPECT_EQ(c.sdhci_dreq, 11u);
}

TEST(StorageFdt, NoStorageNodesIsNotAnError) {
  // A minimal valid DTB: header + empty root node + FDT_END.
  std::vector<uint8_t> blob(40 + 16 + 16, 0);  // header, empty reserve map, structure block
  auto be32 = [&](size_t off, uint32_t v) {
    for (int i = 0; i < 4; i++) blob[off + i] = uint8_t(v >> (24 - 8 * i));
  };
  uint32_t rsv = 40, structs = 56, strings = 56 + 16;
  be32(0, Fdt::kMagic);
  be32(4, uint32_t(blob.size()));
  be32(8, structs);
  be32(12, strings);
  be32(16, rsv);
  be32(20, 17);
  be32(24, 16);
  be32(32, 0);            // size_dt_strings
  be32(36, 16);           // size_dt_struct
  be32(structs + 0, 1);   // BEGIN_NODE ""
  be32(structs + 8, 2);   // END_NODE
  be32(structs + 12, 9);  // END
  Fdt fdt;
  Status init = fdt.init(blob.data(), blob.size());
  ASSERT_TRUE(init) << init.message();
  StorageBoardConfig c;
  EXPECT_TRUE(storage_config_from_fdt(fdt, &c));
  EXPECT_EQ(c.ecam_base, 0u);
  EXPECT_EQ(c.bcm2711.base, 0u);
}
