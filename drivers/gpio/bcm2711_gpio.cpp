#include "drivers/gpio/bcm2711_gpio.h"

namespace inferpi {

namespace {
constexpr uint32_t GPFSEL0 = 0x00;
constexpr uint32_t GPIO_PUP_PDN_CNTRL_REG0 = 0xe4;
constexpr unsigned kPins = 58;
}  // namespace

void Bcm2711Gpio::set_function(unsigned pin, Function f) {
  if (pin >= kPins) return;
  uint32_t reg = GPFSEL0 + 4 * (pin / 10), shift = 3 * (pin % 10);
  uint32_t v = regs_.read32(reg);
  v = (v & ~(7u << shift)) | (uint32_t(f) << shift);
  regs_.write32(reg, v);
}

void Bcm2711Gpio::set_pull(unsigned pin, Pull p) {
  if (pin >= kPins) return;
  // 16 pins per register, 2 bits per pin.
  uint32_t reg = GPIO_PUP_PDN_CNTRL_REG0 + 4 * (pin / 16), shift = 2 * (pin % 16);
  uint32_t v = regs_.read32(reg);
  v = (v & ~(3u << shift)) | (uint32_t(p) << shift);
  regs_.write32(reg, v);
}

}  // namespace inferpi
