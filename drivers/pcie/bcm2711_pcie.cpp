// BCM2711 PCIe root complex bring-up. Register names follow the Broadcom RDB names used by
// Linux pcie-brcmstb.c and Circle bcmpciehostbridge.cpp; the order is pi4-hardware.md §6.2.
// Only a Pi 4 can confirm this file: QEMU has no model of this controller.
#include "drivers/pcie/bcm2711_pcie.h"

#include "runtime/core/platform.h"

namespace inferpi::pci {
namespace {

namespace rdb {
constexpr uint32_t kRcCommand = 0x0004;
constexpr uint32_t kRcClass = 0x0008;
constexpr uint32_t kRcLinkCapability = 0x00B8;  // PCIe cap 0xAC + 0x0C
constexpr uint32_t kRcLinkStatus = 0x00BC;      // LNKCTL 15:0, LNKSTA 31:16
constexpr uint32_t kRcRootControl = 0x00C8;     // RTCTL 15:0, RTCAP 31:16
constexpr uint32_t kRcLinkControl2 = 0x00DC;
constexpr uint32_t kVendorSpecificReg1 = 0x0188;
constexpr uint32_t kPriv1IdVal3 = 0x043C;
constexpr uint32_t kMiscCtrl = 0x4008;
constexpr uint32_t kMemWin0Lo = 0x400C;
constexpr uint32_t kMemWin0Hi = 0x4010;
constexpr uint32_t kBar1ConfigLo = 0x402C;
constexpr uint32_t kBar2ConfigLo = 0x4034;
constexpr uint32_t kBar2ConfigHi = 0x4038;
constexpr uint32_t kBar3ConfigLo = 0x403C;
constexpr uint32_t kPcieStatus = 0x4068;
constexpr uint32_t kRevision = 0x406C;
constexpr uint32_t kMemWin0BaseLimit = 0x4070;
constexpr uint32_t kMemWin0BaseHi = 0x4080;
constexpr uint32_t kMemWin0LimitHi = 0x4084;
constexpr uint32_t kHardDebug = 0x4204;
constexpr uint32_t kIntr2Clear = 0x4308;
constexpr uint32_t kIntr2MaskSet = 0x4310;
constexpr uint32_t kExtCfgData = 0x8000;
constexpr uint32_t kExtCfgIndex = 0x9000;
constexpr uint32_t kSwInit = 0x9210;  // RGR1_SW_INIT_1
}  // namespace rdb

constexpr uint32_t kSwInitPerst = 1u << 0;
constexpr uint32_t kSwInitBridgeReset = 1u << 1;
constexpr uint32_t kHardDebugClkreqEnable = 1u << 1;
constexpr uint32_t kHardDebugSerdesIddq = 1u << 27;
constexpr uint32_t kMiscScbAccessEnable = 1u << 12;
constexpr uint32_t kMiscCfgReadUrMode = 1u << 13;
constexpr uint32_t kMiscMaxBurstMask = 3u << 20;
constexpr uint32_t kMiscScb0SizeShift = 27;
constexpr uint32_t kRootControlCrsVisible = 1u << 4;
constexpr uint32_t kStatusPhyLinkUp = 1u << 4;
constexpr uint32_t kStatusDlActive = 1u << 5;
constexpr uint32_t kStatusRcMode = 1u << 7;

constexpr uint32_t kResetDelayUs = 200;
constexpr uint32_t kPerstSettleUs = 100'000;  // PCIe CEM T_PVPERL: 100 ms after PERST# deassert
constexpr uint32_t kLinkTimeoutUs = 1'000'000;

uint32_t log2_exact(uint64_t v) {
  uint32_t n = 0;
  while ((1ull << n) < v && n < 63) n++;
  return n;
}

}  // namespace

uint32_t bcm2711_inbound_size_code(uint64_t size) {
  if (size == 0) return 0;
  uint32_t lg = log2_exact(size);
  if (lg >= 16 && lg <= 37) return lg - 15;
  if (lg >= 12 && lg <= 15) return lg - 12 + 0x1C;
  return 0;
}

Status bcm2711_rc_bar2(const Bcm2711PcieConfig& c, uint32_t* lo, uint32_t* hi,
                       uint32_t* log2_size) {
  // The window size must be a power of two (round the DTB size up, e.g. 3 GB -> 4 GB,
  // pi4-hardware.md §6.1), and RC_BAR2 holds the PCI - CPU offset, aligned to that size:
  // Linux pcie-brcmstb.c brcm_pcie_get_rc_bar2_size_and_offset() (rc_bar2_offset =
  // -(cpu - pci)) and Circle bcmpciehostbridge.cpp, which writes the same for its fixed
  // CPU 0 window. Our DMA helpers and SCB0 size assume the window starts at CPU address 0
  // (every Pi 4 DTB says so): refuse anything else loudly rather than guess (review item 9).
  if (c.inbound.cpu_base != 0)
    return Status::error(
        "pcie: inbound window starts at CPU 0x%llx, not 0 (DTB dma-ranges): unsupported layout",
        (unsigned long long)c.inbound.cpu_base);
  uint32_t lg = log2_exact(c.inbound.size);
  uint64_t rounded = 1ull << lg;
  uint32_t code = bcm2711_inbound_size_code(rounded);
  if (code == 0)
    return Status::error("pcie: inbound window of %llu bytes not encodable",
                         (unsigned long long)c.inbound.size);
  uint64_t offset = c.inbound.offset();
  if (offset & (rounded - 1))
    return Status::error("pcie: inbound window PCI - CPU offset 0x%llx not aligned to its size",
                         (unsigned long long)offset);
  *lo = uint32_t(offset) | code;
  *hi = uint32_t(offset >> 32);
  *log2_size = lg;
  return Status::ok();
}

Status Bcm2711Pcie::set_inbound_window() {
  uint32_t lo = 0, hi = 0, lg = 0;
  INFERPI_TRY(bcm2711_rc_bar2(config_, &lo, &hi, &lg));
  regs_.write32(rdb::kBar2ConfigLo, lo);
  regs_.write32(rdb::kBar2ConfigHi, hi);
  uint32_t misc = regs_.read32(rdb::kMiscCtrl);
  misc = (misc & ~(0x1Fu << kMiscScb0SizeShift)) | ((lg - 15) << kMiscScb0SizeShift);
  regs_.write32(rdb::kMiscCtrl, misc);
  // Windows 1 (PCIe -> GISB) and 3 stay closed.
  regs_.clear_bits32(rdb::kBar1ConfigLo, 0x1F);
  regs_.clear_bits32(rdb::kBar3ConfigLo, 0x1F);
  return Status::ok();
}

void Bcm2711Pcie::set_outbound_window() {
  uint64_t cpu_mb = config_.outbound.cpu_base >> 20;
  uint64_t limit_mb = (config_.outbound.cpu_base + config_.outbound.size - 1) >> 20;
  regs_.write32(rdb::kMemWin0Lo, uint32_t(config_.outbound.bus_base));
  regs_.write32(rdb::kMemWin0Hi, uint32_t(config_.outbound.bus_base >> 32));
  uint32_t bl = regs_.read32(rdb::kMemWin0BaseLimit);
  bl = (bl & 0x000F000F) | (uint32_t(cpu_mb & 0xFFF) << 4) | (uint32_t(limit_mb & 0xFFF) << 20);
  regs_.write32(rdb::kMemWin0BaseLimit, bl);
  regs_.write32(rdb::kMemWin0BaseHi,
                (regs_.read32(rdb::kMemWin0BaseHi) & ~0xFFu) | uint32_t(cpu_mb >> 12));
  regs_.write32(rdb::kMemWin0LimitHi,
                (regs_.read32(rdb::kMemWin0LimitHi) & ~0xFFu) | uint32_t(limit_mb >> 12));
}

Status Bcm2711Pcie::init(const Bcm2711PcieConfig& config) {
  config_ = config;
  link_up_ = false;
  regs_ = mmio::RegisterBlock(config.base);
  if (config.inbound.size == 0)
    return Status::error("pcie: no inbound window (DTB dma-ranges missing?)");

  // 2.-4. Bridge into reset with PERST# asserted, then the bridge out of reset.
  regs_.set_bits32(rdb::kSwInit, kSwInitBridgeReset);
  regs_.set_bits32(rdb::kSwInit, kSwInitPerst);
  platform::delay_us(kResetDelayUs);
  regs_.clear_bits32(rdb::kSwInit, kSwInitBridgeReset);
  (void)regs_.read32(rdb::kSwInit);
  // 5. Power up the SerDes.
  regs_.clear_bits32(rdb::kHardDebug, kHardDebugSerdesIddq);
  platform::delay_us(kResetDelayUs);
  // 6. SCB access, config reads of missing functions return all-ones, 128-byte bursts.
  uint32_t misc = regs_.read32(rdb::kMiscCtrl);
  misc |= kMiscScbAccessEnable | kMiscCfgReadUrMode;  // (RCB_MPS_MODE: Pi 5 only in Circle)
  misc &= ~kMiscMaxBurstMask;
  regs_.write32(rdb::kMiscCtrl, misc);
  // 7.-9. Inbound window exactly as the DTB says (the VL805 firmware load depends on it).
  INFERPI_TRY(set_inbound_window());
  // 10. All interrupts masked: we poll.
  regs_.write32(rdb::kIntr2Clear, 0xFFFFFFFF);
  regs_.write32(rdb::kIntr2MaskSet, 0xFFFFFFFF);
  // Spread-spectrum clocking (review item 9, a choice): the Pi 4 DTB sets brcm,enable-ssc and
  // Linux pcie-brcmstb.c brcm_pcie_set_ssc() then turns SSC on over the SerDes MDIO bus
  // before link-up; Circle bcmpciehostbridge.cpp never does, and its PCIe/VL805 path works on
  // every Pi 4. SSC only spreads the reference clock's EMI; getting its MDIO sequence wrong
  // without a board to try it on could cost the link. So: not enabled (docs/hardware-
  // validation.md lists it as the first thing to try if links train badly).
  // 11. Gen 2 at most (LNKCAP and LNKCTL2 target speed).
  regs_.write32(rdb::kRcLinkCapability, (regs_.read32(rdb::kRcLinkCapability) & ~0xFu) | 2);
  regs_.write32(rdb::kRcLinkControl2, (regs_.read32(rdb::kRcLinkControl2) & ~0xFu) | 2);
  // 12.-13. Release PERST#, wait T_PVPERL, then poll for the data link.
  regs_.clear_bits32(rdb::kSwInit, kSwInitPerst);
  platform::delay_us(kPerstSettleUs);
  uint64_t start = platform::now_us();
  uint32_t status = 0;
  for (;;) {
    status = regs_.read32(rdb::kPcieStatus);
    if ((status & kStatusPhyLinkUp) && (status & kStatusDlActive)) break;
    if (platform::now_us() - start > kLinkTimeoutUs)
      return Status::error("pcie: link down after %u ms (MISC_PCIE_STATUS 0x%08x, revision 0x%04x)",
                           (kLinkTimeoutUs + kPerstSettleUs) / 1000, status,
                           regs_.read32(rdb::kRevision) & 0xFFFF);
    platform::delay_us(5000);
  }
  // 14. Must be in root-complex mode.
  if (!(status & kStatusRcMode)) return Status::error("pcie: controller is in endpoint mode");
  link_up_ = true;
  // 15. Outbound window (after link-up, as Linux and Circle do).
  set_outbound_window();
  // 16. The RC reports itself as a PCI-PCI bridge so the bus walk programs it as one.
  regs_.write32(rdb::kPriv1IdVal3,
                (regs_.read32(rdb::kPriv1IdVal3) & ~0xFFFFFFu) | kClassPciBridge);
  if ((regs_.read32(rdb::kRcClass) >> 8) != kClassPciBridge)
    return Status::error("pcie: root complex class code did not change to 0x060400");
  // Root control: CRS software visibility, so a function that is not ready yet answers
  // vendor id 0x0001 instead of stalling the config read (pi4-hardware.md §6.3 step 6).
  regs_.set_bits32(rdb::kRcRootControl, kRootControlCrsVisible);
  // 17. Link speed for the log.
  uint32_t lnksta = regs_.read32(rdb::kRcLinkStatus) >> 16;
  link_speed_ = lnksta & 0xF;
  link_width_ = (lnksta >> 4) & 0x3F;
  // 18. Little-endian BAR2 accesses; CLKREQ# debug enable.
  regs_.clear_bits32(rdb::kVendorSpecificReg1, 3u << 2);
  regs_.set_bits32(rdb::kHardDebug, kHardDebugClkreqEnable);
  (void)regs_.read32(rdb::kRcCommand);
  return Status::ok();
}

uintptr_t Bcm2711Pcie::config_address(Address a, uint16_t offset) {
  if (a.bus == 0) return regs_.base() + (offset & 0xFFC);
  regs_.write32(rdb::kExtCfgIndex,
                (uint32_t(a.bus) << 20) | (uint32_t(a.dev) << 15) | (uint32_t(a.fn) << 12));
  (void)regs_.read32(rdb::kExtCfgIndex);
  return regs_.base() + rdb::kExtCfgData + (offset & 0xFFC);
}

uint32_t Bcm2711Pcie::read32(Address a, uint16_t offset) {
  // Only device 0 exists on the root bus and below the root port; touching config space
  // with the link down can hang the bus (pi4-hardware.md §6.4, §12.19).
  if (a.dev != 0 || (a.bus > 0 && !link_up_) || (a.bus == 0 && a.fn != 0)) return 0xFFFFFFFF;
  return mmio::read32(config_address(a, offset));
}

void Bcm2711Pcie::write32(Address a, uint16_t offset, uint32_t value) {
  if (a.dev != 0 || (a.bus > 0 && !link_up_) || (a.bus == 0 && a.fn != 0)) return;
  mmio::write32(config_address(a, offset), value);
}

}  // namespace inferpi::pci
