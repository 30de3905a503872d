// ops::matvec/matmul -> row kernels. Prepares the activations once (Q8_0 quantization for
// Q8_0/Q4_0 weights, Q8_K for K-quants), then splits the rows over the workers: contiguous ranges
// whose boundaries are multiples of 16 rows, so each core streams its own part of the matrix and no
// two cores write the same 64-byte line of the output. One parallel_for (one barrier) per call;
// matrices too small to pay for the barrier run on the caller.
#include "engines/core/kernels.h"
#include "engines/core/ops.h"
#include "engines/kernels/gguf_kernels.h"
#include "engines/kernels/row_kernels.h"
#include "runtime/core/parallel.h"

namespace inferpi::kernels {
namespace {

Impl g_impl = Impl::Best;
bool g_serial = false;

constexpr int64_t kGrainRows = 16;
constexpr int64_t kSerialBelow = 32 * 1024;  // multiply-adds; below this one core is faster

// Quantized activations for one call (portable code has no heap; calls do not overlap).
constexpr int64_t kQBytes = 1 << 19;
alignas(64) int8_t g_q[kQBytes];
alignas(64) float g_d[kQBytes / 32];
alignas(64) int32_t g_s[kQBytes / 16];  // Q8_K keeps a sum per 16

struct Job {
  RowsFn fn;
  const Tensor* W;
  Acts acts;
  float* out;
  int64_t out_stride;
};

void run_rows(void* ctx, int64_t begin, int64_t end, int) {
  const Job& j = *static_cast<const Job*>(ctx);
  j.fn(*j.W, j.acts, j.out, j.out_stride, begin, end);
}

bool kquant(DType t) { return t == DType::Q4_K || t == DType::Q5_K || t == DType::Q6_K; }
bool quantized(DType t) { return t == DType::Q8_0 || t == DType::Q4_0 || kquant(t); }
int64_t act_block(DType t) { return kquant(t) ? 256 : 32; }

RowsFn pick(DType t) {
#if defined(__ARM_NEON)
  if (g_impl == Impl::Baseline && t == DType::F16) return neon::rows_baseline_f16;
  if (g_impl != Impl::Scalar) return neon::rows_fn(t);
#endif
  if (g_impl == Impl::Baseline && t == DType::F16) return scalar::rows_baseline_f16;
  return scalar::rows_fn(t);
}

void quantize_acts(DType type, const float* x, int64_t cols, int n) {
  using QuantizeFn = void (*)(const float*, int64_t, int8_t*, float*, int32_t*);
  const bool k = kquant(type);
  QuantizeFn fn = k ? scalar::quantize_q8_k : scalar::quantize_q8_0;
#if defined(__ARM_NEON)
  if (g_impl != Impl::Scalar) fn = k ? neon::quantize_q8_k : neon::quantize_q8_0;
#endif
  const int64_t nd = cols / act_block(type), ns = k ? cols / 16 : cols / 32;
  for (int t = 0; t < n; t++) fn(x + t * cols, cols, g_q + t * cols, g_d + t * nd, g_s + t * ns);
}

// n tokens with x and out already offset; n * cols fits the activation buffer if quantized.
void run(float* out, int64_t out_stride, const Tensor& W, RowsFn fn, const float* x, int n) {
  Job job{fn, &W, Acts{x, nullptr, nullptr, nullptr, W.cols, n}, out, out_stride};
  if (quantized(W.type)) {
    quantize_acts(W.type, x, W.cols, n);
    job.acts.q = g_q;
    job.acts.d = g_d;
    job.acts.s = g_s;
  }
  if (g_serial || W.rows * W.cols * n < kSerialBelow || W.rows < 2 * kGrainRows) {
    run_rows(&job, 0, W.rows, 0);
  } else {
    parallel_for(W.rows, kGrainRows, run_rows, &job);
  }
}

// GGUF-only block types (Q4_1, Q5_x): their own row kernels, split the same way.
struct GgufJob {
  const Tensor* W;
  const float* x;
  const float* x_sums;
  float* out;
};

void run_gguf_rows(void* ctx, int64_t begin, int64_t end, int) {
  const GgufJob& j = *static_cast<const GgufJob*>(ctx);
  gguf_matvec_rows(j.out + begin, *j.W, j.x, j.x_sums, begin, end);
}

void run_gguf(float* out, const Tensor& W, const float* x) {
  gguf_x_sums(x, W.cols, g_d);  // g_d is free here: these types never quantize activations
  GgufJob job{&W, x, g_d, out};
  if (g_serial || W.rows * W.cols < kSerialBelow || W.rows < 2 * kGrainRows) {
    run_gguf_rows(&job, 0, W.rows, 0);
  } else {
    parallel_for(W.rows, kGrainRows, run_gguf_rows, &job);
  }
}

}  // namespace

void set_impl(Impl impl) { g_impl = impl; }
Impl current_impl() { return g_impl; }
void set_serial(bool serial) { g_serial = serial; }

void matmul(float* out, const Tensor& W, const float* x, int n) {
  RowsFn fn = pick(W.type);
  if (gguf_handles(W.type) && W.cols % 32 == 0 && W.cols <= kQBytes) {
    for (int t = 0; t < n; t++) run_gguf(out + t * W.rows, W, x + t * W.cols);
    return;
  }
  if (!fn || (quantized(W.type) && (W.cols % act_block(W.type) != 0 || W.cols > kQBytes))) {
    for (int t = 0; t < n; t++) ref::matvec(out + t * W.rows, W, x + t * W.cols);
    return;
  }
  // Quantized activations must fit the buffer: split the chunk into groups of tokens.
  int group = quantized(W.type) ? int(kQBytes / W.cols) : n;
  if (group > n) group = n;
  for (int t0 = 0; t0 < n; t0 += group) {
    int g = n - t0 < group ? n - t0 : group;
    run(out + t0 * W.rows, W.rows, W, fn, x + t0 * W.cols, g);
  }
}

void matvec(float* out, const Tensor& W, const float* x) { matmul(out, W, x, 1); }

}  // namespace inferpi::kernels
