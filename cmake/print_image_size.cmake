# Prints a kernel's size at the end of the build: the flat image (if any) and the ELF's
# sections (text/data/bss as `size` reports them).
if(FILE)
  file(SIZE ${FILE} _bytes)
  math(EXPR _kib "(${_bytes} + 1023) / 1024")
  get_filename_component(_n ${FILE} NAME)
  message(STATUS "${_n}: ${_bytes} bytes (${_kib} KiB)")
endif()
execute_process(COMMAND ${SIZE_TOOL} ${ELF} OUTPUT_VARIABLE _out OUTPUT_STRIP_TRAILING_WHITESPACE)
get_filename_component(_e ${ELF} NAME)
message(STATUS "${_e}:\n${_out}")
