// What boot/vectors.S calls for every exception: print what happened, in words, and stop
// this core. We run polled with interrupts masked, so any exception is a bug or a
// hardware fault (an SError from a dead PCIe device, a data abort on a bad pointer).
#include <cstdint>

#include "runtime/core/console.h"
#include "runtime/kernel/cpu.h"
#include "runtime/kernel/panic.h"
#include "runtime/kernel/semihost.h"

namespace inferpi {

const char* exception_class_name(uint32_t ec) {
  switch (ec) {
    case 0x00:
      return "unknown reason (undefined instruction?)";
    case 0x01:
      return "WFI/WFE trapped";
    case 0x07:
      return "FP/SIMD access trapped (CPTR/CPACR not set?)";
    case 0x0e:
      return "illegal execution state";
    case 0x15:
      return "SVC from AArch64";
    case 0x16:
      return "HVC from AArch64";
    case 0x17:
      return "SMC from AArch64";
    case 0x18:
      return "MSR/MRS/system instruction trapped";
    case 0x20:
      return "instruction abort from a lower EL";
    case 0x21:
      return "instruction abort (bad jump or unmapped code)";
    case 0x22:
      return "PC alignment fault";
    case 0x24:
      return "data abort from a lower EL";
    case 0x25:
      return "data abort (bad pointer, unmapped or misaligned access)";
    case 0x26:
      return "SP alignment fault";
    case 0x2c:
      return "floating-point exception";
    case 0x2f:
      return "SError (asynchronous abort, e.g. a bus error from a device)";
    case 0x30:
    case 0x31:
      return "breakpoint";
    case 0x32:
    case 0x33:
      return "software step";
    case 0x34:
    case 0x35:
      return "watchpoint";
    case 0x3c:
      return "BRK instruction (compiler trap: null dereference or __builtin_trap)";
  }
  return "unrecognised exception class";
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
