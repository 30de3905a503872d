// Leaving QEMU with a status: semihosting SYS_EXIT (QEMU with -semihosting exits with
// code & 0xff; qemu.md §3). Without -semihosting the HLT is an undefined instruction; the
// exception handler sees semihost_exit_in_progress() and powers off through PSCI instead
// (status 0). virt only: the Pi has neither.
#pragma once

namespace inferpi {

[[noreturn]] void semihost_exit(int code);
bool semihost_exit_in_progress();
// PSCI over SMC (QEMU virt,virtualization=on emulates PSCI 1.1 at "EL3").
long psci_call(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3);
[[noreturn]] void psci_system_off();

}  // namespace inferpi
