// UsbMassStorage: a USB stick (Bulk-Only Transport, SCSI transparent command set) as a
// BlockDevice. Start-up: INQUIRY → TEST UNIT READY (with REQUEST SENSE, retried while the
// medium becomes ready) → READ CAPACITY(10)/(16). Reads are split per command: SuperSpeed
// READs are as large as one TD of our transfer ring carries (kSuperSpeedTransfer, 8 MiB =
// 128 chained TRBs of 64 KiB; READ(10) itself allows 65535 blocks), falling back for good
// to Linux usb-storage's 1 MiB if a device fails one (pi4-hardware.md §9.4); high and full
// speed keep Linux's 120 KiB / 32 KiB ("some devices choke on more"). The controller
// splits each data phase into <= 64 KiB chained TRBs. A read goes straight into the
// destination when the platform says the device can reach it (64-byte aligned, whole
// cache lines), otherwise through a DMA bounce buffer used as two halves: while the
// controller fills one with the next chunk, the CPU copies the previous one out of the other.
//
// Errors: a stalled data or CSW phase clears the halt (xHCI Reset Endpoint + Set TR
// Dequeue + CLEAR_FEATURE(HALT)); a bad CSW or phase error runs BOT reset recovery; a
// chunk is tried at most kMaxTries times; an unplugged device fails at once.
//
// DMA memory (from the USB stack's pool, coherent): CBW 64 B, CSW 64 B, response 256 B,
// bounce buffer kBounceBytes.
#pragma once
#include <cstdint>

#include "drivers/block/block_device.h"
#include "drivers/usb/dma_pool.h"
#include "drivers/usb/scsi.h"
#include "drivers/usb/usb_descriptors.h"
#include "drivers/usb/xhci_controller.h"

namespace inferpi::usb {

class UsbMassStorage final : public BlockDevice {
 public:
  // Only used when the destination is not DMA-reachable (or not cache-line aligned).
  static constexpr uint32_t kBounceBytes = 256u << 10;
  static constexpr int kMaxTries = 3;
  static constexpr uint32_t kSuperSpeedTransfer = 8u << 20;  // fits ProducerRing::kMaxTd
  static constexpr uint32_t kLinuxSuperSpeedTransfer = 1u << 20;

  // Binds to an already configured interface (endpoints configured, SET_CONFIGURATION done).
  Status attach(xhci::XhciController& hc, DmaPool& pool, uint8_t slot, xhci::Speed speed,
                const InterfaceInfo& interface, const char* name);
  void detach() { attached_ = false; }
  bool attached() const { return attached_; }

  const char* name() const override { return name_; }
  uint32_t sector_size() const override { return block_size_; }
  uint64_t sector_count() const override { return blocks_; }
  Status read(uint64_t lba, uint64_t count, void* dst) override;

  // One READ command without the capacity check, for recovery tests: reading past the end
  // makes a device fail the command (CHECK CONDITION, often with a stalled data phase).
  Status read_unchecked(uint64_t lba, uint32_t blocks);
  const scsi::Inquiry& inquiry() const { return inquiry_; }
  uint32_t max_transfer_bytes() const { return max_transfer_; }
  uint8_t slot() const { return slot_; }

 private:
  struct Transfer {
    uint64_t bus = 0;  // data buffer (DMA)
    uint32_t length = 0;
    bool in = true;
    xhci::XhciController::Meanwhile* meanwhile = nullptr;  // during the data phase
  };
  Status start_unit();
  // One BOT command. csw_status receives the CSW status (0 ok, 1 check condition).
  Status bot_command(const uint8_t* cdb, uint8_t cdb_length, const Transfer& data,
                     uint32_t* data_actual, uint8_t* csw_status);
  // Command plus REQUEST SENSE on a failed status; response (if any) lands in response_.
  Status scsi_command(const uint8_t* cdb, uint8_t cdb_length, uint32_t response_length,
                      const char* what, scsi::Sense* sense = nullptr);
  Status sense_error(const char* what, scsi::Sense* sense = nullptr);
  Status read_chunk(uint64_t lba, uint32_t blocks, uint64_t bus,
                    xhci::XhciController::Meanwhile* meanwhile = nullptr);
  Status clear_halt(uint8_t endpoint_address);
  Status reset_recovery();
  Status gone_error(const char* what) const;

  xhci::XhciController* hc_ = nullptr;
  bool attached_ = false;
  uint8_t slot_ = 0;
  uint8_t interface_ = 0;
  uint8_t bulk_in_ = 0, bulk_out_ = 0;
  uint32_t tag_ = 0;
  uint32_t block_size_ = 512;
  uint64_t blocks_ = 0;
  uint32_t max_transfer_ = 0;
  DmaBlock cbw_, csw_, response_, bounce_;
  scsi::Inquiry inquiry_;
  char name_[8] = {};
};

}  // namespace inferpi::usb
