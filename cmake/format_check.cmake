# `cmake --build build/host --target format-check` fails when a file is not clang-formatted;
# `--target format` rewrites them.
find_program(CLANG_FORMAT NAMES clang-format clang-format-14)
if(CLANG_FORMAT)
  file(GLOB_RECURSE INFERPI_FORMAT_FILES CONFIGURE_DEPENDS
       ${CMAKE_SOURCE_DIR}/boot/*.cpp ${CMAKE_SOURCE_DIR}/boot/*.h
       ${CMAKE_SOURCE_DIR}/mmu/*.cpp ${CMAKE_SOURCE_DIR}/mmu/*.h
       ${CMAKE_SOURCE_DIR}/runtime/*.cpp ${CMAKE_SOURCE_DIR}/runtime/*.h
       ${CMAKE_SOURCE_DIR}/drivers/*.cpp ${CMAKE_SOURCE_DIR}/drivers/*.h
       ${CMAKE_SOURCE_DIR}/engines/*.cpp ${CMAKE_SOURCE_DIR}/engines/*.h
       ${CMAKE_SOURCE_DIR}/tests/*.cpp ${CMAKE_SOURCE_DIR}/tests/*.h)
  # Third-party code installed by tools/setup (npm test peer) is not ours to format.
  list(FILTER INFERPI_FORMAT_FILES EXCLUDE REGEX "/node_modules/")
  add_custom_target(format-check
    COMMAND ${CLANG_FORMAT} --dry-run --Werror ${INFERPI_FORMAT_FILES}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} COMMENT "clang-format check")
  add_custom_target(format
    COMMAND ${CLANG_FORMAT} -i ${INFERPI_FORMAT_FILES}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} COMMENT "clang-format")
endif()

# The same check as a CTest test (label unit), so `ctest` fails on unformatted code.
if(CLANG_FORMAT AND BUILD_TESTING)
  add_test(NAME format_check COMMAND ${CLANG_FORMAT} --dry-run --Werror ${INFERPI_FORMAT_FILES}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(format_check PROPERTIES LABELS unit)
endif()
