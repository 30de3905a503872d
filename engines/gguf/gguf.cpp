#include "engines/gguf/gguf.h"

#include <algorithm>

#include "runtime/core/format.h"
#include "runtime/core/kstring.h"

namespace inferpi::gguf {

namespace {

// Fixed byte size of a scalar value type; 0 for STRING/ARRAY and unknown ids.
size_t scalar_size(uint32_t t) {
  switch (ValueType(t)) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::BOOL:
      return 1;
    case ValueType::U16:
    case ValueType::I16:
      return 2;
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::F32:
      return 4;
    case ValueType::U64:
    case ValueType::I64:
    case ValueType::F64:
      return 8;
    default:
      return 0;
  }
}

bool known_value_type(uint32_t t) { return t <= uint32_t(ValueType::F64); }

int64_t read_int(ValueType t, const uint8_t* p) {
  switch (t) {
    case ValueType::U8:
    case ValueType::BOOL:
      return p[0];
    case ValueType::I8:
      return int8_t(p[0]);
    case ValueType::U16:
      return load_le16(p);
    case ValueType::I16:
      return int16_t(load_le16(p));
    case ValueType::U32:
      return load_le32(p);
    case ValueType::I32:
      return int32_t(load_le32(p));
    case ValueType::U64:
      return int64_t(load_le64(p));  // > INT64_MAX wraps: callers check
    case ValueType::I64:
      return int64_t(load_le64(p));
    default:
      return 0;
  }
}

double read_float(ValueType t, const uint8_t* p) {
  if (t == ValueType::F32) {
    float f;
    memcpy(&f, p, 4);
    return f;
  }
  if (t == ValueType::F64) {
    double d;
    memcpy(&d, p, 8);
    return d;
  }
  return double(read_int(t, p));
}

bool is_int_type(ValueType t) {
  return scalar_size(uint32_t(t)) != 0 && t != ValueType::F32 && t != ValueType::F64 &&
         t != ValueType::BOOL;
}

int compare(const Str& a, const Str& b) {
  int c = memcmp(a.data, b.data, a.size < b.size ? a.size : b.size);
  if (c) return c;
  return a.size < b.size ? -1 : (a.size > b.size ? 1 : 0);
}

// A bounds-checked cursor over the file. Every read checks that the bytes exist; the
// first failure is remembered with a message naming what was being read and where.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t pos() const { return pos_; }
  size_t left() const { return size_ - pos_; }
  const uint8_t* here() const { return data_ + pos_; }

