// The kernel's storage hardware (bare-metal boards only): the same objects the shell's
// storage commands use, created from the device tree on first use. The appliance calls
// kernel_storage()->start_usb() to (re)initialise USB and then reads its block devices.
#pragma once
#include "drivers/storage_hw/storage_hw.h"

namespace inferpi {

// nullptr if the device tree describes no storage hardware we can drive.
StorageHardware* kernel_storage();

}  // namespace inferpi
