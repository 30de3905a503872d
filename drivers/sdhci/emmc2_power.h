// Pi 4 EMMC2 power-up through the firmware (pi4-hardware.md §10 step 1 and 4): 3.3 V SD I/O
// on expander GPIO 132, SD power domain on, and the EMMC2 base clock (clock id 12; the
// firmware may answer 0 while the clock is parked, firmware #1619). Never gates the clock
// in CPRMAN (firmware #1213: hangs the mailbox).
#pragma once
#include <cstdint>

#include "drivers/firmware_properties.h"

namespace inferpi::sd {

// Returns the base clock in Hz, or 0 if the firmware did not say (the host then uses its
// capabilities register).
Status emmc2_power_up(FirmwareProperties& firmware, uint32_t* base_clock_hz);

}  // namespace inferpi::sd
