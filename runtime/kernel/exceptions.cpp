// What boot/vectors.S calls for every exception: print what happened, in words, and stop
// this core. We run polled with interrupts masked, so any exception is a bug or a
// hardware fault (an SError from a dead PCIe device, a data abort on a bad pointer).
#include <cstdint>

#include "runtime/core/code_names.h"
#include "runtime/core/console.h"
#include "runtime/kernel/cpu.h"
#include "runtime/kernel/panic.h"
#include "runtime/kernel/semihost.h"

namespace inferpi {

// ESR_ELx.EC values (Arm ARM D17.2.37), in words that point at the likely bug.
constexpr CodeName kExceptionClasses[] = {
    {0x00, "unknown reason (undefined instruction?)"},
    {0x01, "WFI/WFE trapped"},
    {0x07, "FP/SIMD access trapped (CPTR/CPACR not set?)"},
    {0x0e, "illegal execution state"},
    {0x15, "SVC from AArch64"},
    {0x16, "HVC from AArch64"},
    {0x17, "SMC from AArch64"},
    {0x18, "MSR/MRS/system instruction trapped"},
    {0x20, "instruction abort from a lower EL"},
    {0x21, "instruction abort (bad jump or unmapped code)"},
    {0x22, "PC alignment fault"},
    {0x24, "data abort from a lower EL"},
    {0x25, "data abort (bad pointer, unmapped or misaligned access)"},
    {0x26, "SP alignment fault"},
    {0x2c, "floating-point exception"},
    {0x2f, "SError (asynchronous abort, e.g. a bus error from a device)"},
    {0x30, "breakpoint"},
    {0x31, "breakpoint"},
    {0x32, "software step"},
    {0x33, "software step"},
    {0x34, "watchpoint"},
    {0x35, "watchpoint"},
    {0x3c, "BRK instruction (compiler trap: null dereference or __builtin_trap)"},
};

const char* exception_class_name(uint32_t ec) {
  return name_of(ec, kExceptionClasses, "unrecognised exception class");
}

static const char* kKindNames[4] = {"synchronous", "IRQ", "FIQ", "SError"};
static const char* kOriginNames[4] = {"current EL with SP_EL0", "current EL", "lower EL (AArch64)",
                                      "lower EL (AArch32)"};

extern "C" void inferpi_exception(uint64_t kind, const uint64_t* regs) {
  uint64_t esr = INFERPI_READ_SYSREG(esr_el2), elr = INFERPI_READ_SYSREG(elr_el2);
  uint64_t far = INFERPI_READ_SYSREG(far_el2), spsr = INFERPI_READ_SYSREG(spsr_el2);
  uint32_t ec = uint32_t(esr >> 26) & 0x3f;
  // virt test builds: `hlt #0xf000` without -semihosting is undefined; power off instead.
  if (ec == 0 && semihost_exit_in_progress()) psci_system_off();
  kprint("\r\n*** EXCEPTION on core %d: %s from %s\r\n", cpu::core_id(), kKindNames[kind & 3],
         kOriginNames[(kind >> 2) & 3]);
  if ((kind & 3) == 0 || (kind & 3) == 3) {
    kprint("*** class 0x%02x: %s\r\n", ec, exception_class_name(ec));
  }
  kprint("*** ESR_EL2=0x%016llx ELR_EL2=0x%016llx\r\n*** FAR_EL2=0x%016llx SPSR_EL2=0x%016llx\r\n",
         (unsigned long long)esr, (unsigned long long)elr, (unsigned long long)far,
         (unsigned long long)spsr);
  kprint("*** x0=%llx x1=%llx x2=%llx x3=%llx x29=%llx x30=%llx\r\n", (unsigned long long)regs[0],
         (unsigned long long)regs[1], (unsigned long long)regs[2], (unsigned long long)regs[3],
         (unsigned long long)regs[29], (unsigned long long)regs[30]);
  kprint("*** core %d stopped\r\n", cpu::core_id());
  halt_this_core();
}

}  // namespace inferpi
