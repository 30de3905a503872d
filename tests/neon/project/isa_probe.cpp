// Runs one ARMv8.2 instruction the Cortex-A72 lacks: `fp16` = FMLA on half precision
// vectors, `sdot` = the int8 dot product. Under qemu -cpu cortex-a72 this must die with
// SIGILL; under -cpu max it must exit 0. Proves the test setup would catch misuse.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (!std::strcmp(argv[1], "fp16")) {
    asm volatile("movi v1.8h, #0x3c, lsl #8\n fmla v0.8h, v1.8h, v1.8h" ::: "v0", "v1");
  } else if (!std::strcmp(argv[1], "sdot")) {
    asm volatile("movi v1.16b, #1\n sdot v0.4s, v1.16b, v1.16b" ::: "v0", "v1");
  } else {
    return 2;
  }
  std::printf("%s executed\n", argv[1]);
  return 0;
}
