#include "engines/core/engine.h"

namespace inferpi {

int context_that_fits(int wanted, uint64_t fixed, uint64_t per_position, uint64_t available) {
  if (wanted <= 0 || per_position == 0) return 0;
  if (available <= fixed) return 0;
  uint64_t fit = (available - fixed) / per_position;
  if (fit >= uint64_t(wanted)) return wanted;
  fit = fit >= 256 ? fit / 256 * 256 : fit / 16 * 16;  // round numbers for the user
  return int(fit);
}

}  // namespace inferpi
