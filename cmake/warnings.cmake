# Warnings are errors everywhere; one function so every target gets the same set.
function(inferpi_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow=local -Wno-missing-field-initializers)
endfunction()

# Engines and kernels use the same arithmetic on every board: no silent contraction of
# a*b+c into fma (aarch64 gcc does it by default, x86-64 does not), so that the host CLI
# and the kernel produce the same tokens for the same prompt. NEON kernels use explicit
# fused intrinsics where they want them.
function(inferpi_deterministic_math target)
  # -fno-math-errno: sqrtf() becomes the fsqrt/sqrtss instruction (IEEE, correctly rounded
  # on every board) instead of a libm call that sets errno (TLS in the kernel).
  target_compile_options(${target} PRIVATE -ffp-contract=off -fno-fast-math -fno-math-errno)
endfunction()
