// Small wrappers for the system registers the kernel reads (we run at EL2, see boot/start.S).
#pragma once
#include <cstdint>

namespace inferpi::cpu {

#define INFERPI_READ_SYSREG(name)              \
  ({                                           \
    uint64_t _v;                               \
    asm volatile("mrs %0, " #name : "=r"(_v)); \
    _v;                                        \
  })

inline int core_id() { return int(INFERPI_READ_SYSREG(mpidr_el1) & 0xff); }
inline int current_el() { return int((INFERPI_READ_SYSREG(CurrentEL) >> 2) & 3); }
inline uint64_t counter() {
  asm volatile("isb" ::: "memory");  // ordered timing (pi4-hardware.md §1.7)
  return INFERPI_READ_SYSREG(cntpct_el0);
}
inline uint64_t counter_frequency() { return INFERPI_READ_SYSREG(cntfrq_el0); }
inline void wfi() { asm volatile("wfi" ::: "memory"); }
inline void sev() { asm volatile("sev" ::: "memory"); }
inline void dsb_sy() { asm volatile("dsb sy" ::: "memory"); }
inline void isb() { asm volatile("isb" ::: "memory"); }
inline void relax() { asm volatile("yield" ::: "memory"); }
// PSTATE.A = 0: take SErrors (routed to EL2 by HCR_EL2.AMO, boot/start.S). Called on every
// core once its MMU is on, so the vectors' report runs with the console usable.
inline void unmask_serror() { asm volatile("msr daifclr, #4\n isb" ::: "memory"); }
// For `diag` and the boot tests: HCR_EL2.AMO set and PSTATE.A clear on this core.
inline bool serror_routed_and_unmasked() {
  return (INFERPI_READ_SYSREG(hcr_el2) & (1u << 5)) && !(INFERPI_READ_SYSREG(daif) & (1u << 8));
}

}  // namespace inferpi::cpu
