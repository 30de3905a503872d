#include "engines/gpt2/gpt2_model.h"

#include <cstring>

#include "runtime/core/kmath.h"
#include "runtime/core/kstring.h"

namespace inferpi::gpt2 {

namespace {

float load_f32(const uint8_t* p) {
  float f;
  memcpy(&f, p, 4);
  return f;
}

bool plausible(float f, float lo, float hi) { return f == f && f >= lo && f <= hi; }

}  // namespace

Status ModelFile::read_config(const uint8_t* d, size_t size, Config* c, uint64_t* n_tensors) {
  if (size < kHeaderBytes) return Status::error("model.bin: truncated header (%zu bytes)", size);
  if (load_le32(d) != kMagic) return Status::error("model.bin: bad magic 0x%08x", load_le32(d));
  if (load_le32(d + 4) != kVersion) {
    return Status::error("model.bin: unsupported version %u (this build reads %u)",
                         load_le32(d + 4), kVersion);
  }
  if (load_le32(d + 8) != kHeaderBytes) return Status::error("model.bin: bad header size");
  auto i32 = [&](size_t off) {
    return int(load_le32(d + off) > 0x7fffffff ? -1 : load_le32(d + off));
  };
  c->variant = load_le32(d + 12);
  c->vocab_size = i32(16);
  c->padded_vocab = i32(20);
  c->n_layer = i32(24);
  c->n_head = i32(28);
  c->n_kv_head = i32(32);
  c->dim = i32(36);
  c->head_dim = i32(40);
  c->hidden = i32(44);
  c->seq_len = i32(48);
  c->flags = load_le32(d + 52);
  c->rope_base = load_f32(d + 56);
  c->qk_scale = load_f32(d + 60);
  c->softcap = load_f32(d + 64);
  c->norm_eps = load_f32(d + 68);
  c->ve_gate_scale = load_f32(d + 72);
  c->ve_gate_channels = i32(76);
  c->smear_gate_channels = i32(80);
  c->backout_layer = i32(84);
  *n_tensors = load_le32(d + 88);
  c->max_positions = i32(120);
  c->matrix_dtype = load_le32(d + 124);

  const int big = 1 << 20;
  if (c->vocab_size < 256 || c->vocab_size > (1 << 24) || c->padded_vocab < c->vocab_size ||
      c->padded_vocab > (1 << 24) || c->n_layer < 1 || c->n_layer > kMaxLayers || c->n_head < 1 ||
      c->n_head > 1024 || c->n_kv_head < 1 || c->n_head % c->n_kv_head || c->head_dim < 2 ||
      c->head_dim % 2 || c->head_dim > 1024 || c->dim != c->n_head * c->head_dim || c->hidden < 1 ||
      c->hidden > big || c->seq_len < 1 || c->seq_len > big || c->max_positions < c->seq_len ||
      c->max_positions > 16 * big) {
    return Status::error(
        "model.bin: implausible dimensions (vocab %d, layers %d, heads %d/%d, "
        "dim %d, head_dim %d, hidden %d, seq %d)",
        c->vocab_size, c->n_layer, c->n_head, c->n_kv_head, c->dim, c->head_dim, c->hidden,
        c->seq_len);
  }
  if (!(c->flags & kFlagRopeNeg) || !(c->flags & kFlagQkNorm) || (c->flags >> 7)) {
    return Status::error("model.bin: unsupported flags 0x%x", c->flags);
  }
  if (!plausible(c->rope_base, 1.0f, 1e9f) || !plausible(c->qk_scale, 0.01f, 100.0f) ||
      !plausible(c->softcap, 0.0f, 1e6f) || !plausible(c->norm_eps, 0.0f, 1.0f) ||
      !plausible(c->ve_gate_scale, 0.0f, 100.0f)) {
    return Status::error("model.bin: implausible rope/scale/softcap/eps values");
  }
  if ((c->flags & kFlagValueEmbeds) && (c->ve_gate_channels < 1 || c->ve_gate_channels > c->dim)) {
    return Status::error("model.bin: bad value-embedding gate width %d", c->ve_gate_channels);
  }
  if ((c->flags & kFlagSmear) && (c->smear_gate_channels < 1 || c->smear_gate_channels > c->dim)) {
    return Status::error("model.bin: bad smear gate width %d", c->smear_gate_channels);
  }
  if ((c->flags & kFlagBackout) && (c->backout_layer < 0 || c->backout_layer >= c->n_layer)) {
    return Status::error("model.bin: backout layer %d out of range", c->backout_layer);
  }
  if (*n_tensors > 16 * uint64_t(kMaxLayers) + 16)
    return Status::error("model.bin: too many tensors");
  return Status::ok();
}

Status ModelFile::open(const uint8_t* data, size_t size) {
  data_ = data;
  size_ = size;
  INFERPI_TRY(read_config(data, size, &config_, &n_tensors_));
  Config& c = config_;
  const uint64_t file_size = load_le64(data + 112);
  if (file_size != size) {
    return Status::error("model.bin: truncated or padded: header says %llu bytes, file has %zu",
                         (unsigned long long)file_size, size);
  }
  const uint64_t layers_end = kHeaderBytes + uint64_t(c.n_layer) * kLayerEntryBytes;
  table_offset_ = load_le64(data + 96);
  if (table_offset_ < layers_end || table_offset_ > size ||
      n_tensors_ * kTensorEntryBytes > size - table_offset_) {
    return Status::error("model.bin: tensor table outside the file");
  }
  for (int i = 0; i < c.n_layer; i++) {
    const uint8_t* e = data + kHeaderBytes + size_t(i) * kLayerEntryBytes;
    uint32_t window = load_le32(e), flags = load_le32(e + 4);
    if (window > uint32_t(c.max_positions) || (flags & ~uint32_t(kLayerHasVe))) {
      return Status::error("model.bin: bad layer %d entry (window %u, flags 0x%x)", i, window,
                           flags);
    }
    c.window[i] = int(window);
    c.has_ve[i] = (flags & kLayerHasVe) != 0;
    if (c.has_ve[i] && !(c.flags & kFlagValueEmbeds)) {
      return Status::error("model.bin: layer %d has value embeddings but the flag is off", i);
    }
  }
  // Every tensor: known type, sane shape, aligned and inside the file.
  for (uint64_t t = 0; t < n_tensors_; t++) {
    const uint8_t* e = data + table_offset_ + t * kTensorEntryBytes;
    if (memchr(e, 0, 64) == nullptr)
      return Status::error("model.bin: tensor %llu name unterminated", (unsigned long long)t);
    uint32_t type = load_le32(e + 64);
    uint64_t rows = load_le64(e + 72), cols = load_le64(e + 80), off = load_le64(e + 88);
    const DTypeInfo* info = dtype_info(type);
    if (!info)
      return Status::error("model.bin: tensor %s has unsupported type %u",
                           reinterpret_cast<const char*>(e), type);
    if (rows == 0 || cols == 0 || rows > (1u << 26) || cols > (1u << 26)) {
      return Status::error("model.bin: tensor %s has bad shape", reinterpret_cast<const char*>(e));
    }
    size_t row_bytes = dtype_row_bytes(DType(type), cols);
    if (row_bytes == 0)
      return Status::error("model.bin: tensor %s: %llu columns do not fit type %s",
                           reinterpret_cast<const char*>(e), (unsigned long long)cols, info->name);
    uint64_t bytes = uint64_t(row_bytes) * rows;
    if (off % 64 || off > size || bytes > size - off) {
      return Status::error("model.bin: tensor %s lies outside the file (truncated?)",
                           reinterpret_cast<const char*>(e));
    }
    weight_bytes_ += bytes;
    n_params_ += rows * cols;
  }
  return Status::ok();
}

Status ModelFile::tensor(const char* name, int64_t rows, int64_t cols, Tensor* out) const {
  for (uint64_t t = 0; t < n_tensors_; t++) {
    const uint8_t* e = data_ + table_offset_ + t * kTensorEntryBytes;
    if (strcmp(reinterpret_cast<const char*>(e), name) != 0) continue;
    out->type = DType(load_le32(e + 64));
    out->rows = int64_t(load_le64(e + 72));
    out->cols = int64_t(load_le64(e + 80));
    out->data = data_ + load_le64(e + 88);
    if (out->rows != rows || out->cols != cols) {
      return Status::error("model.bin: tensor %s is %lldx%lld, expected %lldx%lld", name,
                           (long long)out->rows, (long long)out->cols, (long long)rows,
                           (long long)cols);
    }
    return Status::ok();
  }
  return Status::error("model.bin: tensor %s missing", name);
}

}  // namespace inferpi::gpt2
