// USB mass storage, Bulk-Only Transport + SCSI. References: USB MSC BOT 1.0 §5–6 (CBW/CSW,
// reset recovery), SBC-3 (READ/READ CAPACITY), pi4-hardware.md §9, §8.8.
#include "drivers/usb/mass_storage.h"

#include <cstring>

#include "runtime/core/kstring.h"
#include "runtime/core/platform.h"

namespace inferpi::usb {
namespace {

constexpr uint32_t kCommandTimeoutUs = 5'000'000;  // per BOT phase
constexpr int kUnitReadyTries = 50;                // x 100 ms (Circle: 99)
constexpr uint8_t kRequestClearFeature = 1;
constexpr uint16_t kFeatureEndpointHalt = 0;
constexpr uint8_t kRequestBotReset = 0xFF;

}  // namespace

Status UsbMassStorage::gone_error(const char* what) const {
  return Status::error("%s: %s: device unplugged", name_, what);
}

Status UsbMassStorage::attach(xhci::XhciController& hc, DmaPool& pool, uint8_t slot,
                              xhci::Speed speed, const InterfaceInfo& intf, const char* name) {
  attached_ = false;
  hc_ = &hc;
  slot_ = slot;
  interface_ = intf.number;
  copy_string(name_, sizeof name_, name);
  bulk_in_ = bulk_out_ = 0;
  for (uint8_t i = 0; i < intf.endpoint_count; i++) {
    const EndpointInfo& e = intf.endpoints[i];
    if (!e.is_bulk()) continue;
    if (e.is_in() && !bulk_in_) bulk_in_ = e.address;
    if (!e.is_in() && !bulk_out_) bulk_out_ = e.address;
  }
  if (!bulk_in_ || !bulk_out_) return Status::error("%s: interface has no bulk IN/OUT pair", name_);
  // Per-command size (pi4-hardware.md §9.4; see the header for why SuperSpeed is larger).
  max_transfer_ = speed >= xhci::Speed::Super  ? kSuperSpeedTransfer
                  : speed == xhci::Speed::High ? 240 * 512
                                               : 64 * 512;
  cbw_ = pool.alloc(64, 64);
  csw_ = pool.alloc(64, 64);
  response_ = pool.alloc(256, 64);
  bounce_ = pool.alloc(kBounceBytes, 4096);
  if (!cbw_ || !csw_ || !response_ || !bounce_)
    return Status::error("%s: out of DMA memory for transfer buffers", name_);
  INFERPI_TRY(start_unit());
  attached_ = true;
  return Status::ok();
}

Status UsbMassStorage::clear_halt(uint8_t ep) {
  // Host side first (Reset Endpoint + Set TR Dequeue), then the device's halt and toggle.
  Status host = hc_->recover_endpoint(slot_, xhci::dci_of(ep));
  Status dev =
      hc_->control(slot_, 0x02, kRequestClearFeature, kFeatureEndpointHalt, ep, nullptr, 0);
  if (!host) return host;
  return dev;
}

Status UsbMassStorage::reset_recovery() {
  if (hc_->device_gone(slot_)) return gone_error("reset recovery");
  // BOT §5.3.4: Bulk-Only Mass Storage Reset, then clear HALT on both bulk endpoints.
  INFERPI_TRY(hc_->control(slot_, 0x21, kRequestBotReset, 0, interface_, nullptr, 0));
  platform::delay_us(100'000);
  INFERPI_TRY(clear_halt(bulk_in_));
  return clear_halt(bulk_out_);
}

Status UsbMassStorage::bot_command(const uint8_t* cdb, uint8_t cdb_length, const Transfer& data,
                                   uint32_t* data_actual, uint8_t* csw_status) {
  if (hc_->device_gone(slot_)) return gone_error("command");
  uint32_t tag = ++tag_;
  scsi::build_cbw(static_cast<uint8_t*>(cbw_.cpu), tag, data.length, data.in, 0, cdb, cdb_length);
  uint32_t actual = 0;
  bool stalled = false;
  Status st =
      hc_->bulk(slot_, bulk_out_, cbw_.bus, scsi::kCbwLength, kCommandTimeoutUs, &actual, &stalled);
  if (!st) {
    if (!hc_->device_gone(slot_)) (void)reset_recovery();
    return st.with_context("CBW");
  }
  *data_actual = 0;
  if (data.length > 0) {
    uint8_t ep = data.in ? bulk_in_ : bulk_out_;
    st = hc_->bulk(slot_, ep, data.bus, data.length, kCommandTimeoutUs, data_actual, &stalled,
                   data.meanwhile);
    if (!st) {
      if (hc_->device_gone(slot_)) return st;
      if (!stalled) {  // transaction error / timeout: the CSW cannot be trusted
        (void)reset_recovery();
        return st.with_context("data phase");
      }
      INFERPI_TRY(clear_halt(ep));  // a stalled data phase still ends with a CSW
    }
  }
  memset(csw_.cpu, 0, scsi::kCswLength);
  st = hc_->bulk(slot_, bulk_in_, csw_.bus, scsi::kCswLength, kCommandTimeoutUs, &actual, &stalled);
  if (!st && stalled && !hc_->device_gone(slot_)) {
    INFERPI_TRY(clear_halt(bulk_in_));  // BOT §6.7.2: retry the CSW once after a stall
    st = hc_->bulk(slot_, bulk_in_, csw_.bus, scsi::kCswLength, kCommandTimeoutUs, &actual,
                   &stalled);
  }
  if (!st) {
    if (!hc_->device_gone(slot_)) (void)reset_recovery();
    return st.with_context("CSW");
  }
  scsi::CswResult csw;
  st = scsi::check_csw(static_cast<const uint8_t*>(csw_.cpu), actual, tag, &csw);
  if (!st || csw.status == 2) {
    (void)reset_recovery();
    if (!st) return st;
    return Status::error("phase error");
  }
  *csw_status = csw.status;
  return Status::ok();
}

Status UsbMassStorage::scsi_command(const uint8_t* cdb, uint8_t cdb_length,
                                    uint32_t response_length, const char* what,
                                    scsi::Sense* sense_out) {
  uint32_t actual = 0;
  uint8_t status = 0;
  Transfer t{response_.bus, response_length, true};
  Status st = bot_command(cdb, cdb_length, t, &actual, &status);
  if (!st) return Status::error("%s: %s: %s", name_, what, st.message());
  if (status == 0) return Status::ok();
  return sense_error(what, sense_out);
}

// CHECK CONDITION: REQUEST SENSE says why (fixed format, into the upper half of response_).
Status UsbMassStorage::sense_error(const char* what, scsi::Sense* sense_out) {
  uint8_t rs[6];
  uint8_t rs_len = scsi::cdb_request_sense(rs, 18);
  Transfer sense_t{response_.bus + 128, 18, true};
  uint32_t actual = 0;
  uint8_t sense_status = 0;
  Status st = bot_command(rs, rs_len, sense_t, &actual, &sense_status);
  scsi::Sense sense;
  if (st && sense_status == 0)
    sense = scsi::parse_sense(static_cast<const uint8_t*>(response_.cpu) + 128, actual);
  if (sense_out) *sense_out = sense;
  if (!sense.valid) return Status::error("%s: %s failed (no sense data)", name_, what);
  return Status::error("%s: %s failed: %s (ASC/ASCQ %02x/%02x)", name_, what,
                       scsi::sense_key_name(sense.key), sense.asc, sense.ascq);
}

Status UsbMassStorage::start_unit() {
  uint8_t cdb[16];
  uint8_t len = scsi::cdb_inquiry(cdb, 36);
  INFERPI_TRY(scsi_command(cdb, len, 36, "INQUIRY"));
  INFERPI_TRY(scsi::parse_inquiry(static_cast<const uint8_t*>(response_.cpu), 36, &inquiry_));
  if (inquiry_.device_type != 0)
    return Status::error("%s: SCSI device type %u is not a disk", name_, inquiry_.device_type);

  Status ready = Status::error("%s: never became ready", name_);
  for (int i = 0; i < kUnitReadyTries; i++) {
    scsi::Sense sense;
    len = scsi::cdb_test_unit_ready(cdb);
    ready = scsi_command(cdb, len, 0, "TEST UNIT READY", &sense);
    if (ready) break;
    if (hc_->device_gone(slot_)) return gone_error("TEST UNIT READY");
    if (sense.valid && sense.key == 2 && sense.asc == 0x3A)
      return Status::error("%s: no medium", name_);
    if (!scsi::sense_is_transient(sense)) return ready;
    platform::delay_us(100'000);
  }
  INFERPI_TRY(ready);

  scsi::Capacity cap;
  len = scsi::cdb_read_capacity10(cdb);
  INFERPI_TRY(scsi_command(cdb, len, 8, "READ CAPACITY(10)"));
  INFERPI_TRY(scsi::parse_read_capacity10(static_cast<const uint8_t*>(response_.cpu), 8, &cap));
  if (cap.needs_16) {
    len = scsi::cdb_read_capacity16(cdb, 32);
    INFERPI_TRY(scsi_command(cdb, len, 32, "READ CAPACITY(16)"));
    INFERPI_TRY(scsi::parse_read_capacity16(static_cast<const uint8_t*>(response_.cpu), 32, &cap));
  }
  if (cap.block_size != 512 && cap.block_size != 4096)
    return Status::error("%s: unsupported block size %u", name_, cap.block_size);
  block_size_ = cap.block_size;
  blocks_ = cap.blocks;
  if (max_transfer_ < block_size_) max_transfer_ = block_size_;
  return Status::ok();
}

Status UsbMassStorage::read_chunk(uint64_t lba, uint32_t blocks, uint64_t bus,
                                  xhci::XhciController::Meanwhile* meanwhile) {
  uint8_t cdb[16];
  uint8_t len = scsi::cdb_read(cdb, lba, blocks);
  uint32_t bytes = blocks * block_size_;
  Status last;
  for (int attempt = 0; attempt < kMaxTries; attempt++) {
    uint32_t actual = 0;
    uint8_t status = 0;
    Status st = bot_command(cdb, len, Transfer{bus, bytes, true, meanwhile}, &actual, &status);
    if (st && status == 0 && actual == bytes) return Status::ok();
    if (hc_->device_gone(slot_)) return gone_error(len == 10 ? "READ(10)" : "READ(16)");
    if (!st) {
      last = Status::error("%s: READ lba %llu (%u blocks): %s", name_, (unsigned long long)lba,
                           blocks, st.message());
    } else if (status != 0) {
      last = sense_error(len == 10 ? "READ(10)" : "READ(16)");
    } else {
      last = Status::error("%s: READ lba %llu: short read (%u of %u bytes)", name_,
                           (unsigned long long)lba, actual, bytes);
    }
  }
  return last;
}

Status UsbMassStorage::read_unchecked(uint64_t lba, uint32_t blocks) {
  if (!attached_) return Status::error("%s: not attached", name_);
  if (blocks == 0 || uint64_t(blocks) * block_size_ > bounce_.size)
    return Status::error("%s: %u blocks do not fit the bounce buffer", name_, blocks);
  return read_chunk(lba, blocks, bounce_.bus);
}

namespace {
// A bounce chunk waiting to be copied to its destination.
struct PendingCopy {
  uint8_t* dst = nullptr;
  const uint8_t* src = nullptr;
  size_t bytes = 0;
  static void run(void* self) {
    PendingCopy* p = static_cast<PendingCopy*>(self);
    if (p->bytes) memcpy(p->dst, p->src, p->bytes);
    p->bytes = 0;
  }
};
}  // namespace

Status UsbMassStorage::read(uint64_t lba, uint64_t count, void* dst) {
  if (!attached_) return Status::error("%s: not attached (re-initialise USB)", name_);
  if (hc_->device_gone(slot_)) return gone_error("read");
  if (lba > blocks_ || count > blocks_ - lba)
    return Status::error("%s: read of %llu blocks at %llu past the end (%llu blocks)", name_,
                         (unsigned long long)count, (unsigned long long)lba,
                         (unsigned long long)blocks_);
  uint8_t* out = static_cast<uint8_t*>(dst);
  uint32_t per_command = max_transfer_ / block_size_;
  PendingCopy pending;  // the previous bounce chunk, copied while the next one transfers
  int half = 0;
  while (count > 0) {
    uint32_t blocks = count < per_command ? uint32_t(count) : per_command;
    uint32_t bytes = blocks * block_size_;
    uint64_t bus = 0;
    // Straight into the destination when the device can reach it and the buffer is made of
    // whole cache lines (pi4-hardware.md §3.3); otherwise bounce.
    bool direct =
        (reinterpret_cast<uintptr_t>(out) & 63) == 0 && platform::dma_bus_address(out, bytes, &bus);
    if (direct) {
      PendingCopy::run(&pending);
      platform::dma_clean_invalidate(out, bytes);
      Status st = read_chunk(lba, blocks, bus);
      platform::dma_invalidate(out, bytes);  // again: speculative fills during the transfer
      if (!st && bytes > kLinuxSuperSpeedTransfer && !hc_->device_gone(slot_)) {
        max_transfer_ = kLinuxSuperSpeedTransfer;  // this device: Linux's size from now on
        per_command = max_transfer_ / block_size_;
        continue;  // the same blocks again, in smaller commands
      }
      INFERPI_TRY(st);
    } else {
      const uint32_t half_bytes = uint32_t(bounce_.size / 2);
      if (bytes > half_bytes) {
        blocks = half_bytes / block_size_;
        bytes = blocks * block_size_;
      }
      uint8_t* cpu = static_cast<uint8_t*>(bounce_.cpu) + size_t(half) * half_bytes;
      xhci::XhciController::Meanwhile meanwhile{pending.bytes ? &PendingCopy::run : nullptr,
                                                &pending};
      INFERPI_TRY(read_chunk(lba, blocks, bounce_.bus + uint64_t(half) * half_bytes, &meanwhile));
      PendingCopy::run(&pending);  // if no data phase ran it (nothing left to copy: no-op)
      pending = PendingCopy{out, cpu, bytes};
      half ^= 1;
    }
    out += bytes;
    lba += blocks;
    count -= blocks;
  }
  PendingCopy::run(&pending);
  return Status::ok();
}

}  // namespace inferpi::usb
