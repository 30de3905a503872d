// Board "virt": QEMU `-M virt,virtualization=on -cpu cortex-a72 -smp 4` (our test board;
// facts from qemu.md §3-§4). The kernel ELF is linked at 0x4020_0000; QEMU puts the DTB at
// 0x4000_0000 (x0 = 0 for ELF kernels). PSCI over SMC starts the other cores.
#include <new>

#include "drivers/uart/pl011.h"
#include "mmu/mmu.h"
#include "runtime/core/console.h"
#include "runtime/kernel/board.h"
#include "runtime/kernel/semihost.h"

namespace inferpi::board {

namespace {
constexpr uintptr_t kUart = 0x09000000;
constexpr uintptr_t kGicd = 0x08000000, kGicc = 0x08010000;
constexpr uintptr_t kDtb = 0x40000000;
constexpr unsigned long kPsciCpuOn = 0xc4000003;
// Built by early_init() with placement new: the console is needed long before global
// constructors run (after the MMU is on), and a global with a vtable is set up by one.
alignas(Pl011) unsigned char g_uart_storage[sizeof(Pl011)];
Pl011* g_uart = nullptr;
}  // namespace

const char* name() { return "virt (QEMU)"; }

void early_init() {
  g_uart = new (g_uart_storage) Pl011(kUart);
  g_uart->configure(24000000, 115200);  // QEMU ignores it; the DTB says 24 MHz
  set_console(g_uart);
}

uintptr_t dtb_address(uintptr_t x0) { return x0 ? x0 : kDtb; }

Status memory_without_dtb(MemoryMap&, const char**) {
  return Status::error("virt: no RAM size without the device tree (QEMU always passes one)");
}

void reserve_memory(MemoryMap&) {}

bool map_devices() {
  using mmu::Memory;
  // Everything below RAM (flash, GIC, UART, RTC, PCIe PIO and 32-bit MMIO windows).
  return mmu::map(0, 0x40000000, Memory::kDevice) &&
         // High PCIe ECAM (256 buses) and the 64-bit MMIO window.
         mmu::map(0x4010000000ull, 0x10000000, Memory::kDevice) &&
         mmu::map(0x8000000000ull, 0x8000000000ull, Memory::kDevice);
}

void init() {}

uintptr_t gicd_base() { return kGicd; }
uintptr_t gicc_base() { return kGicc; }

bool start_core(int core, uintptr_t entry) {
  long r = psci_call(kPsciCpuOn, unsigned(core), entry, unsigned(core));
  if (r != 0) kprint("virt: PSCI CPU_ON(core %d) returned %ld\n", core, r);
  return r == 0;
}

void print_clock_line() { kprint("  CPU clock       : not modelled by QEMU (TCG)\n"); }

void exit(int code) { semihost_exit(code); }

}  // namespace inferpi::board
