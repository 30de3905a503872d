// The appliance on the bare-metal boards (virt, pi4): inferpi_main() builds the AppContext
// from what the kernel found at boot — the model arena over the model window (every free RAM
// range of the device-tree memory map, mapped back to back; firmware and VideoCore ranges
// are never in it: runtime/core/ram_window.h), the storage
// hardware's block devices mounted as FAT32 volumes, the Pi 4 mailbox for /temp — and runs
// the menu → load → chat loop forever.
//
// "shell" in the kernel command line (/chosen/bootargs: QEMU -append, the Pi's cmdline.txt)
// boots into the debug shell instead (the boot tests do); "!shell" in the menu gets there
// too, and `menu` in that shell comes back.
#include <cstring>
#include <new>

#include "drivers/block/volumes.h"
#include "drivers/mailbox/mailbox.h"
#include "runtime/app/appliance.h"
#include "runtime/app/bench_command.h"
#include "runtime/app/fat_model_drive.h"
#include "runtime/app/line_input.h"
#include "runtime/app/session_chat.h"
#include "runtime/app/kernel/kernel_app.h"
#include "runtime/core/bootargs.h"
#include "runtime/core/console.h"
#include "runtime/core/format.h"
#include "runtime/kernel/board.h"
#include "runtime/kernel/kernel.h"
#include "runtime/kernel/shell.h"

namespace inferpi {

namespace {

// Up to four disks (USB sticks, the SD card), each with up to Volumes::kMaxVolumes FAT32
// volumes. ~172 KiB per Volumes object: static, not on a core's stack.
constexpr int kMaxDisks = 4;
Volumes g_volumes[kMaxDisks];
FatModelDrive g_drives[AppContext::kMaxDrives];

void mount_disk(AppContext& ctx, BlockDevice* disk, int* disks) {
  if (*disks == kMaxDisks) {
    kprint("storage: %s: more than %d disks, ignored\n", disk->name(), kMaxDisks);
    return;
  }
  Volumes& vols = g_volumes[(*disks)++];
  Status st = vols.scan(disk);
  if (!st) {
    kprint("storage: %s: %s\n", disk->name(), st.message());
    return;
  }
  for (int p = 0; p < vols.partition_count(); p++) {
    const Volumes::Partition& part = vols.partition(p);
    if (part.volume < 0) {
      kprint("storage: %s partition %u: %s\n", disk->name(), part.info.index,
             part.status.message());
    }
  }
  for (int v = 0; v < vols.volume_count() && ctx.drive_count < AppContext::kMaxDrives; v++) {
    FatModelDrive& d = g_drives[ctx.drive_count];
    d.init(&vols.volume(v));
    ctx.drives[ctx.drive_count++] = &d;
    kprint("storage: %s: FAT32\n", d.name());
  }
}

bool g_storage_initialised = false;

void init_storage(AppContext& ctx) {
  g_storage_initialised = true;
  ctx.drive_count = 0;
#if INFERPI_HAVE_STORAGE_HW
  StorageHardware* hw = kernel_storage();
  if (!hw) {
    kprint("storage: the device tree describes no storage hardware this kernel drives\n");
    return;
  }
  kprint("storage: starting USB and the SD card...\n");
  Status st = hw->start_pcie();
  if (!st) kprint("storage: PCIe: %s\n", st.message());
  if (st) {
    st = hw->start_usb();
    if (!st) kprint("storage: USB: %s\n", st.message());
  }
  st = hw->start_sd();
  if (!st) kprint("storage: SD card: %s\n", st.message());
  int disks = 0;
  for (size_t i = 0; i < hw->block_count(); i++) mount_disk(ctx, hw->block(i), &disks);
#else
  (void)mount_disk;
  kprint("storage: this kernel was built without storage drivers\n");
#endif
}

bool read_health(AppContext&, SocHealth* out) {
  Mailbox* mb = pi4_mailbox ? pi4_mailbox() : nullptr;
  if (!mb) return false;
  uint32_t v = 0;
  if (mb->temperature(&v)) {
    out->has_temperature = true;
    out->temperature_mc = int32_t(v);
  }
  if (mb->throttled(&v)) {
    out->has_throttled = true;
    out->throttled = v;
  }
  if (mb->measured_clock_rate(Clock::kArm, &v)) {
    out->has_arm_clock = true;
    out->arm_clock_hz = v;
  }
  return out->has_temperature || out->has_throttled || out->has_arm_clock;
}

// The debug shell from the menu: its commands, until `menu`.
void run_shell(AppContext&) {
  static char line[256];
  LineReader input(line, sizeof(line));
  kprint("Debug shell: `help` lists the commands, `menu` goes back to the model menu.\n");
  for (;;) {
    kprint("inferpi> ");
    LineReader::Result r = input.read(true);
    if (r == LineReader::Result::kEnd) return;
    if (r != LineReader::Result::kLine) continue;
    if (input.dropped()) {
      kprint("line too long (max %zu bytes): ignored\n", sizeof(line) - 1);
      continue;
    }
    if (strcmp(line, "menu") == 0) return;
    run_shell_line(line);
  }
}

}  // namespace

void run_icount_bench();                // icount_bench.cpp
void run_kernel_diag(AppContext& ctx);  // diag_main.cpp

// The appliance's context, also for the debug shell's `diag` (which then reuses the drives
// the menu found, or brings storage up itself when the kernel booted into the shell).
AppContext& kernel_app_context() {
  static AppContext ctx;
  static bool ready = false;
  if (!ready) {
    ready = true;
    ctx.model_arena = &kernel_arena();
    ctx.init_storage = init_storage;
    ctx.read_health = read_health;
    ctx.run_shell = run_shell;
    ctx.run_diag = run_kernel_diag;
    ctx.run_bench = run_standard_bench;
  }
  return ctx;
}
bool kernel_storage_initialised() { return g_storage_initialised; }

extern "C" void inferpi_main() {
  if (bootargs::has_word(kernel_bootargs(), "bench")) run_icount_bench();
  if (bootargs::has_word(kernel_bootargs(), "shell")) {
    run_debug_shell();
    return;
  }
  static char board_name[96];
  format(board_name, sizeof(board_name), "%s, %llu MB RAM for models", board::name(),
         static_cast<unsigned long long>(kernel_arena().capacity() / 1000000));

  SamplerSettings sampler;  // the defaults; /set changes them per model
  static SessionChat chat(sampler, 256);
  AppContext& ctx = kernel_app_context();
  ctx.board_name = board_name;
  ctx.chat = &chat;
  ctx.echo_input = true;  // a serial terminal shows only what we echo
  ctx.cancel_load_on_ctrl_c = true;
  run_appliance(ctx);
}

}  // namespace inferpi
