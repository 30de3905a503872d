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
#include "runtime/kernel/pmu.h"
#include "drivers/block/crc32.h"
#include "runtime/core/bootargs.h"
#include "runtime/core/platform.h"
#include "runtime/kernel/shell.h"

namespace inferpi {

// Boards with a firmware mailbox override this (runtime/boards/pi4/pi4_storage.cpp).
[[gnu::weak]] FirmwareProperties* storage_firmware() { return nullptr; }
// The storage hardware when the kernel booted without a device tree: boards with fixed
// addresses override this (pi4: the BCM2711's EMMC2 and PCIe).
[[gnu::weak]] Status storage_fixed_config(StorageBoardConfig*) {
  return Status::error("no device tree: this board's storage is unknown");
}

namespace {

// Read buffer of sum/readtest/fsum/readspeed (kernel heap): the model loader's chunk size
// (runtime/app/model_loader.cpp), so readspeed times the reads a load makes.
constexpr size_t kScratchBytes = 4u << 20;
alignas(StorageHardware) unsigned char g_hw_storage[sizeof(StorageHardware)];
alignas(StorageCommands) unsigned char g_commands_storage[sizeof(StorageCommands)];
StorageCommands* g_commands = nullptr;

StorageCommands* commands() {
  if (g_commands) return g_commands;
  StorageBoardConfig config;
  Status st = kernel_fdt().valid() ? storage_config_from_fdt(kernel_fdt(), &config)
                                   : storage_fixed_config(&config);
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

// wsum DEV PATH: fsum with the read buffer in the model window, placed so that it runs
// across the end of the window's first segment (a 4 MiB buffer starting 1 MiB + 4 KiB before
// it). Each read then lands partly in one physical range and partly in another: the CRC
// proves the VA -> PA translation and the bounce of straddling DMA (tests: memhole=).
alignas(StorageCommands) unsigned char g_window_commands_storage[sizeof(StorageCommands)];

int run_window_sum(int argc, char** argv) {
  StorageCommands* c = commands();
  if (!c) return 1;
  if (argc != 3) {
    kprint("usage: wsum DEV PATH\n");
    return 1;
  }
  const RamWindow& w = kernel_ram_window();
  Arena& arena = kernel_arena();
  constexpr size_t kBytes = 4u << 20, kBefore = (1u << 20) + 4096;
  if (w.segment_count() < 2 || w.segment(0).size < kBefore) {
    kprint("wsum: the model window has one segment: nothing to straddle (boot with memhole=)\n");
    return 1;
  }
  const uint64_t start = w.segment(0).va_end() - kBefore;
  const uint64_t arena_base = reinterpret_cast<uintptr_t>(arena.base());
  if (arena.used() > start - arena_base || !w.contains(start, kBytes)) {
    kprint("wsum: the model arena is in use there (unload the model first)\n");
    return 1;
  }
  kprint("wsum: buffer 0x%llx-0x%llx, segment 0 ends at 0x%llx\n", (unsigned long long)start,
         (unsigned long long)(start + kBytes), (unsigned long long)w.segment(0).va_end());
  StorageCommands* wc = new (g_window_commands_storage)
      StorageCommands(c->hardware(), reinterpret_cast<void*>(start), kBytes);
  const char* args[] = {"fsum", argv[1], argv[2]};
  bool ok = wc->run(3, args);
  wc->~StorageCommands();
  return ok ? 0 : 1;
}

// sdbench [MIB]: the same read (the first MIB MiB of sd0, default 8) through PIO and then
// DMA in one boot: MB/s and retired instructions per MiB of the reads alone (the CRC-32
// that proves both paths read the same bytes is computed outside the measured part).
// Instructions come from the PMU: exact under QEMU -icount shift=0, where QEMU's count is
// machine-wide; without -icount QEMU counts none. Leaves the fastest path selected.
int run_sd_bench(int argc, char** argv) {
  StorageCommands* c = commands();
  if (!c) return 1;
  uint64_t mib = 8;
  if (argc > 1 && (!bootargs::parse_u64(argv[1], &mib) || mib == 0 || mib > 4096)) {
    kprint("usage: sdbench [MIB]   (1..4096)\n");
    return 1;
  }
  sd::SdhciHost& host = c->hardware().sd();
  const uint64_t chunk_blocks = c->scratch_bytes() / 512;
  const sd::SdTransfer modes[] = {sd::SdTransfer::kPio, sd::SdTransfer::kDma};
  for (sd::SdTransfer mode : modes) {
    host.set_transfer(mode);
    Status st = c->hardware().start_sd();
    uint64_t total = mib * 2048, us = 0, instructions = 0;
    uint32_t crc = 0;
    for (uint64_t lba = 0; st && lba < total; lba += chunk_blocks) {
      uint64_t n = total - lba < chunk_blocks ? total - lba : chunk_blocks;
      pmu::start_counters();
      uint64_t t0 = platform::now_us();
      st = host.read(lba, n, c->scratch());
      us += platform::now_us() - t0;
      instructions += pmu::read_counters().instructions;
      crc = crc32_update(crc, c->scratch(), size_t(n * 512));
    }
    if (!st) {
      kprint("sdbench: %s\n", st.message());
      return 1;
    }
    kprint("sdbench: %-10s clock %u kHz: %llu MiB in %llu us = %llu.%llu MB/s, crc32 %08x, ",
           host.path_name(), host.clock_hz() / 1000, (unsigned long long)mib,
           (unsigned long long)us, (unsigned long long)(mib * 1048576 / (us ? us : 1)),
           (unsigned long long)(mib * 10485760 / (us ? us : 1) % 10), crc);
    if (instructions == 0) {
      kprint("instructions not counted (QEMU counts them only with -icount)\n");
    } else {
      kprint("%llu instructions per MiB\n", (unsigned long long)(instructions / mib));
    }
  }
  host.set_transfer(sd::SdTransfer::kAuto);
  Status st = c->hardware().start_sd();
  if (!st) kprint("sdbench: %s\n", st.message());
  return 0;
}

}  // namespace

StorageHardware* kernel_storage() {
  StorageCommands* c = commands();
  return c ? &c->hardware() : nullptr;
}

INFERPI_SHELL_COMMAND(storage_pci, "pci", "pci  list PCI functions (brings up the PCIe host)", run);
INFERPI_SHELL_COMMAND(storage_usb, "usb",
                      "usb [hub-evaluate]  (re)initialise USB and list the devices (hub-evaluate: "
                      "set hub fields by Evaluate Context, the fallback, for tests)",
                      run);
INFERPI_SHELL_COMMAND(storage_sd, "sd", "sd [auto|pio|dma]  (re)initialise the SD card (data path)",
                      run);
INFERPI_SHELL_COMMAND(storage_sdbench, "sdbench",
                      "sdbench [MIB]  read MIB MiB of sd0 by PIO, then DMA: MB/s, instructions",
                      run_sd_bench);
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
INFERPI_SHELL_COMMAND(storage_readspeed, "readspeed",
                      "readspeed DEV [PATH]  raw sequential MB/s; with PATH also through FAT32",
                      run);
INFERPI_SHELL_COMMAND(storage_wsum, "wsum",
                      "wsum DEV PATH  fsum into the model window across its segment boundary",
                      run_window_sum);

}  // namespace inferpi
