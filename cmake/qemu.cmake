# QEMU system tests of the kernels (virt, and the pi4 kernel8.img on QEMU's raspi4b).
#
# inferpi_qemu_test(<name>
#     [SESSION <file>]          a session script for tests/qemu/qemu_session.py (send/expect/...)
#     [PY_SCRIPT <file>]        or a Python test that imports qemu_session itself
#     [KERNEL <elf>]            default: ${INFERPI_VIRT_KERNEL} (raspi4b: ${INFERPI_PI4_KERNEL_IMG})
#     [BOARD virt|raspi4b]      default virt (how each board starts: tools/pylib/qemu_boards.py)
#     [DTB <file>|none|qemu-sd] raspi4b: default qemu-sd (the Pi 4 DTB, SD slot on QEMU's card)
#     [EXPECT_EXIT <n>]         semihosting exit status the run must end with (default 0)
#     [TIMEOUT <seconds>]       CTest timeout (default 180; each expect has its own)
#     [QEMU_ARGS <args>...]     extra QEMU arguments (devices, drives)
#     [LABELS <labels>...]      added to the label `qemu`
#     [NO_SEMIHOSTING])         boot without -semihosting (exit falls back to PSCI, status 0)
#
# virt runs as: qemu-system-aarch64 -M virt,virtualization=on -cpu cortex-a72 -smp 4 -m 2G
#   -display none -serial stdio -monitor none -semihosting -nic none -kernel <elf> <QEMU_ARGS>
# (qemu.md §3, §12); raspi4b as -M raspi4b -m 2G ... -kernel kernel8.img -dtb <DTB>. On
# failure the driver prints the whole console transcript. A QEMU without the board makes
# the test skip (exit 77) with a message saying how to get one.
include_guard(GLOBAL)

function(inferpi_qemu_test name)
  cmake_parse_arguments(Q "NO_SEMIHOSTING" "SESSION;PY_SCRIPT;KERNEL;EXPECT_EXIT;TIMEOUT;BOARD;DTB" "QEMU_ARGS;LABELS" ${ARGN})
  if(NOT Q_BOARD)
    set(Q_BOARD virt)
  endif()
  if(NOT Q_KERNEL AND Q_BOARD STREQUAL "raspi4b")
    set(Q_KERNEL ${INFERPI_PI4_KERNEL_IMG})
  elseif(NOT Q_KERNEL)
    set(Q_KERNEL ${INFERPI_VIRT_KERNEL})
  endif()
  if(NOT DEFINED Q_EXPECT_EXIT)
    set(Q_EXPECT_EXIT 0)
  endif()
  if(NOT Q_TIMEOUT)
    set(Q_TIMEOUT 180)
  endif()
  set(_driver ${CMAKE_SOURCE_DIR}/tests/qemu/qemu_session.py)
  if(Q_PY_SCRIPT)
    set(_cmd ${INFERPI_PYTHON} ${Q_PY_SCRIPT} --kernel ${Q_KERNEL} --expect-exit ${Q_EXPECT_EXIT})
  else()
    set(_cmd ${INFERPI_PYTHON} ${_driver} --kernel ${Q_KERNEL} --session ${Q_SESSION}
             --expect-exit ${Q_EXPECT_EXIT})
  endif()
  if(Q_NO_SEMIHOSTING)
    list(APPEND _cmd --no-semihosting)
  endif()
  if(NOT Q_PY_SCRIPT)
    list(APPEND _cmd --board ${Q_BOARD})
    if(Q_DTB)
      list(APPEND _cmd --dtb ${Q_DTB})
    endif()
  endif()
  if(Q_QEMU_ARGS)
    list(APPEND _cmd -- ${Q_QEMU_ARGS})
  endif()
  add_test(NAME ${name} COMMAND ${_cmd})
  set_tests_properties(${name} PROPERTIES LABELS "qemu;${Q_LABELS}" TIMEOUT ${Q_TIMEOUT}
                       SKIP_RETURN_CODE 77 ENVIRONMENT "PYTHONPATH=${CMAKE_SOURCE_DIR}/tests/qemu")
endfunction()