  Status need(size_t n, const char* what) const {
    if (n > left()) {
      return Status::error("truncated: %s at offset %zu needs %zu bytes, file has %zu left", what,
                           pos_, n, left());
    }
    return Status::ok();
  }
  Status u32(uint32_t* v, const char* what) {
    INFERPI_TRY(need(4, what));
    *v = load_le32(here());
    pos_ += 4;
    return Status::ok();
  }
  Status u64(uint64_t* v, const char* what) {
    INFERPI_TRY(need(8, what));
    *v = load_le64(here());
    pos_ += 8;
    return Status::ok();
  }
  Status skip(uint64_t n, const char* what) {
    if (n > left()) {
      return Status::error("truncated: %s at offset %zu is %llu bytes, file has %zu left", what,
                           pos_, (unsigned long long)n, left());
    }
    pos_ += size_t(n);
    return Status::ok();
  }
  Status string(Str* s, const char* what) {
    uint64_t len;
    INFERPI_TRY(u64(&len, what));
    const uint8_t* p = here();
    INFERPI_TRY(skip(len, what));
    s->data = reinterpret_cast<const char*>(p);
    s->size = size_t(len);
    return Status::ok();
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Reads one value of type `type` (already read) into kv, checking everything.
Status read_value(Reader& r, uint32_t type, KeyValue* kv) {
  if (!known_value_type(type)) return Status::error("unknown value type %u", type);
  kv->type = ValueType(type);
  kv->value = r.here();
  if (kv->type == ValueType::STRING) return r.string(&kv->string, "string value");
  if (kv->type == ValueType::ARRAY) {
    uint32_t elem;
    uint64_t count;
    INFERPI_TRY(r.u32(&elem, "array element type"));
    INFERPI_TRY(r.u64(&count, "array length"));
    if (!known_value_type(elem)) return Status::error("array of unknown value type %u", elem);
    if (ValueType(elem) == ValueType::ARRAY) return Status::error("nested arrays not supported");
    Array& a = kv->array;
    a.elem = ValueType(elem);
    a.count = count;
    a.data = r.here();
    size_t start = r.pos();
    if (a.elem == ValueType::STRING) {
      // Each string needs at least its 8-byte length: reject absurd counts before looping.
      if (count > r.left() / 8) {
        return Status::error("array of %llu strings cannot fit in the %zu bytes left",
                             (unsigned long long)count, r.left());
      }
      for (uint64_t i = 0; i < count; i++) {
        Str s;
        INFERPI_TRY(r.string(&s, "array string"));
      }
    } else {
      size_t es = scalar_size(elem);
      if (count > r.left() / es) {
        return Status::error("array of %llu × %zu-byte values runs past the end of the file",
                             (unsigned long long)count, es);
      }
      if (a.elem == ValueType::BOOL) {
        for (uint64_t i = 0; i < count; i++) {
          if (a.data[i] > 1) return Status::error("array bool value %u is not 0/1", a.data[i]);
        }
      }
      INFERPI_TRY(r.skip(count * es, "array"));
    }
    a.bytes = r.pos() - start;
    return Status::ok();
  }
  size_t n = scalar_size(type);
  INFERPI_TRY(r.need(n, "value"));
  if (kv->type == ValueType::BOOL && *r.here() > 1) {
    return Status::error("bool value %u is not 0/1", *r.here());
  }
  return r.skip(n, "value");
}

template <typename T>
Status alloc_index(Arena& arena, size_t n, T** out, const char* what) {
  *out = n ? arena.alloc_array<T>(n) : nullptr;
  if (n && !*out) {
    return Status::error("out of memory: %zu %s need %zu bytes, arena has %zu", n, what,
                         n * sizeof(T), arena.largest_free());
  }
  return Status::ok();
}

}  // namespace

const char* value_type_name(ValueType t) {
  static const char* const kNames[] = {"u8",   "i8",     "u16",   "i16", "u32", "i32", "f32",
                                       "bool", "string", "array", "u64", "i64", "f64"};
  return uint32_t(t) <= uint32_t(ValueType::F64) ? kNames[uint32_t(t)] : "?";
}

bool Str::contains(const char* s) const {
  size_t n = strlen(s);
  if (n == 0) return true;
  for (size_t i = 0; i + n <= size; i++) {
    if (memcmp(data + i, s, n) == 0) return true;
  }
  return false;
}

const char* Str::copy_to(char* buf, size_t cap) const {
  if (cap == 0) return buf;
  size_t n = size < cap - 1 ? size : cap - 1;
  memcpy(buf, data, n);
  buf[n] = 0;
  return buf;
}

bool Array::is_integer() const { return is_int_type(elem) || elem == ValueType::BOOL; }

int64_t Array::int_at(uint64_t i) const {
  size_t es = scalar_size(uint32_t(elem));
  return es ? read_int(elem, data + i * es) : 0;
}

double Array::float_at(uint64_t i) const {
  size_t es = scalar_size(uint32_t(elem));
  return es ? read_float(elem, data + i * es) : 0.0;
}

bool StringCursor::next(Str* out) {
  if (left_ == 0 || end_ - p_ < 8) return false;
  uint64_t len = load_le64(p_);
  if (len > uint64_t(end_ - p_ - 8)) return false;  // validated at parse; defensive
  out->data = reinterpret_cast<const char*>(p_ + 8);
  out->size = size_t(len);
  p_ += 8 + len;
  left_--;
  return true;
}

bool has_magic(const uint8_t* head, size_t size) { return size >= 4 && load_le32(head) == kMagic; }

Status GgufFile::parse(const uint8_t* data, size_t size, Arena& arena) {
  *this = GgufFile();
  data_ = data;
  size_ = size;
  Reader r(data, size);
  uint32_t magic;
  INFERPI_TRY(r.u32(&magic, "magic"));
  if (magic != kMagic) return Status::error("not a GGUF file (bad magic %08x)", magic);
  INFERPI_TRY(r.u32(&version_, "version"));
  if (version_ == 1) return Status::error("unsupported: GGUF version 1 (32-bit counts)");
  if (version_ != 2 && version_ != 3) {
    if ((version_ & 0xffff) == 0 && version_ != 0) {
      return Status::error("unsupported: big-endian GGUF (version reads as %08x)", version_);
    }
    return Status::error("unsupported: GGUF version %u (want 2 or 3)", version_);
  }
  uint64_t n_tensors, n_kv;
  INFERPI_TRY(r.u64(&n_tensors, "tensor count"));
  INFERPI_TRY(r.u64(&n_kv, "metadata count"));
  // A KV pair takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor info at least
  // 8 + 4 + 8 + 4 + 8 bytes. Counts that cannot fit are rejected before any allocation.
  if (n_kv > r.left() / 13 || n_kv > kMaxEntries) {
    return Status::error("metadata count %llu is impossible for a %zu-byte file",
                         (unsigned long long)n_kv, size);
  }
  if (n_tensors > r.left() / 32 || n_tensors > kMaxEntries) {
    return Status::error("tensor count %llu is impossible for a %zu-byte file",
                         (unsigned long long)n_tensors, size);
  }
  n_kv_ = size_t(n_kv);
  n_tensors_ = size_t(n_tensors);
  INFERPI_TRY(alloc_index(arena, n_kv_, &kvs_, "metadata entries"));
  INFERPI_TRY(alloc_index(arena, n_kv_, &kv_by_key_, "metadata entries"));
  INFERPI_TRY(alloc_index(arena, n_tensors_, &tensors_, "tensor infos"));
  INFERPI_TRY(alloc_index(arena, n_tensors_, &tensor_by_name_, "tensor infos"));

  for (size_t i = 0; i < n_kv_; i++) {
    KeyValue* kv = new (&kvs_[i]) KeyValue();
    size_t at = r.pos();
    Status st = r.string(&kv->key, "key");
    uint32_t type = 0;
    if (st && memchr(kv->key.data, 0, kv->key.size)) st = Status::error("key contains a NUL byte");
    if (st) st = r.u32(&type, "value type");
    if (st) st = read_value(r, type, kv);
    if (!st) {
      char key[48] = "?", context[96];
      if (kv->key.data) kv->key.copy_to(key, sizeof key);
      format(context, sizeof context, "metadata %zu ('%s', offset %zu)", i, key, at);
      return st.with_context(context);
    }
    kv_by_key_[i] = uint32_t(i);
  }
  std::sort(kv_by_key_, kv_by_key_ + n_kv_,
            [&](uint32_t a, uint32_t b) { return compare(kvs_[a].key, kvs_[b].key) < 0; });
  for (size_t i = 1; i < n_kv_; i++) {
    if (compare(kvs_[kv_by_key_[i - 1]].key, kvs_[kv_by_key_[i]].key) == 0) {
      char key[64];
      return Status::error("duplicate metadata key '%s'",
                           kvs_[kv_by_key_[i]].key.copy_to(key, sizeof key));
    }
  }

  if (const KeyValue* a = find("general.alignment")) {
    if (a->type != ValueType::U32) {
      return Status::error("general.alignment has type %s, want u32", value_type_name(a->type));
    }
    alignment_ = load_le32(a->value);
    if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0) {
      return Status::error("general.alignment %u is not a power of two", alignment_);
    }
  }

