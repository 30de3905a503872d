# Toolchain for the bare-metal boards (virt, pi4): a freestanding AArch64 C++20 kernel.
#
# Compiler: the Arm GNU Toolchain's aarch64-none-elf-g++ (newlib) when it is on PATH,
# otherwise Debian's aarch64-linux-gnu-g++ used freestanding. Either way we link with
# -nostdlib and our own C++ runtime (runtime/kernel); from the C library we take only
# string functions that never touch errno (see INFERPI_KERNEL_LIBC below).
#
# All code-generation flags live here, once. Each one is explained; most were found
# necessary by the QEMU experiments (../shared/docs/qemu.md §2.1).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)  # no crt0/libc to link a test program

find_program(INFERPI_NONE_ELF_GXX aarch64-none-elf-g++)
if(INFERPI_NONE_ELF_GXX)
  set(_prefix aarch64-none-elf-)
  set(INFERPI_TOOLCHAIN_KIND "aarch64-none-elf (newlib)")
else()
  set(_prefix aarch64-linux-gnu-)
  set(INFERPI_TOOLCHAIN_KIND "aarch64-linux-gnu freestanding + picolibc")
endif()
set(CMAKE_C_COMPILER ${_prefix}gcc)
set(CMAKE_CXX_COMPILER ${_prefix}g++)
set(CMAKE_ASM_COMPILER ${_prefix}gcc)
set(CMAKE_OBJCOPY ${_prefix}objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE ${_prefix}size CACHE FILEPATH "size")

# C library for string functions (strlen, strcmp, strchr, ...).
# - picolibc: its errno is a TLS variable read through TPIDR_EL0 (qemu.md §2.4). We do NOT
#   set up TLS; instead we link only functions that never touch errno (string/memory
#   functions), and a CTest (kernel_no_tls) checks that the kernel ELF has no TLS
#   section, so anything that drags errno in fails the build's tests, not the boot.
# - memcpy/memmove/memset/memcmp come from runtime/kernel/libc_mem.cpp (ours), because
#   the optimised library versions use unaligned accesses and DC ZVA, which fault while
#   the MMU is off (all memory is Device then; pi4-hardware.md §3.2).
if(INFERPI_NONE_ELF_GXX)
  execute_process(COMMAND ${_prefix}gcc -print-file-name=libc.a
                  OUTPUT_VARIABLE INFERPI_KERNEL_LIBC OUTPUT_STRIP_TRAILING_WHITESPACE)
else()
  set(INFERPI_KERNEL_LIBC /usr/lib/picolibc/aarch64-linux-gnu/lib/libc.a)
endif()
execute_process(COMMAND ${_prefix}gcc -print-libgcc-file-name
                OUTPUT_VARIABLE INFERPI_KERNEL_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE)

set(_flags
  -mcpu=cortex-a72                    # the Pi 4 core: ARMv8.0-A, no LSE/dotprod/fp16 arith
  -ffreestanding                      # no hosted library assumptions
  -fno-exceptions -fno-rtti           # no unwinder and no typeinfo in the kernel
  -mstrict-align                      # no unaligned accesses: with the MMU off every data
                                      # access is Device memory and unaligned ones fault on
                                      # the A72 (QEMU does not fault; qemu.md §11.1). Kept
                                      # for all code because the DTB is parsed pre-MMU.
  -mno-outline-atomics                # inline LDXR/STXR; outline helpers need glibc
  -fno-stack-protector                # no __stack_chk_guard / TLS canary
  -fno-pie                            # linked at a fixed address (0x80000 / 0x40200000)
  -fno-tree-loop-distribute-patterns  # stop gcc turning our memset loop into memset()
  -fno-delete-null-pointer-checks     # the spin table lives at 0xD8: low addresses are real
  --param=min-pagesize=0              # no false -Warray-bounds on fixed low addresses
  -ffunction-sections -fdata-sections # with --gc-sections: only what is used is linked
)
# Thread-safe statics stay ON (the default): runtime/kernel provides __cxa_guard_* with
# the 64-bit AArch64 guard, so a function-local static is safe with four cores.
list(JOIN _flags " " _flags_str)
set(CMAKE_C_FLAGS_INIT "${_flags_str}")
set(CMAKE_CXX_FLAGS_INIT "${_flags_str}")
set(CMAKE_ASM_FLAGS_INIT "-mcpu=cortex-a72")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -Wl,--gc-sections -Wl,--build-id=none -Wl,--no-warn-rwx-segments")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

# $<LINK_LIBRARY:WHOLE_ARCHIVE,...> (engines/CMakeLists.txt) is predefined only for hosted
# platforms; define it for this Generic one with the GNU linker's flags.
set(CMAKE_LINK_LIBRARY_USING_WHOLE_ARCHIVE
    "LINKER:--whole-archive" "<LINK_ITEM>" "LINKER:--no-whole-archive")
set(CMAKE_LINK_LIBRARY_USING_WHOLE_ARCHIVE_SUPPORTED TRUE)
