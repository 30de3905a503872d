// StorageBoardConfig: what a board tells the storage bring-up (StorageHardware) about its
// hardware. Filled from the device tree (storage_fdt.h) plus the firmware interface.
#pragma once
#include <cstdint>

#include "drivers/firmware_properties.h"
#include "drivers/pcie/bcm2711_pcie.h"
#include "drivers/pcie/pci_bus.h"
#include "drivers/sdhci/system_dma.h"
#include "runtime/core/bus_window.h"

namespace inferpi {

struct StorageBoardConfig {
  // PCIe host: a generic ECAM host (ecam_base != 0) or a BCM2711 root complex
  // (bcm2711.base != 0). `window` is the outbound memory window for BARs.
  uintptr_t ecam_base = 0;
  uint8_t ecam_buses = 0;
  pci::Bcm2711PcieConfig bcm2711;
  BusWindow window;
  // Firmware property interface (Pi 4 mailbox): VL805 notify, EMMC2 power and clock.
  FirmwareProperties* firmware = nullptr;
  // SD host at a fixed address (Pi 4 EMMC2); 0 = use an SDHCI found on PCI (QEMU sdhci-pci).
  uintptr_t sdhci_base = 0;
  uint32_t sdhci_base_clock_hz = 0;  // 0 = from firmware or the capabilities register
  // DMA of that host: its bus's dma-ranges, its own bus address (the system DMA engine reads
  // its data port there) and its DREQ line (0 = none); the SoC's DMA controller.
  BusWindow sdhci_dma_range;
  uint32_t sdhci_bus_address = 0;
  uint32_t sdhci_dreq = 0;
  sd::SystemDmaConfig system_dma;
  // Called once the BCM2711 inbound window is programmed, before any DMA memory is handed
  // to a PCIe device: the board's DMA layer must add the offset from then on.
  void (*set_dma_window)(const BusWindow& window) = nullptr;
};

}  // namespace inferpi
