#!/bin/sh
# Builds the storage test harness (a bare-metal ELF for QEMU virt) from the driver sources.
# usage: build_harness.sh SOURCE_DIR OUTPUT.elf [CXX]
set -e
src=$1
out=$2
cxx=${3:-aarch64-linux-gnu-g++}
cd "$src"
files="$(ls drivers/block/*.cpp drivers/fat32/*.cpp drivers/pcie/*.cpp drivers/usb/*.cpp drivers/sdhci/*.cpp drivers/storage_hw/*.cpp | grep -v -e storage_fdt -e storage_shell)
  runtime/core/console.cpp runtime/core/format.cpp runtime/core/status.cpp runtime/core/kstring.cpp
  tests/qemu_storage/harness/harness.cpp tests/qemu_storage/harness/start.S"
exec $cxx -std=c++20 -O2 -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics \
  -fno-builtin -mcpu=cortex-a72 -mno-outline-atomics -mstrict-align -nostdlib -static \
  -Wl,--no-warn-rwx-segments -Wl,--build-id=none -Wall -Wextra -Werror -I. -T tests/qemu_storage/harness/link.ld $files -lgcc -o "$out"
