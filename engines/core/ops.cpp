#include "engines/core/ops.h"

#include "engines/core/kernels.h"
#include "runtime/core/kmath.h"
#include "runtime/core/parallel.h"

namespace inferpi {

namespace ref {

void matvec(float* out, const Tensor& W, const float* x) {
  float row_buf[4096];
  const int64_t cols = W.cols;
  for (int64_t r = 0; r < W.rows; r++) {
    float acc = 0;
    if (W.type == DType::F32) {
      const float* w = reinterpret_cast<const float*>(W.row(r));
      for (int64_t c = 0; c < cols; c++) acc += w[c] * x[c];
    } else {
      // Dequantize in chunks that fit the stack buffer (rows can be longer than 4096).
      for (int64_t c0 = 0; c0 < cols; c0 += 4096) {
        int64_t n = cols - c0 < 4096 ? cols - c0 : 4096;
        if (c0 == 0 && n == cols) {
          tensor_dequantize_row(W, r, row_buf);
        } else {
          for (int64_t c = 0; c < n; c++) row_buf[c] = tensor_get(W, r, c0 + c);
        }
        for (int64_t c = 0; c < n; c++) acc += row_buf[c] * x[c0 + c];
      }
    }
    out[r] = acc;
  }
}

}  // namespace ref

namespace ops {

void matvec(float* out, const Tensor& W, const float* x) { kernels::matvec(out, W, x); }

void matmul(float* out, const Tensor& W, const float* x, int n) { kernels::matmul(out, W, x, n); }

float dot(const float* a, const float* b, int n) {
  float acc = 0;
  for (int i = 0; i < n; i++) acc += a[i] * b[i];
  return acc;
}

static float weight_at(const Tensor& w, int i) { return w.empty() ? 1.0f : tensor_get(w, 0, i); }

void rmsnorm(float* out, const float* x, const Tensor& weight, int n, float eps) {
  float ss = 0;
  for (int i = 0; i < n; i++) ss += x[i] * x[i];
  float inv = 1.0f / kmath::sqrtf(ss / float(n) + eps);
  for (int i = 0; i < n; i++) out[i] = x[i] * inv * weight_at(weight, i);
}

void layernorm(float* out, const float* x, const Tensor& weight, const Tensor& bias, int n,
               float eps) {
  float mean = 0;
  for (int i = 0; i < n; i++) mean += x[i];
  mean /= float(n);
  float var = 0;
  for (int i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
  var /= float(n);
  float inv = 1.0f / kmath::sqrtf(var + eps);
  for (int i = 0; i < n; i++) {
    float b = bias.empty() ? 0.0f : tensor_get(bias, 0, i);
    out[i] = (x[i] - mean) * inv * weight_at(weight, i) + b;
  }
}

void softmax(float* x, int n) {
  float max = x[0];
  for (int i = 1; i < n; i++) max = x[i] > max ? x[i] : max;
  float sum = 0;
  for (int i = 0; i < n; i++) {
    x[i] = kmath::expf(x[i] - max);
    sum += x[i];
  }
  float inv = 1.0f / sum;
  for (int i = 0; i < n; i++) x[i] *= inv;
}

void add(float* x, const float* y, int n) {
  for (int i = 0; i < n; i++) x[i] += y[i];
}

void add_bias(float* x, const Tensor& bias, int n) {
  for (int i = 0; i < n; i++) x[i] += tensor_get(bias, 0, i);
}

void swiglu(float* gate, const float* up, int n) {
  for (int i = 0; i < n; i++) {
    float g = gate[i];
    gate[i] = g / (1.0f + kmath::expf(-g)) * up[i];
  }
}

void geglu_tanh(float* gate, const float* up, int n) {
  const float k = 0.7978845608028654f;  // sqrt(2 / pi)
  for (int i = 0; i < n; i++) {
    float g = gate[i];
    gate[i] = 0.5f * g * (1.0f + kmath::tanhf(k * (g + 0.044715f * g * g * g))) * up[i];
  }
}

void relu_squared(float* x, int n) {
  for (int i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] * x[i] : 0.0f;
}

void rope_table(float* cos_out, float* sin_out, int pos, int rot_dim, double theta,
                float freq_scale, const float* divisors) {
  for (int i = 0; i < rot_dim / 2; i++) {
    // Frequencies computed as the references do: float32 inv_freq, then pos * inv_freq
    // (llama.cpp: angle / divisor * freq_scale).
    float inv_freq = float(1.0 / kmath::pow(theta, double(2 * i) / double(rot_dim)));
    float angle = float(pos) * inv_freq;
    if (divisors) angle /= divisors[i];
    if (freq_scale != 1.0f) angle *= freq_scale;
    double s, c;
    kmath::sincos(double(angle), &s, &c);
    cos_out[i] = float(c);
    sin_out[i] = float(s);
  }
}

void rope_interleaved(float* head, const float* cos_t, const float* sin_t, int rot_dim) {
  for (int i = 0; i < rot_dim / 2; i++) {
    float a = head[2 * i], b = head[2 * i + 1];
    head[2 * i] = a * cos_t[i] - b * sin_t[i];
    head[2 * i + 1] = a * sin_t[i] + b * cos_t[i];
  }
}

void rope_half_split(float* head, const float* cos_t, const float* sin_t, int rot_dim) {
  const int half = rot_dim / 2;
  for (int i = 0; i < half; i++) {
    float a = head[i], b = head[i + half];
    head[i] = a * cos_t[i] - b * sin_t[i];
    head[i + half] = a * sin_t[i] + b * cos_t[i];
  }
}

void attend(float* out, const float* q, const void* k_base, const void* v_base, KvType kv_type,
            int kv_stride, int head_dim, int first, int last, float scale, float* scores) {
  const size_t stride = size_t(kv_stride), count = size_t(last - first + 1);
  if (kv_type == KvType::F16) {
    const auto* k = static_cast<const uint16_t*>(k_base) + size_t(first) * stride;
    kernels::dot_f16_rows(scores + first, q, k, stride, int(count), head_dim, scale);
  } else {
    const auto* k = static_cast<const float*>(k_base);
    for (int p = first; p <= last; p++) {
      scores[p] = kernels::dot_f32(q, k + size_t(p) * stride, head_dim) * scale;
    }
  }
  softmax(scores + first, int(count));
  for (int d = 0; d < head_dim; d++) out[d] = 0;
  if (kv_type == KvType::F16) {
    const auto* v = static_cast<const uint16_t*>(v_base) + size_t(first) * stride;
    kernels::axpy_f16_rows(out, scores + first, v, stride, int(count), head_dim);
  } else {
    const auto* v = static_cast<const float*>(v_base);
    for (int p = first; p <= last; p++) {
      kernels::axpy_f32(out, scores[p], v + size_t(p) * stride, head_dim);
    }
  }
}

namespace {
void attend_pairs(void* ctx, int64_t begin, int64_t end, int worker) {
  const AttentionChunk& a = *static_cast<AttentionChunk*>(ctx);
  const int q_dim = a.n_heads * a.head_dim, kv_dim = a.n_kv_heads * a.head_dim;
  const int group = a.n_heads / a.n_kv_heads;
  float* scores = a.scores + size_t(worker % kAttentionWorkers) * size_t(a.context);
  for (int64_t i = begin; i < end; i++) {
    const int t = int(i / a.n_heads), h = int(i % a.n_heads);
    const int p = a.pos0 + t;
    const int first = a.window > 0 && p > a.window ? p - a.window : 0;
    const size_t kv_off = size_t(h / group) * size_t(a.head_dim) * kv_element_bytes(a.kv_type);
    attend(a.out + size_t(t) * q_dim + h * a.head_dim, a.q + size_t(t) * q_dim + h * a.head_dim,
           static_cast<const uint8_t*>(a.k) + kv_off, static_cast<const uint8_t*>(a.v) + kv_off,
           a.kv_type, kv_dim, a.head_dim, first, p, a.scale, scores);
  }
}
}  // namespace

void attend_chunk(const AttentionChunk& a, int n) {
  const int64_t pairs = int64_t(n) * a.n_heads;
  // Multiply-adds of the whole chunk (scores + weighted sum); small ones stay on this core.
  const int64_t work = pairs * int64_t(a.pos0 + n) * a.head_dim * 2;
  if (work < 64 * 1024 || worker_count() > kAttentionWorkers) {
    attend_pairs(const_cast<AttentionChunk*>(&a), 0, pairs, 0);
  } else {
    parallel_for(pairs, 1, attend_pairs, const_cast<AttentionChunk*>(&a));
  }
}

}  // namespace ops
}  // namespace inferpi