  for (size_t i = 0; i < n_tensors_; i++) {
    TensorInfo* t = new (&tensors_[i]) TensorInfo();
    INFERPI_TRY(r.string(&t->name, "tensor name"));
    char name[kMaxNameLength + 1];
    t->name.copy_to(name, sizeof name);
    if (memchr(t->name.data, 0, t->name.size)) {
      return Status::error("tensor %zu: name '%s' contains a NUL byte", i, name);
    }
    if (t->name.size > kMaxNameLength) {
      return Status::error("tensor %zu: name '%s…' longer than %zu bytes", i, name, kMaxNameLength);
    }
    INFERPI_TRY(r.u32(&t->n_dims, "tensor n_dims"));
    if (t->n_dims == 0 || t->n_dims > kMaxDims) {
      return Status::error("tensor '%s': %u dimensions (want 1..4)", name, t->n_dims);
    }
    uint64_t elems = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
      INFERPI_TRY(r.u64(&t->ne[d], "tensor dimension"));
      // Every dimension must be ≥ 1 and the element count must stay far from overflow.
      if (t->ne[d] == 0 || t->ne[d] > (uint64_t(1) << 40) ||
          elems > (uint64_t(1) << 48) / t->ne[d]) {
        return Status::error("tensor '%s': dimension %u = %llu is out of range", name, d,
                             (unsigned long long)t->ne[d]);
      }
      elems *= t->ne[d];
    }
    uint32_t type;
    INFERPI_TRY(r.u32(&type, "tensor type"));
    const DTypeInfo* info = dtype_info(type);
    if (!info) return Status::error("unsupported: tensor '%s' has ggml type %u", name, type);
    t->type = DType(type);
    if (t->ne[0] % info->block_elems != 0) {
      return Status::error("tensor '%s': row length %llu is not a multiple of %s's block of %u",
                           name, (unsigned long long)t->ne[0], info->name, info->block_elems);
    }
    INFERPI_TRY(r.u64(&t->offset, "tensor offset"));
    if (t->offset % alignment_ != 0) {
      return Status::error("tensor '%s': offset %llu is not a multiple of the alignment %u", name,
                           (unsigned long long)t->offset, alignment_);
    }
    t->bytes = t->ne[0] / info->block_elems * info->block_bytes * (elems / t->ne[0]);
    tensor_by_name_[i] = uint32_t(i);
  }

  // The data section starts at the next multiple of the alignment after the infos.
  uint64_t end_of_infos = r.pos();
  data_offset_ = (end_of_infos + alignment_ - 1) / alignment_ * alignment_;
  if (n_tensors_ > 0 && data_offset_ > size) {
    return Status::error("truncated: data section would start at %llu, file is %zu bytes",
                         (unsigned long long)data_offset_, size);
  }
  uint64_t data_size = data_offset_ <= size ? size - data_offset_ : 0;
  for (size_t i = 0; i < n_tensors_; i++) {
    TensorInfo& t = tensors_[i];
    if (t.offset > data_size || t.bytes > data_size - t.offset) {
      char name[kMaxNameLength + 1];
      return Status::error(
          "truncated: tensor '%s' needs bytes %llu..%llu of the data section, which has %llu",
          t.name.copy_to(name, sizeof name), (unsigned long long)t.offset,
          (unsigned long long)(t.offset + t.bytes), (unsigned long long)data_size);
    }
    t.data = data + data_offset_ + t.offset;
  }

  // Names must be unique; tensors must not overlap (sort by offset, compare neighbours).
  std::sort(tensor_by_name_, tensor_by_name_ + n_tensors_, [&](uint32_t a, uint32_t b) {
    return compare(tensors_[a].name, tensors_[b].name) < 0;
  });
  for (size_t i = 1; i < n_tensors_; i++) {
    if (compare(tensors_[tensor_by_name_[i - 1]].name, tensors_[tensor_by_name_[i]].name) == 0) {
      char name[kMaxNameLength + 1];
      return Status::error("duplicate tensor name '%s'",
                           tensors_[tensor_by_name_[i]].name.copy_to(name, sizeof name));
    }
  }
  if (n_tensors_ > 1) {
    Arena::Mark m = arena.mark();
    uint32_t* by_offset;
    INFERPI_TRY(alloc_index(arena, n_tensors_, &by_offset, "tensor infos"));
    for (size_t i = 0; i < n_tensors_; i++) by_offset[i] = uint32_t(i);
    std::sort(by_offset, by_offset + n_tensors_,
              [&](uint32_t a, uint32_t b) { return tensors_[a].offset < tensors_[b].offset; });
    Status st;
    for (size_t i = 1; i < n_tensors_ && st; i++) {
      const TensorInfo& a = tensors_[by_offset[i - 1]];
      const TensorInfo& b = tensors_[by_offset[i]];
      if (a.offset + a.bytes > b.offset) {
        char na[kMaxNameLength + 1], nb[kMaxNameLength + 1];
        st = Status::error("tensors '%s' and '%s' overlap (bytes %llu..%llu and %llu..)",
                           a.name.copy_to(na, sizeof na), b.name.copy_to(nb, sizeof nb),
                           (unsigned long long)a.offset, (unsigned long long)(a.offset + a.bytes),
                           (unsigned long long)b.offset);
      }
    }
    arena.reset(m);
    INFERPI_TRY(st);
  }
  return Status::ok();
}

