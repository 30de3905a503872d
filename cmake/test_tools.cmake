# Test glue shared by the test areas: libFuzzer targets built with clang++ and NEON tests
# cross-built for aarch64 and run under qemu-aarch64 -cpu cortex-a72. Each gives one CTest
# test, or a test that says SKIP and why when the tools are missing.

# A test that only reports why it cannot run (CTest shows it as skipped).
function(inferpi_skipped_test name labels reason)
  add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} -E echo "SKIP: ${reason}")
  set_tests_properties(${name} PROPERTIES SKIP_REGULAR_EXPRESSION "SKIP:" LABELS "${labels}")
endfunction()

# A misspelt keyword (or a one-value keyword given a list) must not silently drop arguments:
# that once lost the `fuzz` and `neon` labels.
macro(_inferpi_no_stray_arguments name prefix)
  if(${prefix}_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${name}: unexpected arguments: ${${prefix}_UNPARSED_ARGUMENTS}")
  endif()
endmacro()

# clang++ with the libFuzzer runtime (Debian: clang + libclang-rt-14-dev), or empty.
function(_inferpi_find_libfuzzer out)
  find_program(INFERPI_CLANGXX NAMES clang++ clang++-14)
  set(${out} "" PARENT_SCOPE)
  if(NOT INFERPI_CLANGXX)
    return()
  endif()
  execute_process(COMMAND ${INFERPI_CLANGXX} -print-resource-dir OUTPUT_VARIABLE _res
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  execute_process(COMMAND ${INFERPI_CLANGXX} --print-runtime-dir OUTPUT_VARIABLE _rt
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  file(GLOB _found "${_rt}/libclang_rt.fuzzer*.a" "${_res}/lib/linux/libclang_rt.fuzzer-*.a")
  if(_found)
    set(${out} ${INFERPI_CLANGXX} PARENT_SCOPE)
  endif()
endfunction()

# inferpi_fuzz_test(NAME SOURCES s... DEPENDS f... CORPUS dir [SEEDS dir] SECONDS n
#                   LABELS l... [ARGS libFuzzer options...] [ENV VAR=value...])
# Builds NAME with clang++ -fsanitize=fuzzer,address,undefined from SOURCES and runs it for
# SECONDS over CORPUS (inputs that find new coverage are added there) and SEEDS.
function(inferpi_fuzz_test name)
  cmake_parse_arguments(F "" "CORPUS;SEEDS;SECONDS" "LABELS;SOURCES;DEPENDS;ARGS;ENV" ${ARGN})
  _inferpi_no_stray_arguments(${name} F)
  _inferpi_find_libfuzzer(_clangxx)
  if(NOT _clangxx)
    message(STATUS "${name}: clang++ or its libFuzzer runtime is missing (tools/setup installs "
                   "clang libclang-rt-14-dev); the test will be skipped")
    inferpi_skipped_test(${name} "${F_LABELS}"
                         "needs clang++ with the libFuzzer runtime (libclang-rt-14-dev)")
    return()
  endif()
  set(_bin ${CMAKE_CURRENT_BINARY_DIR}/${name})
  add_custom_command(
    OUTPUT ${_bin}
    COMMAND ${_clangxx} -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined -Wall -Wextra -Werror -I${CMAKE_SOURCE_DIR}
            -DINFERPI_BUILD_ID="fuzz" ${F_SOURCES} -o ${_bin}
    DEPENDS ${F_SOURCES} ${F_DEPENDS}
    COMMENT "Building the ${name} libFuzzer target (clang++, ASan + UBSan)"
    VERBATIM)
  add_custom_target(${name}_build ALL DEPENDS ${_bin})
  file(MAKE_DIRECTORY ${F_CORPUS})
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -E env ${F_ENV} ${_bin} ${F_CORPUS} ${F_SEEDS}
                   -max_total_time=${F_SECONDS} ${F_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS "${F_LABELS}" TIMEOUT 300)
endfunction()

# inferpi_neon_test(NAME SOURCES s... DEPENDS f... LABELS l...)
# Cross-builds NAME for the Pi 4's core (-mcpu=cortex-a72: no dotprod, no fp16 arithmetic;
# warnings are errors, no FP contraction, as the engines) and runs it under qemu-aarch64.
function(inferpi_neon_test name)
  cmake_parse_arguments(N "" "" "LABELS;SOURCES;DEPENDS" ${ARGN})
  _inferpi_no_stray_arguments(${name} N)
  find_program(INFERPI_AARCH64_CXX aarch64-linux-gnu-g++)
  find_program(INFERPI_QEMU_AARCH64 qemu-aarch64)
  if(NOT INFERPI_AARCH64_CXX OR NOT INFERPI_QEMU_AARCH64)
    inferpi_skipped_test(${name} "${N_LABELS}"
                         "needs aarch64-linux-gnu-g++ and qemu-aarch64 (tools/setup installs them)")
    return()
  endif()
  set(_bin ${CMAKE_CURRENT_BINARY_DIR}/${name}.aarch64)
  add_custom_command(
    OUTPUT ${_bin}
    COMMAND ${INFERPI_AARCH64_CXX} -std=c++20 -O2 -mcpu=cortex-a72 -static -Wall -Wextra -Werror
            -ffp-contract=off -I${CMAKE_SOURCE_DIR} ${N_SOURCES} -o ${_bin}
    DEPENDS ${N_SOURCES} ${N_DEPENDS}
    COMMENT "Cross-building ${name} for aarch64"
    VERBATIM)
  add_custom_target(${name}_build ALL DEPENDS ${_bin})
  add_test(NAME ${name} COMMAND ${INFERPI_QEMU_AARCH64} -cpu cortex-a72 ${_bin})
  set_tests_properties(${name} PROPERTIES LABELS "${N_LABELS}" TIMEOUT 120)
endfunction()
