// Board "pi4": Raspberry Pi 4 Model B (BCM2711), booted by the stock firmware with its
// armstub8 (facts and sources: ../shared/docs/pi4-hardware.md; what only hardware can
// confirm: docs/boot.md). kernel8.img is a flat binary linked at 0x80000 with no Linux
// image header; core 0 enters at EL2 with x0 = DTB address; cores 1..3 wait in the stub's
// spin table.
#include <cstring>
#include <new>

#include "drivers/gpio/bcm2711_gpio.h"
#include "drivers/mailbox/mailbox.h"
#include "drivers/uart/pl011.h"
#include "mmu/mmu.h"
#include "runtime/core/bootargs.h"
#include "runtime/core/console.h"
#include "runtime/core/format.h"
#include "runtime/boards/pi4/pi4_board.h"
#include "runtime/kernel/board.h"
#include "runtime/kernel/cpu.h"
#include "runtime/kernel/kernel.h"
#include "runtime/kernel/panic.h"

namespace inferpi::board {

namespace {
constexpr uintptr_t kUart0 = 0xfe201000;
constexpr uint32_t kUartClockDefault = 48000000;  // firmware default init_uart_clock (§4.4)
constexpr uint32_t kBaud = 115200;
constexpr uintptr_t kGicd = 0xff841000, kGicc = 0xff842000;
constexpr uintptr_t kSpinTable = 0xd8;    // 64-bit release slots for cores 1..3 at
                                          // 0xD8 + 8 * core (§1.4)
constexpr uintptr_t kStubDtbWord = 0xf8;  // the stub's 32-bit copy of the DTB address
constexpr uint64_t kPeripherals = 0xfc000000, kPeripheralsEnd = 0x100000000ull;
constexpr uint64_t kPcieWindow = 0x600000000ull, kPcieWindowSize = 0x40000000;

// Built in early_init() (needed long before global constructors run).
alignas(Pl011) unsigned char g_uart_storage[sizeof(Pl011)];
Pl011* g_uart = nullptr;

// One property call's outcome, for the banner: the value, or why there is none.
struct Answer {
  Status status = Status::error("not asked");
  uint32_t value = 0;
};

// What init() learned. Every call stands alone: a firmware that does not answer one tag
// (QEMU's raspi4b has no measured-clock tag 0x00030047; real firmware versions differ too)
// costs that part of the banner and nothing else.
Status g_mailbox_status = Status::error("not started");
Answer g_arm_before, g_arm_max, g_arm_answered, g_arm_measured;
Answer g_temperature, g_throttled, g_revision;

Answer ask(Status st, uint32_t value) { return Answer{st, value}; }

// "mbox_drop=0x30006,0x10002" on the command line (testing only): the mailbox answers those
// tags as a firmware that does not know them would (tests/pi4emu/mailbox_drop.session).
void drop_mailbox_tags_for_test(Mailbox& mb) {
  char list[96];
  if (!bootargs::value(kernel_bootargs(), "mbox_drop", list, sizeof(list))) return;
  uint32_t tags[Mailbox::kMaxDropped];
  size_t n = 0;
  for (char* p = list; *p && n < Mailbox::kMaxDropped;) {
    char* comma = strchr(p, ',');
    if (comma) *comma = '\0';
    uint64_t tag = 0;
    if (bootargs::parse_u64(p, &tag) && tag <= 0xffffffffu) {
      tags[n++] = uint32_t(tag);
    } else {
      kprint("mbox_drop: '%s' is not a tag: ignored\n", p);
    }
    if (!comma) break;
    p = comma + 1;
  }
  mb.drop_tags_for_test(tags, n);
  kprint("mailbox: %zu tag(s) answered as unknown (mbox_drop=, test)\n", n);
}

// "1500 MHz" or "unsupported (mailbox: tag 0x... not answered ...)".
void print_mhz(const char* label, const Answer& a) {
  if (a.status)
    kprint("%s %u MHz", label, a.value / 1000000);
  else
    kprint("%s unsupported (%s)", label, a.status.message());
}
}  // namespace

alignas(Mailbox) unsigned char g_mailbox_storage[sizeof(Mailbox)];
Mailbox* g_mailbox = nullptr;

const char* name() { return "pi4 (Raspberry Pi 4 / BCM2711)"; }

void early_init() {
  // PL011 UART0 on GPIO14 (TXD) / GPIO15 (RXD), ALT0; RX pulled up (§4.1-4.2). Bluetooth's
  // pins GPIO32/33 can also be muxed to UART0 (ALT3): make them inputs first (§4.3).
  Bcm2711Gpio gpio;
  gpio.set_function(32, Bcm2711Gpio::Function::kInput);
  gpio.set_function(33, Bcm2711Gpio::Function::kInput);
  gpio.set_pull(14, Bcm2711Gpio::Pull::kNone);
  gpio.set_pull(15, Bcm2711Gpio::Pull::kUp);
  gpio.set_function(14, Bcm2711Gpio::Function::kAlt0);
  gpio.set_function(15, Bcm2711Gpio::Function::kAlt0);
  g_uart = new (g_uart_storage) Pl011(kUart0);
  g_uart->configure(kUartClockDefault, kBaud);  // 48 MHz: IBRD 26, FBRD 3; checked in init()
  set_console(g_uart);
}

uintptr_t dtb_address(uintptr_t x0) {
  if (x0) return x0;
  // x0 = 0 would mean no DTB passed; the stub also leaves its address at 0xF8 (§1.1).
  return *reinterpret_cast<volatile uint32_t*>(kStubDtbWord);
}

// Without a device tree, as Circle does (lib/memory64.cpp, lib/machineinfo.cpp): the first
// range is the firmware's ARM memory (below the VideoCore's carve-out); the board revision's
// memory-size field says how much more there is, which on the BCM2711 lies from 1 GiB up to
// the peripherals at 0xFC000000 and from 4 GiB up (pi4-hardware.md §2.1). Runs before the
// MMU: the property buffer is in .bss (caches off, so the VPU sees what we wrote).
Status memory_without_dtb(MemoryMap& map, const char** source) {
  alignas(16) static uint32_t buffer[Mailbox::kBufferBytes / 4];
  static char description[120];
  Mailbox mb;
  INFERPI_TRY(mb.init_early(buffer));
  uint32_t base = 0, size = 0, rev = 0;
  INFERPI_TRY(mb.arm_memory(&base, &size));
  if (size == 0) return Status::error("mailbox: ARM memory of 0 bytes");
  INFERPI_TRY(map.add_ram(base, size));
  Status st = mb.board_revision(&rev);
  uint64_t total = 0;
  if (st && (rev & (1u << 23))) {  // new-style revision code: bits 22:20 = 256 MB << n
    total = (256ull << 20) << ((rev >> 20) & 7);
    constexpr uint64_t kLow = 1ull << 30, kHigh = 4ull << 30;
    if (total > kLow)
      INFERPI_TRY(map.add_ram(kLow, (total < kPeripherals ? total : kPeripherals) - kLow));
    if (total > kHigh) INFERPI_TRY(map.add_ram(kHigh, total - kHigh));
  }
  if (st)
    format(description, sizeof(description),
           "mailbox (ARM memory 0x%x-0x%x, board revision 0x%06x: %llu MB)", base, base + size, rev,
           (unsigned long long)(total >> 20));
  else
    format(description, sizeof(description),
           "mailbox (ARM memory 0x%x-0x%x; board revision unknown: first GB only)", base,
           base + size);
  *source = description;
  return Status::ok();
}

void reserve_memory(MemoryMap& map) {
  // Page 0: the armstub, the spin table (0xD8-0xF7) and the stub words (0xF0-0xFF) (§2.1).
  Status st = map.reserve(0, 0x1000, "armstub + spin table");
  if (!st.is_ok()) KPANIC("%s", st.message());
}

bool map_devices() {
  using mmu::Memory;
  return mmu::map(kPeripherals, kPeripheralsEnd - kPeripherals, Memory::kDevice) &&
         mmu::map(kPcieWindow, kPcieWindowSize, Memory::kDevice);
}

void init() {
  g_mailbox = new (g_mailbox_storage) Mailbox();
  g_mailbox_status = g_mailbox->init();
  if (!g_mailbox_status) {
    kprint("pi4: %s\n", g_mailbox_status.message());
    g_mailbox = nullptr;
    return;
  }
  drop_mailbox_tags_for_test(*g_mailbox);
  // The UART clock the divisors were computed for: re-program if the firmware set another.
  uint32_t uart_hz = 0;
  Status st = g_mailbox->measured_clock_rate(Clock::kUart, &uart_hz);
  if (!st.is_ok() || uart_hz == 0) st = g_mailbox->clock_rate(Clock::kUart, &uart_hz);
  if (st.is_ok() && uart_hz != 0 && uart_hz != kUartClockDefault) {
    kprint("pi4: UART clock is %u Hz, not %u: re-programming 115200 baud\n", uart_hz,
           kUartClockDefault);
    g_uart->configure(uart_hz, kBaud);
  } else if (!st.is_ok()) {
    kprint("pi4: cannot read the UART clock (%s); assuming 48 MHz\n", st.message());
  }
  // A bare-metal Pi stays at its low ARM clock unless asked (§5.3, §12.22): ask for the
  // maximum and measure what we got (SET_CLOCK_RATE answers with the request).
  Mailbox& mb = *g_mailbox;
  uint32_t v = 0;
  g_arm_before = ask(mb.measured_clock_rate(Clock::kArm, &v), v);
  g_arm_max = ask(mb.max_clock_rate(Clock::kArm, &v), v);
  if (g_arm_max.status && g_arm_max.value != 0)
    g_arm_answered = ask(mb.set_clock_rate(Clock::kArm, g_arm_max.value, &v), v);
  g_arm_measured = ask(mb.measured_clock_rate(Clock::kArm, &v), v);
  g_temperature = ask(mb.temperature(&v), v);
  g_throttled = ask(mb.throttled(&v), v);
  g_revision = ask(mb.board_revision(&v), v);
}

uintptr_t gicd_base() { return kGicd; }
uintptr_t gicc_base() { return kGicc; }

bool start_core(int core, uintptr_t entry) {
  if (core < 1 || core > 3) return false;
  auto* slot = reinterpret_cast<volatile uint64_t*>(kSpinTable + 8 * uintptr_t(core));
  *slot = entry;
  // The core polls the slot with its caches off: push the line to memory, then wake it.
  mmu::clean_range(const_cast<uint64_t*>(slot), sizeof(uint64_t));
  cpu::dsb_sy();
  cpu::sev();
  return true;
}

void print_clock_line() {
  if (!g_mailbox_status) {
    kprint("  CPU clock       : unknown (%s)\n", g_mailbox_status.message());
    return;
  }
  if (g_arm_before.status && g_arm_max.status && g_arm_answered.status && g_arm_measured.status) {
    kprint("  CPU clock       : %u MHz measured (was %u MHz; max %u MHz requested)\n",
           g_arm_measured.value / 1000000, g_arm_before.value / 1000000, g_arm_max.value / 1000000);
  } else {
    print_mhz("  CPU clock       : max", g_arm_max);
    if (g_arm_answered.status || g_arm_max.status)
      print_mhz(", set", g_arm_answered);
    else
      kprint(", not set (no maximum)");
    print_mhz(", measured", g_arm_measured);
    kprint("\n");
  }
  if (g_temperature.status)
    kprint("  SoC temperature : %u.%u C", g_temperature.value / 1000,
           (g_temperature.value % 1000) / 100);
  else
    kprint("  SoC temperature : unsupported (%s)", g_temperature.status.message());
  if (g_throttled.status)
    kprint(", throttled flags 0x%x\n", g_throttled.value);
  else
    kprint(", throttled flags unsupported (%s)\n", g_throttled.status.message());
  const uint32_t rev = g_revision.value;
  if (g_revision.status)
    kprint("  board revision  : 0x%06x (%u MB)\n", rev,
           rev & (1u << 23) ? 256u << ((rev >> 20) & 7) : 0u);
  else
    kprint("  board revision  : unsupported (%s)\n", g_revision.status.message());
}

void exit(int code) {
  kprint("kernel exit with status %d: halted (power-cycle to restart)\n", code);
  halt_this_core();
}

}  // namespace inferpi::board

namespace inferpi {
// For drivers that need the property channel (PCIe: NOTIFY_XHCI_RESET; SD: clocks).
Mailbox* pi4_mailbox() { return board::g_mailbox; }
}  // namespace inferpi
