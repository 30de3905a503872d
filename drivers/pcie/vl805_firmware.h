// VL805 firmware reload (pi4-hardware.md §7). A PCIe fundamental reset (PERST#) wipes the
// VL805's firmware on boards without its own SPI EEPROM, and since Dec 2020 start4.elf
// hands over the controller without firmware on every board. The VideoCore reloads it on
// NOTIFY_XHCI_RESET (tag 0x00030058) with the PCI address of the VL805. Calling it twice
// after one reset kills the VL805 (firmware #1380, #1617): the caller keeps a flag that is
// cleared only by a new PERST.
#pragma once
#include <cstdint>

#include "drivers/firmware_properties.h"
#include "drivers/pcie/pci_config.h"
#include "runtime/core/status.h"

namespace inferpi::pci {

// Sends NOTIFY_XHCI_RESET for the function at `address` (bus 1, device 0 on a Pi 4) and
// waits for the controller to start. Requires the link up, the root port programmed and the
// inbound window set exactly as the DTB's dma-ranges (the firmware DMAs the image through it).
Status vl805_notify_reset(FirmwareProperties& firmware, Address address);

// The VL805 firmware version (config offset 0x50); 0 means no firmware is running.
uint32_t vl805_firmware_version(ConfigSpace& config, Address address);

}  // namespace inferpi::pci
