#include "engines/core/block_types.h"
#include "engines/kernels/gguf_kernels.h"

namespace inferpi::kernels {

namespace {

// The legacy 32-element types with an offset or a fifth bit; their blocks decode through the
// block-type table (engines/core/block_types.h).
bool is_legacy_offset_type(DType t) {
  return t == DType::Q4_1 || t == DType::Q5_0 || t == DType::Q5_1;
}

// x summed per 32 elements lives on the stack; rows longer than this use the scalar path.
constexpr int64_t kMaxSumCols = 32768;

}  // namespace

bool gguf_handles(DType t) { return is_legacy_offset_type(t); }

void gguf_x_sums(const float* x, int64_t n, float* sums) {
  for (int64_t b = 0; b < n / 32; b++) {
    float s = 0;
    for (int i = 0; i < 32; i++) s += x[32 * b + i];
    sums[b] = s;
  }
}

void gguf_matvec_rows_scalar(float* out, const Tensor& W, const float* x, int64_t r0, int64_t r1) {
  const DTypeInfo* info = dtype_info(W.type);
  const int64_t nb = W.cols / info->block_elems;
  const int be = int(info->block_elems);
  float buf[256];
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t* row = W.row(r);
    float acc = 0;
    for (int64_t b = 0; b < nb; b++) {
      info->decode(row + b * info->block_bytes, 1, buf);
      const float* xb = x + b * be;
      for (int i = 0; i < be; i++) acc += buf[i] * xb[i];
    }
    out[r - r0] = acc;
  }
}

void gguf_matvec_rows(float* out, const Tensor& W, const float* x, const float* x_sums, int64_t r0,
                      int64_t r1) {
#if defined(__ARM_NEON)
  if (x_sums) return gguf_matvec_rows_neon(out, W, x, x_sums, r0, r1);
#else
  (void)x_sums;
#endif
  gguf_matvec_rows_scalar(out, W, x, r0, r1);
}

bool gguf_matvec(float* out, const Tensor& W, const float* x) {
  if (!gguf_handles(W.type)) return false;
  float sums[kMaxSumCols / 32];
  const bool have_sums = W.cols <= kMaxSumCols;
  if (have_sums) gguf_x_sums(x, W.cols, sums);
  // One core: the worker pool belongs to dispatch, which can split rows itself through
  // gguf_matvec_rows().
  gguf_matvec_rows(out, W, x, have_sums ? sums : nullptr, 0, W.rows);
  return true;
}

}  // namespace inferpi::kernels
