#include "drivers/uart/pl011.h"

#include "runtime/core/platform.h"

namespace inferpi {

namespace {
// Registers (offsets from the base) and bits, named as in the PL011 TRM.
constexpr uint32_t DR = 0x00, FR = 0x18, IBRD = 0x24, FBRD = 0x28, LCRH = 0x2c, CR = 0x30,
                   IMSC = 0x38, ICR = 0x44;
constexpr uint32_t FR_BUSY = 1 << 3, FR_RXFE = 1 << 4, FR_TXFF = 1 << 5;
constexpr uint32_t LCRH_FEN = 1 << 4, LCRH_WLEN8 = 3 << 5;
constexpr uint32_t CR_UARTEN = 1 << 0, CR_TXE = 1 << 8, CR_RXE = 1 << 9;
constexpr uint32_t DR_ERRORS = 0xf00;  // FE, PE, BE, OE
}  // namespace

void Pl011::divisors(uint32_t clock_hz, uint32_t baud, uint32_t* ibrd, uint32_t* fbrd) {
  // Divisor = clock / (16 * baud) as 16.6 fixed point, rounded: 48 MHz / 115200 -> 26, 3.
  uint64_t div64 = (uint64_t(clock_hz) * 4 + baud / 2) / baud;  // = clock*64/(16*baud)
  *ibrd = uint32_t(div64 >> 6);
  *fbrd = uint32_t(div64 & 63);
}

void Pl011::configure(uint32_t clock_hz, uint32_t baud) {
  regs_.write32(CR, 0);
  for (int i = 0; i < 100000 && (regs_.read32(FR) & FR_BUSY); ++i) {
  }
  regs_.write32(LCRH, 0);  // FEN = 0 flushes the FIFOs
  regs_.write32(ICR, 0x7ff);
  regs_.write32(IMSC, 0);
  uint32_t ibrd, fbrd;
  divisors(clock_hz, baud, &ibrd, &fbrd);
  regs_.write32(IBRD, ibrd);
  regs_.write32(FBRD, fbrd);
  regs_.write32(LCRH, LCRH_WLEN8 | LCRH_FEN);  // after IBRD/FBRD: this write latches them
  regs_.write32(CR, CR_UARTEN | CR_TXE | CR_RXE);
}

void Pl011::put(uint8_t c) {
  // Bounded wait: a wedged UART must not hang the kernel (~10 ms per byte at worst).
  for (int i = 0; i < 1000000 && (regs_.read32(FR) & FR_TXFF); ++i) {
  }
  regs_.write32(DR, c);
}

void Pl011::write(const char* data, size_t len) {
  LockGuard guard(lock_);
  for (size_t i = 0; i < len; ++i) {
    if (data[i] == '\n' && last_ != '\r') put('\r');
    put(uint8_t(data[i]));
    last_ = data[i];
  }
}

int Pl011::read_byte(uint32_t timeout_ms) {
  uint64_t start = platform::now_us();
  for (;;) {
    if (!(regs_.read32(FR) & FR_RXFE)) {
      uint32_t v = regs_.read32(DR);
      if (v & DR_ERRORS) continue;  // framing/parity/break/overrun: drop the byte
      return int(v & 0xff);
    }
    if (platform::now_us() - start >= uint64_t(timeout_ms) * 1000) return -1;
  }
}

}  // namespace inferpi
