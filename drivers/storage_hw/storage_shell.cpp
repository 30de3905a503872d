// The storage commands in the kernel's debug shell (runtime/kernel/shell.h). The storage
// hardware is described by the device tree the kernel booted with (storage_fdt.h); the
// firmware interface comes from the board when it has one (storage_firmware(), weak: a
// board without firmware, like QEMU virt, simply has none). Objects are created on first
// use so that booting without storage costs nothing.
#include <new>

#include "drivers/storage_hw/storage_commands.h"
#include "drivers/storage_hw/storage_fdt.h"
#include "runtime/core/console.h"
#include "runtime/kernel/dma.h"
#include "drivers/storage_hw/kernel_storage.h"
#include "runtime/kernel/kernel.h"
#include "runtime/kernel/kernel_heap.h"
#include "runtime/kernel/shell.h"

namespace inferpi {

// Boards with a firmware mailbox override this (runtime/boards/pi4/pi4_storage.cpp).
[[gnu::weak]] FirmwareProperties* storage_firmware() { return nullptr; }

namespace {

constexpr size_t kScratchBytes = 2u << 20;  // read buffer of sum/readtest/fsum (kernel heap)
alignas(StorageHardware) unsigned char g_hw_storage[sizeof(StorageHardware)];
alignas(StorageCommands) unsigned char g_commands_storage[sizeof(StorageCommands)];
StorageCommands* g_commands = nullptr;

StorageCommands* commands() {
  if (g_commands) return g_commands;
  StorageBoardConfig config;
  Status st = storage_config_from_fdt(kernel_fdt(), &config);
  if (!st) {
    kprint("storage: %s\n", st.message());
    return nullptr;
  }
  config.firmware = storage_firmware();
  config.set_dma_window = dma::set_bus_window;
  // From the kernel heap, not the model arena: the app resets the arena between models.
  void* scratch = kernel_heap_alloc(kScratchBytes, 4096);
  if (!scratch) {
    kprint("storage: no memory for a %zu MiB read buffer\n", kScratchBytes >> 20);
    return nullptr;
  }
  StorageHardware* hw = new (g_hw_storage) StorageHardware(config);
  g_commands = new (g_commands_storage) StorageCommands(*hw, scratch, kScratchBytes);
  return g_commands;
}

int run(int argc, char** argv) {
  StorageCommands* c = commands();
  if (!c) return 1;
  return c->run(argc, argv) ? 0 : 1;
}

}  // namespace

StorageHardware* kernel_storage() {
  StorageCommands* c = commands();
  return c ? &c->hardware() : nullptr;
}

INFERPI_SHELL_COMMAND(storage_pci, "pci", "pci  list PCI functions (brings up the PCIe host)", run);
INFERPI_SHELL_COMMAND(storage_usb, "usb", "usb  (re)initialise USB and list the devices", run);
INFERPI_SHELL_COMMAND(storage_sd, "sd", "sd  (re)initialise the SD card", run);
INFERPI_SHELL_COMMAND(storage_blk, "blk", "blk  list block devices", run);
INFERPI_SHELL_COMMAND(storage_readtest, "readtest",
                      "readtest DEV LBA COUNT [unaligned]  read sectors: CRC-32 and MB/s", run);
INFERPI_SHELL_COMMAND(storage_sum, "sum", "sum DEV [MIB]  read a whole device: CRC-32 and MB/s",
                      run);
INFERPI_SHELL_COMMAND(storage_readloop, "readloop", "readloop DEV  read DEV until a read fails",
                      run);
INFERPI_SHELL_COMMAND(storage_scsiread, "scsiread",
                      "scsiread usbN LBA COUNT  one USB READ without range check (recovery test)",
                      run);
INFERPI_SHELL_COMMAND(storage_ls, "ls",
                      "ls DEV [PATH]  partitions and a folder of the first FAT32 volume", run);
INFERPI_SHELL_COMMAND(storage_fsum, "fsum", "fsum DEV PATH  read a file: CRC-32 and load MB/s",
                      run);

}  // namespace inferpi
