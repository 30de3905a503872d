// Fdt: a read-only flattened device tree (DTB) parser (format: pi4-hardware.md §2.3,
// devicetree spec v0.3 ch. 5). init() checks the whole blob once - header fields,
// every token and string offset in bounds, nodes balanced - so a corrupt or truncated DTB
// gives a Status, never an out-of-bounds read. Nodes are identified by the offset of their
// BEGIN_NODE token in the structure block (-1 = none). Portable; host-tested with real
// Pi 4 and QEMU virt DTBs.
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/core/status.h"

namespace inferpi {

class Fdt {
 public:
  static constexpr uint32_t kMagic = 0xd00dfeed;
  static constexpr size_t kHeaderSize = 40;
  static constexpr int kMaxDepth = 32;

  // `available` = how many bytes may be read at `blob` (the header's totalsize must fit).
  Status init(const void* blob, size_t available);
  bool valid() const { return blob_ != nullptr; }
  uint32_t total_size() const { return total_size_; }
  const void* data() const { return blob_; }

  // /memreserve/ entries (the memory-reservation block).
  size_t reserve_count() const { return reserve_count_; }
  void reserve_entry(size_t i, uint64_t* address, uint64_t* size) const;

  int root() const { return 0; }
  int first_child(int node) const;
  int next_sibling(int node) const;
  // Node name including the unit address ("memory@0"); "" for the root.
  const char* name(int node) const;
  // Finds a node by absolute path ("/scb/pcie@7d500000"); a path component without '@'
  // also matches a node whose name has a unit address ("/memory" finds "memory@0").
  int find(const char* path) const;

  // Property lookup: true and (data, len) when `node` has it.
  bool prop(int node, const char* name, const uint8_t** data, uint32_t* len) const;
  // Property as a NUL-terminated string (nullptr when absent or not terminated).
  const char* prop_string(int node, const char* name) const;
  // u32 property (false when absent or not exactly 4 bytes).
  bool prop_u32(int node, const char* name, uint32_t* value) const;
  // True if the string-list property contains `value` (e.g. compatible, device_type).
  bool prop_has_string(int node, const char* name, const char* value) const;
  // #address-cells / #size-cells a node gives its children (defaults 2 and 1).
  uint32_t address_cells(int node) const;
  uint32_t size_cells(int node) const;

  // Reads `cells` (1 or 2) big-endian cells at data[*pos]; false when past len or cells > 2.
  static bool read_cells(const uint8_t* data, uint32_t len, uint32_t* pos, uint32_t cells,
                         uint64_t* value);

 private:
  // Token at struct offset `off`; `next` = offset of the token after it (props and node
  // names skipped). Returns 0 on a malformed token (init() rules that out).
  uint32_t token(uint32_t off, uint32_t* next) const;
  uint32_t skip_nops(uint32_t off) const;

  const uint8_t* blob_ = nullptr;
  const uint8_t* structs_ = nullptr;
  const char* strings_ = nullptr;
  uint32_t total_size_ = 0;
  uint32_t struct_size_ = 0;
  uint32_t strings_size_ = 0;
  uint32_t reserve_off_ = 0;
  size_t reserve_count_ = 0;
};

}  // namespace inferpi
