// EL2 exception vectors (VBAR_EL2, 2 KiB aligned, 16 entries of 0x80 bytes;
// pi4-hardware.md §1.6). Every entry saves x0..x30 and calls
// inferpi_exception(kind, frame), which prints ESR/ELR/FAR/SPSR and the exception class
// in words, then stops that core. Nothing returns except the semihosting fallback,
// which never returns either (it powers off).

    .macro VECTOR kind
    .balign 0x80
    sub     sp, sp, #(32 * 8)
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       save_and_report
    .endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global exception_vectors
exception_vectors:
    VECTOR 0    // current EL, SP_EL0: sync
    VECTOR 1    //                     IRQ
    VECTOR 2    //                     FIQ
    VECTOR 3    //                     SError
    VECTOR 4    // current EL, SP_ELx: sync
    VECTOR 5    //                     IRQ
    VECTOR 6    //                     FIQ
    VECTOR 7    //                     SError
    VECTOR 8    // lower EL, AArch64
    VECTOR 9
    VECTOR 10
    VECTOR 11
    VECTOR 12   // lower EL, AArch32
    VECTOR 13
    VECTOR 14
    VECTOR 15

save_and_report:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    str     x30, [sp, #240]
    mov     x1, sp
    bl      inferpi_exception
    b       park
