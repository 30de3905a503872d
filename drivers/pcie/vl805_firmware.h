// VL805 firmware (pi4-hardware.md §7). A PCIe fundamental reset (PERST#) wipes the VL805's
// firmware on boards without its own SPI EEPROM, and since Dec 2020 start4.elf hands over
// the controller without firmware on every board. The VideoCore reloads it on
// NOTIFY_XHCI_RESET (tag 0x00030058) with the PCI address of the VL805. Calling it twice
// after one reset kills the VL805 (firmware #1380, #1617): the caller keeps a flag that is
// cleared only by a new PERST.
#pragma once
#include <cstdint>

#include "drivers/firmware_properties.h"
#include "drivers/pcie/pci_config.h"
#include "runtime/core/status.h"

namespace inferpi::pci {

constexpr uint16_t kVl805Vendor = 0x1106, kVl805Device = 0x3483;  // VIA Labs VL805

// Sends NOTIFY_XHCI_RESET for the function at `address` (bus 1, device 0 on a Pi 4) and
// waits for the controller to start. Requires the link up, the root port programmed and the
// inbound window set exactly as the DTB's dma-ranges (the firmware DMAs the image through it).
Status vl805_notify_reset(FirmwareProperties& firmware, Address address);

// The VL805 firmware version (config offset 0x50); 0 means no firmware is running.
uint32_t vl805_firmware_version(ConfigSpace& config, Address address);

struct Vl805Firmware {
  enum Source { kAlreadyRunning, kLoaded, kLoadedAfterTimeout } source = kAlreadyRunning;
  uint32_t version = 0;
  bool notified = false;  // NOTIFY_XHCI_RESET was sent (the caller's once-per-PERST flag)
};

// Makes sure the VL805 runs firmware, notifying at most once (review items 2 and 3):
//  - config 0x50 non-zero: firmware already running (boards with the SPI EEPROM, or the
//    bootloader left it loaded): no notify - as Linux drivers/firmware/raspberrypi.c
//    rpi_firmware_init_vl805() does before it sends the tag;
//  - otherwise one NOTIFY_XHCI_RESET; if that call fails (a mailbox timeout: the load may
//    still be running and finish later), poll 0x50 for up to `poll_ms` instead of notifying
//    again - a second notify after one PERST kills the VL805;
//  - still 0: an error saying a new PCIe reset is needed.
Status vl805_ensure_firmware(FirmwareProperties& firmware, ConfigSpace& config, Address address,
                             uint32_t poll_ms, Vl805Firmware* out);

}  // namespace inferpi::pci