namespace {
// Binary search of `by_name` (indexes into items, sorted by name_of(item)) for `name`.
template <typename Item, typename NameOf>
const Item* find_sorted(const Item* items, const uint32_t* by_name, size_t n, const char* name,
                        NameOf name_of) {
  Str k{name, strlen(name)};
  const uint32_t* it = std::lower_bound(by_name, by_name + n, k, [&](uint32_t i, const Str& s) {
    return compare(name_of(items[i]), s) < 0;
  });
  if (it == by_name + n || compare(name_of(items[*it]), k) != 0) return nullptr;
  return &items[*it];
}
}  // namespace

const KeyValue* GgufFile::find(const char* key) const {
  return find_sorted(kvs_, kv_by_key_, n_kv_, key, [](const KeyValue& kv) { return kv.key; });
}

const TensorInfo* GgufFile::find_tensor(const char* name) const {
  return find_sorted(tensors_, tensor_by_name_, n_tensors_, name,
                     [](const TensorInfo& t) { return t.name; });
}

namespace {
// The key's value when its type passes `ok`; nullptr when the key is absent, or (with the
// error in *st) when its type does not pass, so every typed getter reports the same way.
const KeyValue* find_typed(const GgufFile& f, const char* key, bool (*ok)(ValueType),
                           const char* want, Status* st) {
  const KeyValue* kv = f.find(key);
  if (kv && !ok(kv->type)) {
    if (st) {
      *st = Status::error("metadata %s has type %s, want %s", key, value_type_name(kv->type), want);
    }
    return nullptr;
  }
  return kv;
}
}  // namespace

