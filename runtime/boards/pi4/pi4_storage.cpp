// Pi 4: the firmware interface the storage drivers need (VL805 reload, EMMC2 power and
// clock), over the board's mailbox. Overrides the weak default in
// drivers/storage_hw/storage_shell.cpp.
#include "drivers/firmware_properties.h"
#include "drivers/storage_hw/storage_config.h"
#include "runtime/boards/pi4/pi4_board.h"

namespace inferpi {
namespace {

class MailboxProperties final : public FirmwareProperties {
 public:
  Status property(uint32_t tag, uint32_t* value, uint32_t value_words, uint32_t request_words,
                  uint32_t response_words) override {
    Mailbox* mb = pi4_mailbox();
    if (!mb) return Status::error("mailbox: not available");
    return mb->property(tag, value, request_words, value, response_words, value_words);
  }
};
MailboxProperties g_properties;

}  // namespace

FirmwareProperties* storage_firmware() { return &g_properties; }

// Booted without a device tree: the SD card on EMMC2 at the BCM2711's fixed address
// (0xFE340000, Linux's bcm2711-rpi-4-b.dts). No USB: the PCIe inbound DMA window the VL805
// needs differs between board revisions (dma-ranges: 3 GB on early boards, more later), so
// guessing it could make DMA land in the wrong place; the firmware's DTB is needed for it.
Status storage_fixed_config(StorageBoardConfig* c) {
  c->sdhci_base = 0xfe340000;
  return Status::ok();
}

}  // namespace inferpi
