# Mirrors boot/boot_layout.h for the linker script (keep both in step).
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/boot_layout.h _lines REGEX "^#define BOOT_")
foreach(l IN LISTS _lines)
  string(REGEX MATCH "^#define (BOOT_[A-Z_]+) (.+)$" _m "${l}")
  set(${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
endforeach()
