# The host build drives the bare-metal builds, so one `ctest --preset host` runs unit tests
# and QEMU system tests: build/host/kernels/virt and build/host/kernels/pi4 are configured
# with the bare-metal toolchain and rebuilt on every host build (BUILD_ALWAYS; Ninja makes
# a no-op rebuild cheap).
#
# Exposes (cache, INTERNAL):
#   INFERPI_VIRT_KERNEL   the virt kernel ELF (for inferpi_qemu_test, cmake/qemu.cmake)
#   INFERPI_PI4_KERNEL_ELF / INFERPI_PI4_KERNEL_IMG   inferpi.elf / kernel8.img
include_guard(GLOBAL)
include(ExternalProject)

option(INFERPI_BUILD_KERNELS "Build the virt and pi4 kernels from the host build" ON)
set(INFERPI_KERNEL_JOBS 2 CACHE STRING "Parallel jobs for each kernel build")

set(_kdir ${CMAKE_BINARY_DIR}/kernels)
set(INFERPI_VIRT_KERNEL ${_kdir}/virt/runtime/boards/virt/inferpi-virt.elf CACHE INTERNAL "")
set(INFERPI_PI4_KERNEL_ELF ${_kdir}/pi4/runtime/boards/pi4/inferpi.elf CACHE INTERNAL "")
set(INFERPI_PI4_KERNEL_IMG ${_kdir}/pi4/runtime/boards/pi4/kernel8.img CACHE INTERNAL "")

if(INFERPI_BUILD_KERNELS)
  foreach(board IN ITEMS virt pi4)
    if(board STREQUAL "virt")
      set(_products ${INFERPI_VIRT_KERNEL})
    else()
      set(_products ${INFERPI_PI4_KERNEL_ELF} ${INFERPI_PI4_KERNEL_IMG})
    endif()
    ExternalProject_Add(kernel_${board}
      SOURCE_DIR ${CMAKE_SOURCE_DIR}
      BINARY_DIR ${_kdir}/${board}
      CMAKE_GENERATOR ${CMAKE_GENERATOR}
      CMAKE_ARGS
        -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/cmake/toolchain-aarch64-baremetal.cmake
        -DINFERPI_BOARD=${board}
        -DCMAKE_BUILD_TYPE=Release
      BUILD_COMMAND ${CMAKE_COMMAND} --build <BINARY_DIR> -j ${INFERPI_KERNEL_JOBS}
      BUILD_ALWAYS ON
      INSTALL_COMMAND ""
      BUILD_BYPRODUCTS ${_products}
      STEP_TARGETS build)
  endforeach()
endif()
