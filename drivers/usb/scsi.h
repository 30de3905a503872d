// SCSI over USB Bulk-Only Transport (USB MSC BOT 1.0 §5; SPC-4/SBC-3 for the commands).
// Pure packing and checking of CBW/CSW, CDBs and responses, unit-tested on the host.
// Multi-byte SCSI fields are big-endian; BOT wrapper fields are little-endian.
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/status.h"

namespace inferpi::scsi {

constexpr uint32_t kCbwSignature = 0x43425355;  // "USBC"
constexpr uint32_t kCswSignature = 0x53425355;  // "USBS"
constexpr uint32_t kCbwLength = 31;
constexpr uint32_t kCswLength = 13;

namespace op {
constexpr uint8_t kTestUnitReady = 0x00, kRequestSense = 0x03, kInquiry = 0x12,
                  kReadCapacity10 = 0x25, kRead10 = 0x28, kRead16 = 0x88, kServiceActionIn16 = 0x9E,
                  kReadCapacity16ServiceAction = 0x10;
}

void build_cbw(uint8_t* out31, uint32_t tag, uint32_t data_length, bool data_in, uint8_t lun,
               const uint8_t* cdb, uint8_t cdb_length);

struct CswResult {
  uint32_t residue = 0;
  uint8_t status = 0;  // 0 passed, 1 failed (REQUEST SENSE), 2 phase error (reset recovery)
};
// Checks length, signature and tag (BOT §6.3). A bad CSW calls for reset recovery.
Status check_csw(const uint8_t* csw, uint32_t received, uint32_t expected_tag, CswResult* out);

// CDB builders; each returns the CDB length.
uint8_t cdb_test_unit_ready(uint8_t* cdb);
uint8_t cdb_request_sense(uint8_t* cdb, uint8_t allocation);
uint8_t cdb_inquiry(uint8_t* cdb, uint8_t allocation);
uint8_t cdb_read_capacity10(uint8_t* cdb);
uint8_t cdb_read_capacity16(uint8_t* cdb, uint8_t allocation);
// READ(10) when lba and count fit (lba < 2^32, count <= 65535), READ(16) otherwise.
uint8_t cdb_read(uint8_t* cdb, uint64_t lba, uint32_t blocks);

struct Capacity {
  uint64_t blocks = 0;
  uint32_t block_size = 0;
  bool needs_16 = false;  // READ CAPACITY(10) said "more than 2^32 blocks"
};
Status parse_read_capacity10(const uint8_t* data, size_t length, Capacity* out);
Status parse_read_capacity16(const uint8_t* data, size_t length, Capacity* out);

struct Sense {
  uint8_t key = 0, asc = 0, ascq = 0;
  bool valid = false;
};
Sense parse_sense(const uint8_t* data, size_t length);
const char* sense_key_name(uint8_t key);
// "becoming ready" (02/04/01), unit attention: worth retrying TEST UNIT READY.
bool sense_is_transient(const Sense& s);

struct Inquiry {
  uint8_t device_type = 0;
  bool removable = false;
  char vendor[9] = {};
  char product[17] = {};
};
Status parse_inquiry(const uint8_t* data, size_t length, Inquiry* out);

}  // namespace inferpi::scsi
