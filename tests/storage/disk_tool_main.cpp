// inferpi_disk: the `inferpi disk` commands as a small standalone program, so the storage
// tests and tools/make_usb_image's test can run them before (and independently of) the
// full CLI. `inferpi_disk ls IMAGE [PATH]` == `inferpi disk ls IMAGE [PATH]`.
#include "runtime/boards/host/cli/disk_command.h"

int main(int argc, char** argv) { return run_disk_command(argc - 1, argv + 1); }
