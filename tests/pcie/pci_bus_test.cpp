// PciBus against a fake configuration space shaped like QEMU virt with a pcie-root-port:
// 00:00.0 host bridge, 00:01.0 root port (type 1), 01:00.0 xHCI with a 64-bit BAR0.
#include <gtest/gtest.h>

#include <map>

#include "drivers/pcie/bcm2711_pcie.h"
#include "drivers/pcie/pci_bus.h"

using namespace inferpi::pci;

namespace {

struct FakeFunction {
  uint32_t regs[64] = {};
  uint32_t bar_mask[6] = {};  // size mask for each BAR dword (0 = unimplemented)
};

class FakeConfig final : public ConfigSpace {
 public:
  std::map<uint32_t, FakeFunction> fns;
  static uint32_t key(Address a) { return (a.bus << 16) | (a.dev << 8) | a.fn; }
  FakeFunction& add(Address a, uint32_t id, uint32_t class_code, uint8_t header) {
    FakeFunction& f = fns[key(a)];
    f.regs[0] = id;
    f.regs[2] = class_code << 8;
    f.regs[3] = uint32_t(header) << 16;
    return f;
  }
  uint32_t read32(Address a, uint16_t off) override {
    auto it = fns.find(key(a));
    if (it == fns.end()) return 0xFFFFFFFF;
    return it->second.regs[off / 4];
  }
  void write32(Address a, uint16_t off, uint32_t v) override {
    auto it = fns.find(key(a));
    if (it == fns.end()) return;
    FakeFunction& f = it->second;
    uint32_t i = off / 4;
    uint32_t bars = ((f.regs[3] >> 16) & 0x7F) == 1 ? 2 : 6;
    if (i >= 4 && i < 4 + bars) {
      uint32_t mask = f.bar_mask[i - 4];
      if (mask == 0) return;                                          // unimplemented BAR reads 0
      uint32_t type_bits = mask == 0xFFFFFFFF ? 0 : f.regs[i] & 0xF;  // upper halves have none
      f.regs[i] = (v & mask) | type_bits;
      return;
    }
    f.regs[i] = v;
  }
};

}  // namespace

TEST(PciBus, RootPortAndXhciLikeQemu) {
  FakeConfig cfg;
  cfg.add({0, 0, 0}, 0x00081b36, 0x060000, 0);
  cfg.add({0, 1, 0}, 0x000c1b36, 0x060400, 1);
  FakeFunction& x = cfg.add({1, 0, 0}, 0x000d1b36, 0x0C0330, 0);
  x.regs[4] = 0x4;                   // 64-bit memory BAR
  x.bar_mask[0] = ~0x3FFFu & ~0xFu;  // 16 KiB
  x.bar_mask[1] = 0xFFFFFFFF;
  x.regs[5] = 0;
  PciBus bus(cfg, inferpi::BusWindow{0x1000'0000, 0x1000'0000, 0x2EFF'0000});
  ASSERT_TRUE(bus.enumerate());
  ASSERT_EQ(bus.count(), 3u);
  const Function* xhci = bus.find_class(kClassXhci);
  ASSERT_NE(xhci, nullptr);
  EXPECT_EQ(xhci->address.bus, 1);
  EXPECT_EQ(xhci->bar_size[0], 0x4000u);
  EXPECT_EQ(xhci->bar_cpu[0], 0x1000'0000u);
  EXPECT_EQ(cfg.read32({1, 0, 0}, 0x10), 0x1000'0004u);
  EXPECT_EQ(cfg.read32({1, 0, 0}, 0x14), 0u);
  // Bridge: primary 0, secondary 1, subordinate 1; window 0x1000_0000..0x100F_FFFF.
  EXPECT_EQ(cfg.read32({0, 1, 0}, reg::kBusNumbers) & 0xFFFFFF, 0x010100u);
  EXPECT_EQ(cfg.read32({0, 1, 0}, reg::kMemoryBaseLimit), 0x10001000u);
  EXPECT_TRUE(cfg.read32({0, 1, 0}, reg::kCommandStatus) &
              (command::kMemory | command::kBusMaster));
  // Endpoints are left disabled until enable().
  EXPECT_FALSE(cfg.read32({1, 0, 0}, reg::kCommandStatus) & command::kBusMaster);
  bus.enable(*xhci);
  EXPECT_TRUE(cfg.read32({1, 0, 0}, reg::kCommandStatus) & command::kBusMaster);
}

TEST(PciBus, WindowTooSmallIsAnError) {
  FakeConfig cfg;
  FakeFunction& e = cfg.add({0, 0, 0}, 0x12341111, 0x080501, 0);
  e.bar_mask[0] = ~0xFFFFFu & ~0xFu;  // 1 MiB BAR
  PciBus bus(cfg, inferpi::BusWindow{0x2000'0000, 0x2000'0000, 0x1000});
  inferpi::Status st = bus.enumerate();
  EXPECT_FALSE(st);
  EXPECT_NE(std::string(st.message()).find("does not fit"), std::string::npos);
}

TEST(PciBus, CpuAndPciAddressesDifferOnPi4) {
  FakeConfig cfg;
  FakeFunction& e = cfg.add({0, 0, 0}, 0x34831106, 0x0C0330, 0);
  e.regs[4] = 0x4;
  e.bar_mask[0] = ~0xFFFu & ~0xFu;  // 4 KiB like the VL805
  e.bar_mask[1] = 0xFFFFFFFF;
  PciBus bus(cfg, inferpi::BusWindow{0x6'0000'0000ull, 0xF800'0000ull, 64u << 20});
  ASSERT_TRUE(bus.enumerate());
  EXPECT_EQ(cfg.read32({0, 0, 0}, 0x10), 0xF800'0004u);
  EXPECT_EQ(bus.function(0).bar_cpu[0], 0x6'0000'0000ull);
}

TEST(Bcm2711, InboundSizeCode) {
  EXPECT_EQ(bcm2711_inbound_size_code(4ull << 30), 0x11u);
  EXPECT_EQ(bcm2711_inbound_size_code(8ull << 30), 0x12u);
  EXPECT_EQ(bcm2711_inbound_size_code(1ull << 30), 0x0Fu);
  EXPECT_EQ(bcm2711_inbound_size_code(4096), 0x1Cu);
  EXPECT_EQ(bcm2711_inbound_size_code(0), 0u);
  EXPECT_EQ(bcm2711_inbound_size_code(1ull << 40), 0u);
}
