// PL011 UART as the console (both boards). Polled, no interrupts, no DMA.
// virt: 0x0900_0000, QEMU ignores the baud setup (qemu.md §3, §11.7).
// Pi 4: UART0 at 0xFE20_1000 on GPIO14/15 (ALT0), 115200 8N1 from the 48 MHz UART clock
// (pi4-hardware.md §4): IBRD 26, FBRD 3, LCRH 0x70, CR 0x301.
#pragma once
#include <cstdint>

#include "drivers/mmio.h"
#include "runtime/core/console.h"
#include "runtime/kernel/spinlock.h"

namespace inferpi {

class Pl011 : public Console {
 public:
  constexpr explicit Pl011(uintptr_t base) : regs_(base) {}

  // Programs 8N1 at `baud` from a `clock_hz` UART clock (sequence: pi4-hardware.md §4.6).
  void configure(uint32_t clock_hz, uint32_t baud);
  // The divisors configure() would program (exposed for the banner/tests).
  static void divisors(uint32_t clock_hz, uint32_t baud, uint32_t* ibrd, uint32_t* fbrd);

  // Console: '\n' goes out as "\r\n" (terminals need the CR; a lone "\r\n" stays as is).
  void write(const char* data, size_t len) override;
  int read_byte(uint32_t timeout_ms) override;

 private:
  void put(uint8_t c);
  mmio::RegisterBlock regs_;
  SpinLock lock_;
  char last_ = 0;
};

}  // namespace inferpi
