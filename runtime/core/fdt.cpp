#include "runtime/core/fdt.h"

#include <cstring>

#include "runtime/core/kstring.h"

namespace inferpi {

namespace {
constexpr uint32_t kBeginNode = 1, kEndNode = 2, kProp = 3, kNop = 4, kEnd = 9;
uint32_t pad4(uint32_t v) { return (v + 3) & ~3u; }
}  // namespace

Status Fdt::init(const void* blob, size_t available) {
  blob_ = nullptr;
  const auto* b = static_cast<const uint8_t*>(blob);
  if (!b || available < kHeaderSize)
    return Status::error("device tree: no header (%zu bytes)", available);
  if (load_be32(b) != kMagic)
    return Status::error("device tree: bad magic 0x%08x (want 0xd00dfeed)", load_be32(b));
  uint32_t total = load_be32(b + 4), off_struct = load_be32(b + 8), off_strings = load_be32(b + 12);
  uint32_t off_rsv = load_be32(b + 16), version = load_be32(b + 20);
  uint32_t size_strings = load_be32(b + 32), size_struct = load_be32(b + 36);
  if (total < kHeaderSize || total > available)
    return Status::error("device tree: totalsize %u does not fit the %zu bytes available", total,
                         available);
  if (version < 17) return Status::error("device tree: version %u (need 17)", version);
  if (off_struct > total || size_struct > total - off_struct || (off_struct & 3) ||
      (size_struct & 3))
    return Status::error("device tree: structure block outside the blob");
  if (off_strings > total || size_strings > total - off_strings)
    return Status::error("device tree: strings block outside the blob");
  if (off_rsv > total || (off_rsv & 7)) return Status::error("device tree: bad reservation map");
  // Reservation map: (u64 address, u64 size) pairs up to (0, 0).
  size_t count = 0;
  for (uint32_t o = off_rsv;; o += 16, ++count) {
    if (o > total - 16) return Status::error("device tree: reservation map not terminated");
    if (load_be64(b + o) == 0 && load_be64(b + o + 8) == 0) break;
    if (count > 4096) return Status::error("device tree: reservation map too long");
  }
  structs_ = b + off_struct;
  strings_ = reinterpret_cast<const char*>(b + off_strings);
  struct_size_ = size_struct;
  strings_size_ = size_strings;
  total_size_ = total;
  reserve_off_ = off_rsv;
  reserve_count_ = count;

  // Walk every token once: in bounds, names terminated, nodes balanced, ends with END.
  int depth = 0;
  uint32_t off = 0;
  bool seen_root = false;
  for (;;) {
    if (off + 4 > struct_size_) return Status::error("device tree: structure block truncated");
    uint32_t tok = load_be32(structs_ + off);
    if (tok == kBeginNode) {
      const char* nm = reinterpret_cast<const char*>(structs_ + off + 4);
      size_t room = struct_size_ - off - 4;
      size_t len = strnlen(nm, room);
      if (len == room) return Status::error("device tree: node name not terminated");
      if (depth == 0 && seen_root) return Status::error("device tree: two root nodes");
      seen_root = true;
      if (++depth > kMaxDepth)
        return Status::error("device tree: nesting deeper than %d", kMaxDepth);
      off += 4 + pad4(uint32_t(len + 1));
    } else if (tok == kEndNode) {
      if (--depth < 0) return Status::error("device tree: unbalanced END_NODE");
      off += 4;
    } else if (tok == kProp) {
      if (depth == 0) return Status::error("device tree: property outside a node");
      if (off + 12 > struct_size_) return Status::error("device tree: property truncated");
      uint32_t len = load_be32(structs_ + off + 4), nameoff = load_be32(structs_ + off + 8);
      if (len > struct_size_ - off - 12)
        return Status::error("device tree: property value truncated");
      if (nameoff >= strings_size_ ||
          strnlen(strings_ + nameoff, strings_size_ - nameoff) == strings_size_ - nameoff)
        return Status::error("device tree: bad property name offset %u", nameoff);
      off += 12 + pad4(len);
    } else if (tok == kNop) {
      off += 4;
    } else if (tok == kEnd) {
      if (depth != 0 || !seen_root) return Status::error("device tree: END inside a node");
      break;
    } else {
      return Status::error("device tree: unknown token 0x%x at +%u", tok, off);
    }
  }
  if (load_be32(structs_) != kBeginNode) return Status::error("device tree: no root node");
  blob_ = b;
  return Status::ok();
}

void Fdt::reserve_entry(size_t i, uint64_t* address, uint64_t* size) const {
  const uint8_t* e = blob_ + reserve_off_ + 16 * i;
  *address = load_be64(e);
  *size = load_be64(e + 8);
}

uint32_t Fdt::token(uint32_t off, uint32_t* next) const {
  if (off + 4 > struct_size_) return 0;
  uint32_t tok = load_be32(structs_ + off);
  switch (tok) {
    case kBeginNode: {
      size_t len =
          strnlen(reinterpret_cast<const char*>(structs_ + off + 4), struct_size_ - off - 4);
      *next = off + 4 + pad4(uint32_t(len + 1));
      return tok;
    }
    case kProp:
      *next = off + 12 + pad4(load_be32(structs_ + off + 4));
      return tok;
    case kEndNode:
    case kNop:
    case kEnd:
      *next = off + 4;
      return tok;
  }
  return 0;
}

uint32_t Fdt::skip_nops(uint32_t off) const {
  uint32_t next;
  while (token(off, &next) == kNop) off = next;
  return off;
}

int Fdt::first_child(int node) const {
  if (!blob_ || node < 0) return -1;
  uint32_t off = uint32_t(node), next;
  if (token(off, &next) != kBeginNode) return -1;
  for (off = next;; off = next) {
    uint32_t tok = token(off, &next);
    if (tok == kBeginNode) return int(off);
    if (tok != kProp && tok != kNop) return -1;
  }
}

int Fdt::next_sibling(int node) const {
  if (!blob_ || node <= 0) return -1;  // the root has no siblings
  uint32_t off = uint32_t(node), next;
  int depth = 0;
  for (;; off = next) {
    uint32_t tok = token(off, &next);
    if (tok == kBeginNode)
      ++depth;
    else if (tok == kEndNode && --depth == 0)
      break;
    else if (tok == 0 || tok == kEnd)
      return -1;
  }
  off = skip_nops(next);
  return token(off, &next) == kBeginNode ? int(off) : -1;
}

const char* Fdt::name(int node) const {
  if (!blob_ || node < 0) return "";
  return reinterpret_cast<const char*>(structs_ + node + 4);
}

static bool name_matches(const char* node_name, const char* comp, size_t comp_len) {
  if (strncmp(node_name, comp, comp_len) != 0) return false;
  char c = node_name[comp_len];
  if (c == '\0') return true;
  // "memory" matches "memory@0" when the component has no unit address.
  return c == '@' && memchr(comp, '@', comp_len) == nullptr;
}

int Fdt::find(const char* path) const {
  if (!blob_ || !path || path[0] != '/') return -1;
  int node = root();
  const char* p = path + 1;
  while (*p) {
    const char* slash = strchr(p, '/');
    size_t len = slash ? size_t(slash - p) : strlen(p);
    if (len > 0) {
      int child = first_child(node);
      while (child >= 0 && !name_matches(name(child), p, len)) child = next_sibling(child);
      if (child < 0) return -1;
      node = child;
    }
    if (!slash) break;
    p = slash + 1;
  }
  return node;
}

bool Fdt::prop(int node, const char* pname, const uint8_t** data, uint32_t* len) const {
  if (!blob_ || node < 0) return false;
  uint32_t off = uint32_t(node), next;
  if (token(off, &next) != kBeginNode) return false;
  for (off = next;; off = next) {
    uint32_t tok = token(off, &next);
    if (tok == kNop) continue;
    if (tok != kProp) return false;
    if (strcmp(strings_ + load_be32(structs_ + off + 8), pname) == 0) {
      *len = load_be32(structs_ + off + 4);
      *data = structs_ + off + 12;
      return true;
    }
  }
}

const char* Fdt::prop_string(int node, const char* pname) const {
  const uint8_t* d;
  uint32_t len;
  if (!prop(node, pname, &d, &len) || len == 0 || d[len - 1] != '\0') return nullptr;
  return reinterpret_cast<const char*>(d);
}

bool Fdt::prop_u32(int node, const char* pname, uint32_t* value) const {
  const uint8_t* d;
  uint32_t len;
  if (!prop(node, pname, &d, &len) || len != 4) return false;
  *value = load_be32(d);
  return true;
}

bool Fdt::prop_has_string(int node, const char* pname, const char* value) const {
  const uint8_t* d;
  uint32_t len;
  if (!prop(node, pname, &d, &len)) return false;
  const char* s = reinterpret_cast<const char*>(d);
  for (uint32_t i = 0; i < len;) {
    size_t n = strnlen(s + i, len - i);
    if (n == len - i) return false;  // not terminated
    if (strcmp(s + i, value) == 0) return true;
    i += uint32_t(n + 1);
  }
  return false;
}

uint32_t Fdt::address_cells(int node) const {
  uint32_t v;
  return prop_u32(node, "#address-cells", &v) ? v : 2;
}

uint32_t Fdt::size_cells(int node) const {
  uint32_t v;
  return prop_u32(node, "#size-cells", &v) ? v : 1;
}

bool Fdt::read_cells(const uint8_t* data, uint32_t len, uint32_t* pos, uint32_t cells,
                     uint64_t* value) {
  if (cells > 2 || *pos > len || cells * 4 > len - *pos) return false;
  uint64_t v = 0;
  for (uint32_t i = 0; i < cells; ++i) v = (v << 32) | load_be32(data + *pos + 4 * i);
  *pos += cells * 4;
  *value = v;
  return true;
}

}  // namespace inferpi