bool GgufFile::get_uint(const char* key, uint64_t* out, Status* st) const {
  const KeyValue* kv = find_typed(*this, key, is_int_type, "an integer", st);
  if (!kv) return false;
  int64_t v = read_int(kv->type, kv->value);
  if (kv->type == ValueType::U64) {
    *out = load_le64(kv->value);
    return true;
  }
  if (v < 0) {
    if (st) *st = Status::error("metadata %s is negative (%lld)", key, (long long)v);
    return false;
  }
  *out = uint64_t(v);
  return true;
}

bool GgufFile::get_float(const char* key, double* out, Status* st) const {
  auto is_number = [](ValueType t) {
    return scalar_size(uint32_t(t)) != 0 && t != ValueType::BOOL;
  };
  const KeyValue* kv = find_typed(*this, key, is_number, "a number", st);
  if (kv) *out = read_float(kv->type, kv->value);
  return kv != nullptr;
}

bool GgufFile::get_bool(const char* key, bool* out, Status* st) const {
  auto is_bool = [](ValueType t) { return t == ValueType::BOOL; };
  const KeyValue* kv = find_typed(*this, key, is_bool, "bool", st);
  if (kv) *out = kv->value[0] != 0;
  return kv != nullptr;
}

bool GgufFile::get_string(const char* key, Str* out, Status* st) const {
  auto is_string = [](ValueType t) { return t == ValueType::STRING; };
  const KeyValue* kv = find_typed(*this, key, is_string, "string", st);
  if (kv) *out = kv->string;
  return kv != nullptr;
}

