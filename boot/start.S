// Kernel entry for both bare-metal boards. Every core enters at EL2 with the MMU and
// caches off: the Pi 4 firmware's armstub8 drops to EL2 (pi4-hardware.md §1.1) and QEMU
// `virt,virtualization=on` starts ELF kernels at EL2 (qemu.md §3).
//
// We STAY at EL2. Both boards hand us EL2; we run no guest, so EL1 would only add an
// ERET, a second set of system registers to keep consistent, and HVC/SMC routing to
// think about. At EL2 (HCR_EL2.E2H = 0) there is one translation range (TTBR0_EL2),
// which is all an identity map needs; PSCI over SMC (virt) and semihosting work from
// EL2. The price is TCR_EL2's different layout (mmu/mmu.cpp).
//
// Core 0 arrives at _start (Pi 4: x0 = DTB address; virt ELF: x0 = 0, DTB at
// 0x40000000). Cores 1..3 arrive at secondary_start when the board releases them
// (Pi 4 spin table, virt PSCI CPU_ON) - never at _start.

#include "boot/boot_layout.h"

    .section .text.boot, "ax"
    .global _start
_start:
    mov     x19, x0                     // keep the DTB address
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cbnz    x1, park                    // only core 0 may come here
    mrs     x2, CurrentEL
    cmp     x2, #(2 << 2)
    b.ne    park                        // need EL2 (virt: virtualization=on)
    adr     x2, _start                  // running where we were linked? (Pi 4: a
    ldr     x3, =_start                 // kernel8.img with a Linux header would be moved)
    cmp     x2, x3
    b.ne    park
    bl      el2_setup
    mov     x1, #0
    bl      set_stack
    // Clear .bss once, before any C++ runs (16-byte aligned, multiple of 16: see kernel.ld).
    ldr     x2, =__bss_start
    ldr     x3, =__bss_end
1:  cmp     x2, x3
    b.hs    2f
    stp     xzr, xzr, [x2], #16
    b       1b
2:  mov     x0, x19
    bl      inferpi_kernel_entry        // never returns
    b       park

    .global secondary_start
secondary_start:
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cmp     x1, #(BOOT_MAX_CORES - 1)
    b.hi    park
    bl      el2_setup
    bl      set_stack
    mov     x0, x1
    bl      inferpi_secondary_entry     // never returns
    b       park

// sp = top of core x1's stack. Clobbers x2, x3.
set_stack:
    ldr     x2, =__stacks_start
    add     x3, x1, #1
    mov     x4, #BOOT_STACK_SIZE
    madd    x2, x3, x4, x2
    mov     sp, x2
    ret

// Per-core EL2 state that must exist before compiled code runs. Clobbers x2.
el2_setup:
    mov     x2, #0x33ff                 // CPTR_EL2: RES1 bits, TFP = 0 -> FP/SIMD not
    msr     cptr_el2, x2                // trapped (the compiler uses q-registers anywhere)
    mov     x2, #(3 << 20)
    msr     cpacr_el1, x2               // FPEN for EL1/EL0 too (harmless, tidy)
    msr     hstr_el2, xzr
    // HCR_EL2: RW (EL1 is AArch64), AMO (bit 5): physical SErrors are routed to EL2, so a
    // bus error from a dead PCIe device is reported by our vectors; with AMO = 0 an SError
    // targets EL1 and is never taken while we run at EL2 - silently dropped (review item
    // 8). Linux's VHE host runs at EL2 with HCR_EL2.TGE, which routes SErrors to EL2 as
    // AMO does, and arm64 unmasks PSTATE.A early in boot; Circle runs at EL1, where AMO = 0
    // already sends them to its SErrorStub vector (exceptionstub64.S). Armv8: an SError
    // routed below the current EL is never taken. PSTATE.A is cleared after the MMU is on
    // (cpu::unmask_serror). IMO/FMO = 0:
    // physical IRQs target EL1, so at EL2 they are never taken as exceptions; a pending
    // SGI still ends WFI, which is all the worker pool uses them for. No traps, no stage 2.
    mov     x2, #(1 << 31)
    orr     x2, x2, #(1 << 5)
    msr     hcr_el2, x2
    msr     cntvoff_el2, xzr
    ldr     x2, =0x30c50830             // SCTLR_EL2 RES1 bits only: MMU, caches and
    msr     sctlr_el2, x2               // alignment checks off until mmu::enable()
    ldr     x2, =exception_vectors
    msr     vbar_el2, x2
    isb
    ret

    .global park
park:
    msr     daifset, #0xf
1:  wfi                                 // WFI, not WFE: WFE spins in QEMU (qemu.md §8)
    b       1b
