// The kernel's self-test report: `!diag` at the menu and `diag` in the debug shell print
// the same report (runtime/app/diag_report.h for the line format and the portable parts).
// Every section prints a line on every board: what it found, or why it could not run here
// (QEMU virt has no firmware mailbox, no BCM2711 PCIe, no VL805).
#include <cstring>

#include "drivers/mailbox/mailbox.h"
#include "runtime/app/appliance.h"
#include "runtime/app/diag_report.h"
#include "runtime/app/kernel/kernel_app.h"
#include "runtime/core/console.h"
#include "runtime/core/parallel.h"
#include "runtime/kernel/board.h"
#include "runtime/core/format.h"
#include "runtime/kernel/cpu.h"
#include "runtime/kernel/kernel.h"
#include "runtime/kernel/shell.h"
#include "runtime/kernel/smp.h"

namespace inferpi {

namespace {

// VL805 firmware from which the hub TT doorbell quirk is not needed (downstream Linux
// xhci-pci.c applies XHCI_VLI_HUB_TT_QUIRK below it).
constexpr uint32_t kVl805TtFixedVersion = 0x0138C0;

void firmware_sections(DiagReport& r) {
  Mailbox* mb = pi4_mailbox ? pi4_mailbox() : nullptr;
  if (!mb) {
    const char* why = "no VideoCore firmware mailbox on this board";
    r.not_run("board", "%s", why);
    r.not_run("firmware", "%s", why);
    r.not_run("clock", "%s", why);
    r.not_run("thermal", "%s", why);
    return;
  }
  uint32_t rev = 0, fw = 0;
  uint64_t serial = 0;
  char text[160];
  Status st = mb->board_revision(&rev);
  if (!st) {
    r.fail("board", "board revision: %s", st.message());
  } else {
    describe_board_revision(rev, text, sizeof text);
    Status ss = mb->board_serial(&serial);
    if (ss)
      r.ok("board", "revision 0x%06x (%s), serial %016llx", rev, text, (unsigned long long)serial);
    else
      r.ok("board", "revision 0x%06x (%s), serial not answered (%s)", rev, text, ss.message());
  }
  st = mb->firmware_revision(&fw);
  if (st)
    r.ok("firmware", "revision 0x%08x, %llu late mailbox replies", fw,
         (unsigned long long)mb->late_replies());
  else
    r.fail("firmware", "%s", st.message());

  uint32_t set_hz = 0, max_hz = 0, measured_hz = 0;
  st = mb->clock_rate(Clock::kArm, &set_hz);
  if (st) (void)mb->max_clock_rate(Clock::kArm, &max_hz);
  Status sm = mb->measured_clock_rate(Clock::kArm, &measured_hz);
  if (!st) {
    r.fail("clock", "ARM clock: %s", st.message());
  } else if (!sm || measured_hz == 0) {
    r.not_run("clock", "ARM set %u MHz (max %u MHz); measured clock not answered (%s)",
              set_hz / 1000000, max_hz / 1000000, sm ? "0 Hz" : sm.message());
  } else {
    uint32_t diff = set_hz > measured_hz ? set_hz - measured_hz : measured_hz - set_hz;
    if (diff <= set_hz / 50)
      r.ok("clock", "ARM set %u MHz, measured %u MHz (max %u MHz)", set_hz / 1000000,
           measured_hz / 1000000, max_hz / 1000000);
    else
      r.fail("clock", "ARM set %u MHz but measured %u MHz (max %u MHz): throttled or capped?",
             set_hz / 1000000, measured_hz / 1000000, max_hz / 1000000);
  }

  uint32_t mc = 0, flags = 0;
  Status stt = mb->temperature(&mc);
  Status sth = mb->throttled(&flags);
  char now[96], since[96];
  describe_throttled(flags & 0xF, now, sizeof now);
  describe_throttled((flags >> 16) & 0xF, since, sizeof since);
  if (!stt && !sth) {
    r.not_run("thermal", "temperature: %s; throttling: %s", stt.message(), sth.message());
  } else if (!sth) {
    r.measured("thermal", "%u.%u C; GET_THROTTLED not answered (%s)", mc / 1000, (mc % 1000) / 100,
               sth.message());
  } else if (flags & 0xF) {
    r.fail("thermal", "%u.%u C; throttled 0x%05x: now %s (since boot: %s)", mc / 1000,
           (mc % 1000) / 100, flags, now, since);
  } else {
    r.ok("thermal", "%u.%u C; throttled 0x%05x: now none (since boot: %s)", mc / 1000,
         (mc % 1000) / 100, flags, since);
  }
}

void memory_sections(DiagReport& r) {
  const MemoryMap& m = kernel_memory_map();
  char text[256];
  size_t n =
      format(text, sizeof text,
             "%llu MiB in %zu range(s):", (unsigned long long)(m.total_ram() >> 20), m.ram_count());
  for (size_t i = 0; i < m.ram_count() && n < sizeof text; ++i)
    n += format(text + n, sizeof text - n, " 0x%llx-0x%llx", (unsigned long long)m.ram(i).base,
                (unsigned long long)m.ram(i).end());
  r.ok("ram", "%s", text);
  const RamWindow& w = kernel_ram_window();
  n = format(text, sizeof text,
             "%llu MiB at 0x%llx in %zu segment(s):", (unsigned long long)(w.size() >> 20),
             (unsigned long long)w.base(), w.segment_count());
  for (size_t i = 0; i < w.segment_count() && n < sizeof text; ++i)
    n += format(text + n, sizeof text - n, " RAM 0x%llx+%llu MiB",
                (unsigned long long)w.segment(i).pa, (unsigned long long)(w.segment(i).size >> 20));
  if (w.size() == 0)
    r.fail("window", "no model window");
  else
    r.ok("window", "%s", text);

  const int online = smp::cores_online(), workers = worker_count();
  const uint32_t serror = smp::serror_reporting_cores();
  const uint32_t want = (1u << online) - 1;
  if (online == smp::kMaxCores && workers == online && (serror & want) == want)
    r.ok("cores", "%d of %d online, %d workers, SErrors reported on all", online, smp::kMaxCores,
         workers);
  else
    r.fail("cores", "%d of %d online, %d workers, SError mask 0x%x", online, smp::kMaxCores,
           workers, serror);
}

#if INFERPI_HAVE_STORAGE_HW
void pcie_sections(DiagReport& r, StorageHardware* hw) {
  if (!hw->pcie_up()) {
    r.not_run("pcie", "PCIe did not come up (see the storage messages above)");
    r.not_run("vl805", "no PCIe");
    return;
  }
  if (const pci::Bcm2711Pcie* bcm = hw->bcm2711()) {
    const uint32_t status = bcm->status();
    const bool up = (status & (1u << 4)) && (status & (1u << 5));
    const uint32_t speed = bcm->link_speed();
    const char* gts = speed == 1 ? "2.5 GT/s (Gen 1)" : speed == 2 ? "5 GT/s (Gen 2)" : "unknown";
    if (up)
      r.ok("pcie", "BCM2711 link up, x%u, %s, MISC_PCIE_STATUS 0x%08x", bcm->link_width(), gts,
           status);
    else
      r.fail("pcie", "BCM2711 link down now (MISC_PCIE_STATUS 0x%08x; trained x%u %s)", status,
             bcm->link_width(), gts);
  } else {
    r.ok("pcie", "generic ECAM host (no link to train), %zu function(s)", hw->bus().count());
  }
  const pci::Function* x = hw->xhci_function();
  if (!x) {
    r.not_run("vl805", "no xHCI controller started");
  } else if (x->vendor != pci::kVl805Vendor || x->device != pci::kVl805Device) {
    r.not_run("vl805", "the xHCI controller is %04x:%04x, not a VL805", x->vendor, x->device);
  } else {
    const pci::Vl805Firmware& v = hw->vl805();
    pci::ConfigSpace* cfg = hw->config_space();
    uint32_t now = cfg ? pci::vl805_firmware_version(*cfg, x->address) : 0;
    const char* how = v.source == pci::Vl805Firmware::kAlreadyRunning ? "already running"
                      : v.source == pci::Vl805Firmware::kLoaded ? "loaded by NOTIFY_XHCI_RESET"
                                                                : "loaded after a slow notify";
    if (now == 0)
      r.fail("vl805", "no firmware running now (config 0x50 = 0; at start 0x%08x, %s)", v.version,
             how);
    else
      r.ok("vl805", "firmware 0x%08x (%s)", now, how);
  }
}

void usb_sections(DiagReport& r, StorageHardware* hw) {
  usb::UsbStack& usb = hw->usb();
  if (!usb.started()) {
    r.not_run("xhci", "USB not started (%s)",
              hw->pcie_up() ? "see the storage messages above" : "no PCIe");
    r.not_run("usb", "USB not started");
    return;
  }
  xhci::XhciController& hc = usb.controller();
  char text[256];
  size_t n = format(text, sizeof text, "xHCI %x.%02x, %u ports:", hc.version() >> 8,
                    hc.version() & 0xFF, hc.port_count());
  for (uint32_t p = 1; p <= hc.port_count() && n < sizeof text; ++p) {
    uint32_t v = hc.port_status(p);
    n += format(text + n, sizeof text - n, " %u:USB%u/%s", p, hc.port_protocol(p),
                (v & 1) ? xhci::speed_name(xhci::Speed((v >> 10) & 0xF)) : "empty");
  }
  r.ok("xhci", "%s", text);
  if (usb.device_count() == 0) {
    r.not_run("usb", "no USB device attached");
    return;
  }
  bool slow_behind_hub = false;
  for (size_t i = 0; i < usb.device_count(); ++i) {
    const usb::UsbDevice& d = usb.device(i);
    char section[16];
    format(section, sizeof section, "usb dev %zu", i);
    const usb::DeviceDescriptor& dd = d.descriptor;
    const usb::UsbLocation& at = d.location;
    if (at.depth > 0 && (at.speed == xhci::Speed::Full || at.speed == xhci::Speed::Low))
      slow_behind_hub = true;
    format(text, sizeof text,
           "%04x:%04x USB %x.%02x class %02x/%02x/%02x ep0 %u, %s, port %u route 0x%x, %s",
           dd.vendor, dd.product, dd.bcd_usb >> 8, dd.bcd_usb & 0xFF, dd.device_class,
           dd.device_subclass, dd.device_protocol, dd.max_packet0, xhci::speed_name(at.speed),
           at.root_port, at.route,
           d.is_hub         ? "hub"
           : d.storage >= 0 ? "mass storage"
                            : "not bound");
    if (strcmp(d.status, "ok") == 0)
      r.ok(section, "%s", text);
    else
      r.fail(section, "%s: %s", text, d.status);
  }
  const pci::Function* x = hw->xhci_function();
  if (x && x->vendor == pci::kVl805Vendor && slow_behind_hub && hw->vl805().version != 0 &&
      hw->vl805().version < kVl805TtFixedVersion)
    r.fail("vl805 tt",
           "firmware 0x%08x < 0x%06x with a full/low-speed device behind a hub: "
           "the TT doorbell delay is not implemented (update the bootloader EEPROM)",
           hw->vl805().version, kVl805TtFixedVersion);
}

void sd_section(DiagReport& r, StorageHardware* hw) {
  sd::SdhciHost& sd = hw->sd();
  if (!sd.ready()) {
    r.not_run("sd", "no SD card initialised (see the storage messages above)");
    return;
  }
  SdCid cid;
  decode_sd_cid(sd.cid(), &cid);
  char cid_hex[40], csd_hex[40];
  format_sd_register(sd.cid(), cid_hex, sizeof cid_hex);
  format_sd_register(sd.csd(), csd_hex, sizeof csd_hex);
  r.ok("sd", "bus clock %u kHz %s (base %u kHz, card max %u kHz), %s, %llu MiB",
       sd.clock_hz() / 1000, sd.high_speed() ? "High Speed" : "default speed",
       sd.base_clock_hz() / 1000, sd_csd_max_transfer_hz(sd.csd()) / 1000,
       sd.high_capacity() ? "SDHC/SDXC" : "SDSC", (unsigned long long)(sd.sector_count() >> 11));
  r.ok("sd cid", "%s: maker 0x%02x oem %s product %s rev %u.%u serial 0x%08x made %u-%02u", cid_hex,
       cid.manufacturer, cid.oem, cid.product, cid.revision_major, cid.revision_minor, cid.serial,
       cid.year, cid.month);
  r.ok("sd csd", "%s: structure %u", csd_hex, sd_csd_structure(sd.csd()));
}
#endif

}  // namespace

void run_kernel_diag(AppContext& ctx) {
  DiagReport r(board::name());
  firmware_sections(r);
  memory_sections(r);
  Arena& arena = *ctx.model_arena;
  diag_bandwidth(r, arena);
#if INFERPI_HAVE_STORAGE_HW
  StorageHardware* hw = kernel_storage();
  if (!hw) {
    const char* why = "the device tree describes no storage hardware this kernel drives";
    for (const char* s : {"pcie", "vl805", "xhci", "usb", "sd", "drives"}) r.not_run(s, "%s", why);
    r.finish();
    return;
  }
  if (!kernel_storage_initialised()) {
    kprint("diag: starting storage first\n");
    ctx.init_storage(ctx);
  }
  pcie_sections(r, hw);
  usb_sections(r, hw);
  sd_section(r, hw);
  if (hw->block_count() == 0) r.not_run("drives", "no block device (no USB stick, no SD card)");
  for (size_t i = 0; i < hw->block_count(); ++i) {
    BlockDevice* dev = hw->block(i);
    if (!dev) continue;
    diag_raw_read(r, *dev, arena);
    const bool is_usb = dev->name()[0] == 'u';
    const bool sd_dma = !is_usb && hw->sd().path() != sd::SdPath::kPio;
    const char* paths = is_usb   ? "xHCI DMA into cached memory and through the DMA bounce buffer"
                        : sd_dma ? "SD DMA into cached memory and through the DMA bounce buffer"
                                 : "PIO into an aligned and a misaligned destination";
    diag_read_paths(r, *dev, paths, is_usb || sd_dma, arena);
  }
  if (ctx.drive_count == 0) r.not_run("fat", "no FAT32 volume found");
  for (int i = 0; i < ctx.drive_count; ++i) diag_fat_read(r, *ctx.drives[i], arena);
#else
  for (const char* s : {"pcie", "vl805", "xhci", "usb", "sd", "drives"})
    r.not_run(s, "this kernel was built without storage drivers");
#endif
  r.finish();
}

namespace {
int cmd_diag(int, char**) {
  run_kernel_diag(kernel_app_context());
  return 0;
}
}  // namespace
INFERPI_SHELL_COMMAND(diag, "diag", "the self-test report (what to paste into a bug report)",
                      cmd_diag);

}  // namespace inferpi
