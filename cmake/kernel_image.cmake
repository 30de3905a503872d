# inferpi_kernel_executable(<name> BOARD_LIB <lib> BASE <address> [FLAT_BINARY <file>])
# Links a bare-metal kernel ELF (<name>.elf) at BASE with boot/kernel.ld.in, optionally
# writes a flat binary (objcopy -O binary: the Pi's kernel8.img), and prints the image
# size at the end of the build.
#
# The board, kernel, hardware-driver and app libraries are linked as objects (like
# whole-archive): shell commands and drivers register themselves through linker sections,
# so no other code references their objects and an archive link would silently drop them.
# --gc-sections still removes whatever is really unused.
include_guard(GLOBAL)
include(${CMAKE_SOURCE_DIR}/boot/boot_layout.cmake)

function(inferpi_kernel_executable name)
  cmake_parse_arguments(K "" "BOARD_LIB;BASE;FLAT_BINARY" "" ${ARGN})
  set(INFERPI_KERNEL_BASE ${K_BASE})
  math(EXPR INFERPI_STACKS_SIZE "${BOOT_MAX_CORES} * ${BOOT_STACK_SIZE}" OUTPUT_FORMAT HEXADECIMAL)
  set(_ld ${CMAKE_CURRENT_BINARY_DIR}/${name}.ld)
  configure_file(${CMAKE_SOURCE_DIR}/boot/kernel.ld.in ${_ld} @ONLY)

  set(_whole ${K_BOARD_LIB} inferpi_kernel inferpi_hw)
  if(TARGET inferpi_app)
    list(APPEND _whole inferpi_app)
  endif()
  # Their objects go straight into the link (= whole-archive, with dependency tracking).
  set(_objects $<TARGET_OBJECTS:inferpi_boot>)
  foreach(lib IN LISTS _whole)
    list(APPEND _objects $<TARGET_OBJECTS:${lib}>)
  endforeach()
  add_executable(${name} ${_objects})
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" LINK_DEPENDS ${_ld} LINKER_LANGUAGE CXX)
  target_link_options(${name} PRIVATE -T ${_ld} -Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/${name}.map)
  target_link_libraries(${name} PRIVATE inferpi_mmu inferpi_storage inferpi_engines inferpi_core
                        ${INFERPI_KERNEL_LIBC} ${INFERPI_KERNEL_LIBGCC})
  # CMake puts the whole-archive engines after libc; their string calls (strstr) must still
  # resolve, so libc and libgcc come once more at the very end of the link line.
  set(CMAKE_CXX_STANDARD_LIBRARIES "${INFERPI_KERNEL_LIBC} ${INFERPI_KERNEL_LIBGCC}" PARENT_SCOPE)

  set(_size_cmd ${CMAKE_SIZE} $<TARGET_FILE:${name}>)
  if(K_FLAT_BINARY)
    add_custom_command(TARGET ${name} POST_BUILD
      COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${name}> ${CMAKE_CURRENT_BINARY_DIR}/${K_FLAT_BINARY}
      COMMAND ${CMAKE_COMMAND} -DFILE=${CMAKE_CURRENT_BINARY_DIR}/${K_FLAT_BINARY}
              -DELF=$<TARGET_FILE:${name}> -DSIZE_TOOL=${CMAKE_SIZE}
              -P ${CMAKE_SOURCE_DIR}/cmake/print_image_size.cmake
      BYPRODUCTS ${CMAKE_CURRENT_BINARY_DIR}/${K_FLAT_BINARY} VERBATIM)
  else()
    add_custom_command(TARGET ${name} POST_BUILD
      COMMAND ${CMAKE_COMMAND} -DELF=$<TARGET_FILE:${name}> -DSIZE_TOOL=${CMAKE_SIZE}
              -P ${CMAKE_SOURCE_DIR}/cmake/print_image_size.cmake
      VERBATIM)
  endif()
endfunction()
