#include "drivers/gpio/bcm2711_gpio.h"

namespace inferpi {

namespace {
constexpr uint32_t GPFSEL0 = 0x00;
constexpr uint32_t GPIO_PUP_PDN_CNTRL_REG0 = 0xe4;
constexpr unsigned kPins = 58;
}  // namespace

void Bcm2711Gpio::set_function(unsigned pin, Function f) {
  set_pin_field(GPFSEL0, 3, pin, uint32_t(f));  // 10 pins per register, 3 bits per pin
}

void Bcm2711Gpio::set_pull(unsigned pin, Pull p) {
  set_pin_field(GPIO_PUP_PDN_CNTRL_REG0, 2, pin, uint32_t(p));  // 16 pins per register
}

// The pin's field in a bank of 32-bit registers that starts at `first_reg`, holding as many
// `bits`-wide fields as fit (the top bits of GPFSELn are unused).
void Bcm2711Gpio::set_pin_field(uint32_t first_reg, uint32_t bits, unsigned pin, uint32_t value) {
  if (pin >= kPins) return;
  uint32_t per_reg = 32 / bits;
  uint32_t reg = first_reg + 4 * (pin / per_reg), shift = bits * (pin % per_reg);
  uint32_t mask = ((1u << bits) - 1) << shift;
  regs_.write32(reg, (regs_.read32(reg) & ~mask) | (value << shift));
}

}  // namespace inferpi
