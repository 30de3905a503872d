#!/usr/bin/python3
"""Static checks of the kernel images (stdlib only, no binutils needed):

  check_kernel_elf.py ELF --entry 0x80000 [--flat kernel8.img]

- the ELF entry point (_start) is at --entry, and the lowest loaded address is --entry too,
  so a flat binary made from it starts with _start's first instruction;
- the ELF has no TLS section or segment (runtime/kernel does not set up TPIDR_EL0 blocks;
  picolibc's errno would need them: cmake/toolchain-aarch64-baremetal.cmake);
- with --flat: the flat image's first bytes are the ELF's bytes at the entry, and the
  image carries NO Linux arm64 Image header (magic "ARM\\x64" at 0x38), which would make
  the Pi firmware relocate it (pi4-hardware.md §1.2).
"""
import argparse
import struct
import sys


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elf")
    ap.add_argument("--entry", required=True, type=lambda s: int(s, 0))
    ap.add_argument("--flat")
    a = ap.parse_args()
    data = open(a.elf, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        fail(f"{a.elf}: not a little-endian ELF64")
    (e_type, e_machine, _, e_entry, e_phoff, e_shoff, _, _, e_phentsize, e_phnum,
     e_shentsize, e_shnum, e_shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", data, 16)
    if e_machine != 183:
        fail(f"machine {e_machine}, expected AArch64 (183)")
    if e_entry != a.entry:
        fail(f"entry point 0x{e_entry:x}, expected 0x{a.entry:x}")
    print(f"entry point 0x{e_entry:x}: ok")

    loads = []
    for i in range(e_phnum):
        p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, e_phoff + i * e_phentsize)
        if p_type == 7:
            fail("the ELF has a PT_TLS segment (thread-local data: errno from libc?)")
        if p_type == 1 and p_filesz:
            loads.append((p_vaddr, p_offset, p_filesz))
    if not loads or min(v for v, _, _ in loads) != a.entry:
        fail(f"lowest loaded address is not the entry 0x{a.entry:x}: {loads}")

    shstr_off = struct.unpack_from("<Q", data, e_shoff + e_shstrndx * e_shentsize + 24)[0]
    for i in range(e_shnum):
        sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size = struct.unpack_from(
            "<IIQQQQ", data, e_shoff + i * e_shentsize)
        name = data[shstr_off + sh_name:data.index(b"\0", shstr_off + sh_name)].decode()
        if (sh_flags & 0x400) or name in (".tdata", ".tbss"):  # SHF_TLS
            fail(f"TLS section {name} ({sh_size} bytes) in the kernel")
    print("no TLS: ok")

    if a.flat:
        img = open(a.flat, "rb").read()
        vaddr, off, size = min(loads)
        head = data[off:off + 64]
        if img[:64] != head:
            fail("the flat image does not start with the ELF's code at the entry point")
        if len(img) >= 0x3c and img[0x38:0x3c] == b"ARM\x64":
            fail("the flat image carries a Linux arm64 Image header (firmware would move it)")
        print(f"{a.flat}: {len(img)} bytes, starts with _start, no Linux header: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
