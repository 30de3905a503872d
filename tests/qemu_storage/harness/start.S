// Entry of the storage test harness (QEMU virt, ELF boot at EL1, MMU off: QEMU treats
// memory as coherent and tolerates unaligned accesses, unlike a Pi 4 — see qemu.md §11).
.section .text.boot, "ax"
.global _start
_start:
  mrs x1, mpidr_el1
  and x1, x1, #0xFF
  cbnz x1, park
  ldr x1, =__stack_top
  mov sp, x1
  mov x1, #(3 << 20)          // CPACR_EL1.FPEN: FP/SIMD on (format.cpp prints %f)
  msr cpacr_el1, x1
  isb
  ldr x1, =__bss_start
  ldr x2, =__bss_end
1: cmp x1, x2
  b.hs 2f
  str xzr, [x1], #8
  b 1b
2: bl harness_main
  // Semihosting SYS_EXIT_EXTENDED(ADP_Stopped_ApplicationExit, code in w0).
  adr x1, exit_block
  str x0, [x1, #8]
  mov x0, #0x20
  hlt #0xf000
park:
  wfi
  b park
.balign 8
exit_block:
  .quad 0x20026
  .quad 0