bool GgufFile::get_array(const char* key, Array* out, Status* st) const {
  auto is_array = [](ValueType t) { return t == ValueType::ARRAY; };
  const KeyValue* kv = find_typed(*this, key, is_array, "array", st);
  if (kv) *out = kv->array;
  return kv != nullptr;
}

Status summarize_head(const uint8_t* head, size_t size, HeadSummary* out) {
  *out = HeadSummary();
  Reader r(head, size);
  uint32_t magic, version;
  uint64_t n_tensors, n_kv;
  INFERPI_TRY(r.u32(&magic, "magic"));
  if (magic != kMagic) return Status::error("not a GGUF file (bad magic %08x)", magic);
  INFERPI_TRY(r.u32(&version, "version"));
  if (version != 2 && version != 3) return Status::error("unsupported: GGUF version %u", version);
  INFERPI_TRY(r.u64(&n_tensors, "tensor count"));
  INFERPI_TRY(r.u64(&n_kv, "metadata count"));
  out->tensor_count = n_tensors;
  for (uint64_t i = 0; i < n_kv; i++) {
    KeyValue kv;
    uint32_t type;
    if (!r.string(&kv.key, "key") || !r.u32(&type, "value type")) break;
    if (!read_value(r, type, &kv)) break;  // value extends past `head`: stop here
    if (kv.key.equals("general.architecture") && kv.type == ValueType::STRING) {
      kv.string.copy_to(out->architecture, sizeof out->architecture);
    } else if (kv.key.equals("general.name") && kv.type == ValueType::STRING) {
      kv.string.copy_to(out->name, sizeof out->name);
    } else if (kv.key.equals("general.file_type") && is_int_type(kv.type)) {
      out->file_type = uint32_t(read_int(kv.type, kv.value));
    } else if (is_int_type(kv.type) && out->architecture[0]) {
      // "<arch>.suffix": general.architecture comes first in the files llama.cpp writes.
      const size_t n = strlen(out->architecture);
      if (kv.key.size <= n + 1 || memcmp(kv.key.data, out->architecture, n) != 0 ||
          kv.key.data[n] != '.') {
        continue;
      }
      const Str suffix{kv.key.data + n + 1, kv.key.size - n - 1};
      const int64_t v = read_int(kv.type, kv.value);
      const uint64_t value = v > 0 ? uint64_t(v) : 0;
      if (suffix.equals("block_count")) out->block_count = value;
      if (suffix.equals("embedding_length")) out->embedding_length = value;
      if (suffix.equals("attention.head_count")) out->head_count = value;
      if (suffix.equals("attention.head_count_kv")) out->head_count_kv = value;
      if (suffix.equals("attention.key_length")) out->key_length = value;
      if (suffix.equals("attention.value_length")) out->value_length = value;
      if (suffix.equals("context_length")) out->context_length = value;
    }
  }
  return Status::ok();
}

}  // namespace inferpi::gguf
