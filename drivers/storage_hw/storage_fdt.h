// Reads the storage hardware of a board from its device tree, by `compatible` (never by
// node name: firmware DTBs name nodes differently), translating bus addresses to CPU
// addresses through the parents' `ranges`:
//   pci-host-ecam-generic  (QEMU virt)  ECAM base and bus count, 32-bit memory window
//   brcm,bcm2711-pcie      (Pi 4)       root complex base, outbound window (`ranges`),
//                                       inbound DMA window (`dma-ranges`, pi4-hardware.md §6.2)
//   brcm,bcm2711-emmc2     (Pi 4)       SDHCI base of the SD card slot
// Portable; host-tested with the fixture DTBs.
#pragma once
#include "drivers/storage_hw/storage_config.h"
#include "runtime/core/fdt.h"
#include "runtime/core/status.h"

namespace inferpi {

// Fills what the DTB describes and leaves the rest of `out` as it was. Fails only on a
// malformed property of a node it recognises; a DTB without any of them is not an error.
Status storage_config_from_fdt(const Fdt& fdt, StorageBoardConfig* out);

}  // namespace inferpi
