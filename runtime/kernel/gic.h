// GICv2 (QEMU virt's cortex-a15-gic and the Pi 4's GIC-400): just enough to wake parked
// cores with a software-generated interrupt (SGI). Interrupts stay masked in PSTATE; a
// pending, enabled interrupt still wakes WFI, and the woken core acknowledges it by hand.
// No interrupt handlers.
#pragma once
#include <cstdint>

namespace inferpi::gic {

constexpr uint32_t kWakeSgi = 0;

void init_distributor(uintptr_t gicd);               // core 0, once
void init_this_cpu(uintptr_t gicd, uintptr_t gicc);  // every core: enable kWakeSgi
void send_sgi(uint32_t intid, uint32_t target_core_mask);
// Acknowledges and ends every pending interrupt on this core (after waking from WFI).
void acknowledge_all();

}  // namespace inferpi::gic
