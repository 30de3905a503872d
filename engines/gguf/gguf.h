// GGUF: llama.cpp's model container (docs/formats.md §6 and "GGUF in InferPi").
//
// GgufFile parses a whole file that is already in memory, without copying anything: keys,
// strings, arrays and tensor data are views into the file bytes. Every count, length and
// offset is checked against the file size before it is used, so a hostile file can only
// produce an error message. The only allocations are two index arrays (one entry per KV
// pair and per tensor) taken from the caller's Arena; their sizes are bounded by the file
// size (every entry occupies bytes of the file) and by kMaxEntries.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "engines/core/dtype.h"
#include "engines/core/tensor.h"
#include "runtime/core/arena.h"
#include "runtime/core/status.h"

namespace inferpi::gguf {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian uint32
constexpr uint32_t kDefaultAlignment = 32;
constexpr uint32_t kMaxDims = 4;
constexpr size_t kMaxNameLength = 63;       // ggml: GGML_MAX_NAME (64) incl. NUL
constexpr uint64_t kMaxEntries = 1u << 20;  // KV pairs or tensors; real files have < 10^4

enum class ValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};
const char* value_type_name(ValueType t);

// A byte string inside the file (GGUF strings carry a length and no NUL).
struct Str {
  const char* data = nullptr;
  size_t size = 0;
  bool equals(const char* s) const { return strlen(s) == size && memcmp(data, s, size) == 0; }
  bool contains(const char* s) const;
  // Copies into a NUL-terminated buffer (truncating); returns `buf`.
  const char* copy_to(char* buf, size_t cap) const;
};

// An array value: `count` elements of `elem` type starting at `data`. Numeric elements are
// fixed-size and read with the accessors below; strings are walked in order with
// StringCursor (the parser has already checked that every one fits in the file).
struct Array {
  ValueType elem = ValueType::U8;
  uint64_t count = 0;
  const uint8_t* data = nullptr;
  size_t bytes = 0;  // total encoded size of the elements

  bool is_integer() const;
  bool is_float() const { return elem == ValueType::F32 || elem == ValueType::F64; }
  int64_t int_at(uint64_t i) const;   // any integer/bool element type; caller checks i < count
  double float_at(uint64_t i) const;  // F32/F64 (and integers, converted)
};

class StringCursor {
 public:
  explicit StringCursor(const Array& a) : p_(a.data), end_(a.data + a.bytes), left_(a.count) {}
  // Next string of the array; false at the end.
  bool next(Str* out);

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  uint64_t left_;
};

struct KeyValue {
  Str key;
  ValueType type = ValueType::U8;
  const uint8_t* value = nullptr;  // start of the encoded value in the file
  Array array;                     // for ARRAY values
  Str string;                      // for STRING values
};

struct TensorInfo {
  Str name;
  uint32_t n_dims = 0;
  uint64_t ne[kMaxDims] = {1, 1, 1, 1};  // ne[0] is the contiguous dimension (row length)
  DType type = DType::F32;
  uint64_t offset = 0;  // relative to the data section
  uint64_t bytes = 0;
  const uint8_t* data = nullptr;

  uint64_t rows() const { return ne[1] * ne[2] * ne[3]; }
  // The tensor as a 2-D view [rows = ne1·ne2·ne3, cols = ne0].
  Tensor as_tensor() const { return Tensor{data, type, int64_t(rows()), int64_t(ne[0])}; }
};

class GgufFile {
 public:
  // Parses and validates the whole file. Index arrays come from `arena`.
  Status parse(const uint8_t* data, size_t size, Arena& arena);

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  size_t kv_count() const { return n_kv_; }
  size_t tensor_count() const { return n_tensors_; }
  const KeyValue& kv_at(size_t i) const { return kvs_[i]; }
  const TensorInfo& tensor_at(size_t i) const { return tensors_[i]; }

  const KeyValue* find(const char* key) const;
  const TensorInfo* find_tensor(const char* name) const;

  // Typed lookups. They return false when the key is absent and an error Status via `st`
  // (if given) when it exists with an unusable type or value.
  bool get_uint(const char* key, uint64_t* out, Status* st = nullptr) const;  // any int type >= 0
  bool get_float(const char* key, double* out, Status* st = nullptr) const;   // f32/f64/int
  bool get_bool(const char* key, bool* out, Status* st = nullptr) const;
  bool get_string(const char* key, Str* out, Status* st = nullptr) const;
  bool get_array(const char* key, Array* out, Status* st = nullptr) const;

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  KeyValue* kvs_ = nullptr;
  size_t n_kv_ = 0;
  TensorInfo* tensors_ = nullptr;
  size_t n_tensors_ = 0;
  uint32_t* kv_by_key_ = nullptr;       // indices sorted by key (binary search)
  uint32_t* tensor_by_name_ = nullptr;  // indices sorted by name
};

// Quick look at the first bytes of a file (for the model menu): true if it starts with the
// GGUF magic.
bool has_magic(const uint8_t* head, size_t size);

// Reads general.architecture and general.file_type from the KV pairs found in `head`
// (the first bytes of the file; parsing stops quietly where `head` ends).
struct HeadSummary {
  char architecture[32] = {};
  char name[48] = {};
  uint32_t file_type = 0xffffffffu;
  uint64_t tensor_count = 0;
  // "<arch>.*" hyperparameters found in the head (0 = not there), for the fit check.
  uint64_t block_count = 0, embedding_length = 0, head_count = 0, head_count_kv = 0;
  uint64_t key_length = 0, value_length = 0, context_length = 0;
};
Status summarize_head(const uint8_t* head, size_t size, HeadSummary* out);

}  // namespace inferpi::gguf
