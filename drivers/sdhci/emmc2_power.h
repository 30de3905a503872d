// Pi 4 EMMC2 power-up through the firmware (pi4-hardware.md §10 step 1 and 4): 3.3 V SD I/O
// on expander GPIO 132, SD power domain on, and the EMMC2 base clock (clock id 12; the
// firmware may answer 0 while the clock is parked, firmware #1619). Never gates the clock
// in CPRMAN (firmware #1213: hangs the mailbox).
#pragma once
#include <cstdint>

#include "drivers/firmware_properties.h"

namespace inferpi::sd {

// Returns the base clock in Hz, or 0 if the firmware did not say (the host then uses its
// capabilities register). Checks SET_POWER_STATE's reply (review item 9: bit 1 = no such
// device, bit 0 clear = not on; Linux raspberrypi-power.c compares the returned state,
// Circle checks both bits).
Status emmc2_power_up(FirmwareProperties& firmware, uint32_t* base_clock_hz);

// The measured EMMC2 clock rounded to the nearest MHz (review item 6): a measurement of
// 100 000 001 Hz must still give divider 2 (25 MHz), not 3 (16.7 MHz). Circle
// lib/machineinfo.cpp GetClockRate() rounds measured rates the same way; Linux uses the
// firmware clock's set rate (GET_CLOCK_RATE), which is already round.
uint32_t emmc2_round_base_clock(uint32_t measured_hz);

// SET_POWER_STATE reply word -> ok, or why the domain is not on.
Status check_power_state_reply(uint32_t device, uint32_t state);

}  // namespace inferpi::sd
