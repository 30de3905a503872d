# A short build id (git commit + dirty flag) printed in the boot banner and by `inferpi --version`.
execute_process(COMMAND git -C ${CMAKE_SOURCE_DIR} describe --always --dirty --abbrev=10
                OUTPUT_VARIABLE INFERPI_BUILD_ID OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT INFERPI_BUILD_ID)
  set(INFERPI_BUILD_ID "unknown")
endif()
