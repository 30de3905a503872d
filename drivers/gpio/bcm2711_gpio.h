// BCM2711 GPIO (Pi 4) at 0xFE20_0000: pin function select and the BCM2711 pull registers
// (GPIO_PUP_PDN_CNTRL_REG0..3; the BCM2835 GPPUD/GPPUDCLK sequence is gone).
// pi4-hardware.md §4.1-4.3.
#pragma once
#include <cstdint>

#include "drivers/mmio.h"

namespace inferpi {

class Bcm2711Gpio {
 public:
  static constexpr uintptr_t kBase = 0xfe200000;
  // Function codes in GPFSELn (3 bits per pin).
  enum class Function : uint32_t {
    kInput = 0b000,
    kOutput = 0b001,
    kAlt0 = 0b100,
    kAlt1 = 0b101,
    kAlt2 = 0b110,
    kAlt3 = 0b111,
    kAlt4 = 0b011,
    kAlt5 = 0b010,
  };
  enum class Pull : uint32_t { kNone = 0b00, kUp = 0b01, kDown = 0b10 };

  explicit Bcm2711Gpio(uintptr_t base = kBase) : regs_(base) {}
  void set_function(unsigned pin, Function f);
  void set_pull(unsigned pin, Pull p);

 private:
  void set_pin_field(uint32_t first_reg, uint32_t bits, unsigned pin, uint32_t value);
  mmio::RegisterBlock regs_;
};

}  // namespace inferpi
