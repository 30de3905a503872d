// BOT wrappers, CDBs and SCSI responses. See scsi.h.
#include "drivers/usb/scsi.h"

#include <cstring>

#include "runtime/core/kstring.h"

namespace inferpi::scsi {
namespace {

void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = uint8_t(v >> (8 * i));
}
void store_be32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = uint8_t(v >> (24 - 8 * i));
}
void copy_trimmed(char* dst, const uint8_t* src, size_t n) {
  size_t len = 0;
  for (size_t i = 0; i < n; i++) dst[i] = (src[i] >= 0x20 && src[i] < 0x7F) ? char(src[i]) : ' ';
  for (size_t i = 0; i < n; i++)
    if (dst[i] != ' ') len = i + 1;
  dst[len] = 0;
}

}  // namespace

void build_cbw(uint8_t* out, uint32_t tag, uint32_t data_length, bool data_in, uint8_t lun,
               const uint8_t* cdb, uint8_t cdb_length) {
  memset(out, 0, kCbwLength);
  store_le32(out, kCbwSignature);
  store_le32(out + 4, tag);
  store_le32(out + 8, data_length);
  out[12] = data_in ? 0x80 : 0x00;
  out[13] = lun & 0xF;
  out[14] = cdb_length & 0x1F;
  memcpy(out + 15, cdb, cdb_length > 16 ? 16 : cdb_length);
}

Status check_csw(const uint8_t* csw, uint32_t received, uint32_t expected_tag, CswResult* out) {
  if (received != kCswLength) return Status::error("bad CSW: %u bytes instead of 13", received);
  if (load_le32(csw) != kCswSignature)
    return Status::error("bad CSW signature 0x%08x", load_le32(csw));
  if (load_le32(csw + 4) != expected_tag)
    return Status::error("CSW tag %u does not match CBW tag %u", load_le32(csw + 4), expected_tag);
  out->residue = load_le32(csw + 8);
  out->status = csw[12];
  if (out->status > 2) return Status::error("CSW status %u is not defined", out->status);
  return Status::ok();
}

uint8_t cdb_test_unit_ready(uint8_t* cdb) {
  memset(cdb, 0, 6);
  return 6;
}

uint8_t cdb_request_sense(uint8_t* cdb, uint8_t allocation) {
  memset(cdb, 0, 6);
  cdb[0] = op::kRequestSense;
  cdb[4] = allocation;
  return 6;
}

uint8_t cdb_inquiry(uint8_t* cdb, uint8_t allocation) {
  memset(cdb, 0, 6);
  cdb[0] = op::kInquiry;
  cdb[4] = allocation;
  return 6;
}

uint8_t cdb_read_capacity10(uint8_t* cdb) {
  memset(cdb, 0, 10);
  cdb[0] = op::kReadCapacity10;
  return 10;
}

uint8_t cdb_read_capacity16(uint8_t* cdb, uint8_t allocation) {
  memset(cdb, 0, 16);
  cdb[0] = op::kServiceActionIn16;
  cdb[1] = op::kReadCapacity16ServiceAction;
  store_be32(cdb + 10, allocation);
  return 16;
}

uint8_t cdb_read(uint8_t* cdb, uint64_t lba, uint32_t blocks) {
  if (lba + blocks <= 0x1'0000'0000ull && blocks <= 0xFFFF) {
    memset(cdb, 0, 10);
    cdb[0] = op::kRead10;
    store_be32(cdb + 2, uint32_t(lba));
    cdb[7] = uint8_t(blocks >> 8);
    cdb[8] = uint8_t(blocks);
    return 10;
  }
  memset(cdb, 0, 16);
  cdb[0] = op::kRead16;
  store_be32(cdb + 2, uint32_t(lba >> 32));
  store_be32(cdb + 6, uint32_t(lba));
  store_be32(cdb + 10, blocks);
  return 16;
}

Status parse_read_capacity10(const uint8_t* d, size_t length, Capacity* out) {
  if (length < 8) return Status::error("READ CAPACITY(10): %zu bytes instead of 8", length);
  uint32_t last = load_be32(d);
  *out = Capacity{};
  out->block_size = load_be32(d + 4);
  out->needs_16 = last == 0xFFFFFFFF;
  out->blocks = uint64_t(last) + 1;
  return Status::ok();
}

Status parse_read_capacity16(const uint8_t* d, size_t length, Capacity* out) {
  if (length < 12) return Status::error("READ CAPACITY(16): %zu bytes instead of 32", length);
  uint64_t last = load_be64(d);
  if (last == ~0ull) return Status::error("READ CAPACITY(16): last LBA out of range");
  *out = Capacity{};
  out->blocks = last + 1;
  out->block_size = load_be32(d + 8);
  return Status::ok();
}

Sense parse_sense(const uint8_t* d, size_t length) {
  Sense s;
  if (length < 14) return s;
  uint8_t code = d[0] & 0x7F;
  if (code != 0x70 && code != 0x71) return s;  // fixed format only
  s.key = d[2] & 0xF;
  s.asc = d[12];
  s.ascq = d[13];
  s.valid = true;
  return s;
}

const char* sense_key_name(uint8_t key) {
  static const char* const names[16] = {
      "no sense",       "recovered error", "not ready",      "medium error",
      "hardware error", "illegal request", "unit attention", "data protect",
      "blank check",    "vendor specific", "copy aborted",   "aborted command",
      "reserved",       "volume overflow", "miscompare",     "completed"};
  return names[key & 0xF];
}

bool sense_is_transient(const Sense& s) {
  if (!s.valid) return true;
  if (s.key == 6) return true;                                     // unit attention (29/00, 28/00)
  if (s.key == 2 && s.asc == 0x04 && s.ascq == 0x01) return true;  // becoming ready
  if (s.key == 0) return true;
  return false;
}

Status parse_inquiry(const uint8_t* d, size_t length, Inquiry* out) {
  if (length < 36) return Status::error("INQUIRY: %zu bytes instead of 36", length);
  *out = Inquiry{};
  out->device_type = d[0] & 0x1F;
  out->removable = (d[1] & 0x80) != 0;
  copy_trimmed(out->vendor, d + 8, 8);
  copy_trimmed(out->product, d + 16, 16);
  return Status::ok();
}

}  // namespace inferpi::scsi
