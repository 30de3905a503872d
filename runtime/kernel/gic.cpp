#include "runtime/kernel/gic.h"

#include "drivers/mmio.h"

namespace inferpi::gic {

namespace {
// Distributor registers.
constexpr uint32_t GICD_CTLR = 0x000, GICD_ISENABLER0 = 0x100, GICD_IPRIORITYR = 0x400,
                   GICD_SGIR = 0xf00;
// CPU interface registers.
constexpr uint32_t GICC_CTLR = 0x00, GICC_PMR = 0x04, GICC_IAR = 0x0c, GICC_EOIR = 0x10;
constexpr uint32_t kSpurious = 1023;

mmio::RegisterBlock g_gicd, g_gicc;
}  // namespace

void init_distributor(uintptr_t gicd) {
  g_gicd = mmio::RegisterBlock(gicd);
  // Bit 0 enables forwarding of the interrupts our security state owns: group 0 on QEMU's
  // GIC without security extensions; group 1 (non-secure) on the Pi 4, where the firmware
  // stub put every interrupt in group 1 (pi4-hardware.md §1.1).
  g_gicd.write32(GICD_CTLR, g_gicd.read32(GICD_CTLR) | 1);
}

void init_this_cpu(uintptr_t gicd, uintptr_t gicc) {
  g_gicd = mmio::RegisterBlock(gicd);
  g_gicc = mmio::RegisterBlock(gicc);
  // SGI priority 0x80 (banked per core), above the priority mask 0xf0.
  uint32_t pr = g_gicd.read32(GICD_IPRIORITYR + (kWakeSgi & ~3u));
  pr = (pr & ~(0xffu << (8 * (kWakeSgi & 3)))) | (0x80u << (8 * (kWakeSgi & 3)));
  g_gicd.write32(GICD_IPRIORITYR + (kWakeSgi & ~3u), pr);
  g_gicd.write32(GICD_ISENABLER0, 1u << kWakeSgi);
  g_gicc.write32(GICC_PMR, 0xf0);
  g_gicc.write32(GICC_CTLR, 1);
  acknowledge_all();
}

void send_sgi(uint32_t intid, uint32_t target_core_mask) {
  mmio::barrier_full();  // the job must be visible before the wake-up
  g_gicd.write32(GICD_SGIR, ((target_core_mask & 0xff) << 16) | (intid & 0xf));
}

void acknowledge_all() {
  for (int i = 0; i < 64; ++i) {
    uint32_t iar = g_gicc.read32(GICC_IAR);
    if ((iar & 0x3ff) == kSpurious) break;
    g_gicc.write32(GICC_EOIR, iar);
  }
  // The caller reads the job the SGI announced right after this. Nothing orders a Device
  // read (GICC_IAR) before a later Normal load - not even a load-acquire, which only orders
  // what comes after it - so without a barrier the A72 may read the old job generation,
  // consume the SGI here and sleep for good (lost wake-up). Linux irq-gic.c gic_handle_irq
  // issues smp_rmb() after reading IAR for an SGI (paired with the dmb before the
  // GICD_SGIR write). Circle (lib/interruptgic.cpp, lib/multicore.cpp) needs none: its IPI
  // carries the whole message in the SGI number and no shared data is read after IAR; ours
  // announces a job in memory, so we need Linux's barrier. Armv8 memory model: DMB orders
  // the device read before every later load and store of this core.
  asm volatile("dmb ish" ::: "memory");
}

}  // namespace inferpi::gic
