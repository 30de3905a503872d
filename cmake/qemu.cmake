# QEMU system tests of the virt kernel.
#
# inferpi_qemu_test(<name>
#     [SESSION <file>]          a session script for tests/qemu/qemu_session.py (send/expect/...)
#     [PY_SCRIPT <file>]        or a Python test that imports qemu_session itself
#     [KERNEL <elf>]            default: ${INFERPI_VIRT_KERNEL}
#     [EXPECT_EXIT <n>]         semihosting exit status the run must end with (default 0)
#     [TIMEOUT <seconds>]       CTest timeout (default 180; each expect has its own)
#     [QEMU_ARGS <args>...]     extra QEMU arguments (devices, drives)
#     [LABELS <labels>...])     added to the label `qemu`
#
# QEMU runs as: qemu-system-aarch64 -M virt,virtualization=on -cpu cortex-a72 -smp 4 -m 2G
#   -display none -serial stdio -monitor none -semihosting -nic none -kernel <elf> <QEMU_ARGS>
# (qemu.md §3, §12). On failure the driver prints the whole console transcript.
include_guard(GLOBAL)

function(inferpi_qemu_test name)
  cmake_parse_arguments(Q "" "SESSION;PY_SCRIPT;KERNEL;EXPECT_EXIT;TIMEOUT" "QEMU_ARGS;LABELS" ${ARGN})
  if(NOT Q_KERNEL)
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
  if(Q_QEMU_ARGS)
    list(APPEND _cmd -- ${Q_QEMU_ARGS})
  endif()
  add_test(NAME ${name} COMMAND ${_cmd})
  set_tests_properties(${name} PROPERTIES LABELS "qemu;${Q_LABELS}" TIMEOUT ${Q_TIMEOUT}
                       ENVIRONMENT "PYTHONPATH=${CMAKE_SOURCE_DIR}/tests/qemu")
endfunction()
