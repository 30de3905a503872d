// NEON K-quant row kernels (Q4_K, Q5_K, Q6_K x Q8_K activations) for the Cortex-A72: no
// SDOT, so every integer dot is SMULL/SMLAL(2) into int16 lanes, then the sub-block scale
// is applied by one SMLAL/SMLAL2 by element into int32 lanes. Arithmetic identical to
// kquant_scalar.cpp (see there): exact integer super-block sums, then the same float steps,
// so results equal the scalar kernels bit for bit.
//
// Decode: 4 rows per pass, each row's super-block unpacked in registers and multiplied
// straight away; the 4 rows' integer sums are reduced together (ADDP, lane = row) and
// scaled by one SCVTF/FMUL/FMLA. Prefill (4+ tokens): a block of 4 rows x 4 tokens; each
// super-block of the 4 rows is unpacked once into a 1 KiB stack buffer (plus its scales)
// and then multiplied with the 4 tokens, so the unpacking is shared by 4 tokens and the
// rows are read from memory once per chunk.
#if defined(__ARM_NEON)
#include <arm_neon.h>

#include <type_traits>

#include "engines/kernels/row_kernels.h"

namespace inferpi::kernels::neon {
namespace {

template <int N>
using Int = std::integral_constant<int, N>;

// 32 unsigned weights (a: elements 0..15, b: 16..31) times 32 int8 activations, four
// products per int16 lane: exact while w·x·4 < 2^15 (w ≤ 31 here; Q6_K uses 16-wide).
inline int16x8_t mul32(uint8x16_t a, uint8x16_t b, int8x16_t x0, int8x16_t x1) {
  int8x16_t sa = vreinterpretq_s8_u8(a), sb = vreinterpretq_s8_u8(b);
  int16x8_t p = vmull_s8(vget_low_s8(sa), vget_low_s8(x0));
  p = vmlal_high_s8(p, sa, x0);
  p = vmlal_s8(p, vget_low_s8(sb), vget_low_s8(x1));
  return vmlal_high_s8(p, sb, x1);
}

// 16 unsigned weights (≤ 63) times 16 activations, two products per int16 lane.
inline int16x8_t mul16(uint8x16_t a, int8x16_t x) {
  int8x16_t sa = vreinterpretq_s8_u8(a);
  return vmlal_high_s8(vmull_s8(vget_low_s8(sa), vget_low_s8(x)), sa, x);
}

// acc += p · sc[J] in int32 lanes.
template <int J>
inline int32x4_t scale_add(int32x4_t acc, int16x8_t p, int16x8_t sc) {
  acc = vmlal_laneq_s16(acc, vget_low_s16(p), sc, J);
  return vmlal_high_laneq_s16(acc, p, sc, J);
}

// --- unpacking: each visitor calls f(Int<j>, ...) per sub-block in element order ---------

// Q4_K/Q5_K: f(Int<j>, a, b) for the 8 sub-blocks of 32 (a: elements 32j..32j+15, b: the
// next 16), values 0..15 (Q4_K) or 0..31 (Q5_K).
template <bool kFive, int C, class F>
inline void k45_chunk(const uint8_t* blk, uint8x16_t qh0, uint8x16_t qh1, F&& f) {
  uint8x16x2_t w = vld1q_u8_x2(blk + (kFive ? 48 : 16) + 32 * C);
  if constexpr (kFive) {
    // Bit 2C of qh[l] is the 5th bit of element 64C + l, bit 2C+1 that of 64C + 32 + l:
    // SLI puts bit 0 of t above the low nibble, SRI the high nibble under bit 4 of t << 3.
    uint8x16_t t0 = qh0, t1 = qh1;
    if constexpr (C > 0) t0 = vshrq_n_u8(qh0, 2 * C), t1 = vshrq_n_u8(qh1, 2 * C);
    const uint8x16_t one = vdupq_n_u8(1), bit4 = vdupq_n_u8(16);
    uint8x16_t lo0 = vsliq_n_u8(w.val[0], vandq_u8(t0, one), 4);
    uint8x16_t lo1 = vsliq_n_u8(w.val[1], vandq_u8(t1, one), 4);
    uint8x16_t hi0 = vsriq_n_u8(vandq_u8(vshlq_n_u8(t0, 3), bit4), w.val[0], 4);
    uint8x16_t hi1 = vsriq_n_u8(vandq_u8(vshlq_n_u8(t1, 3), bit4), w.val[1], 4);
    f(Int<2 * C>{}, lo0, lo1);
    f(Int<2 * C + 1>{}, hi0, hi1);
  } else {
    const uint8x16_t m4 = vdupq_n_u8(15);
    f(Int<2 * C>{}, vandq_u8(w.val[0], m4), vandq_u8(w.val[1], m4));
    f(Int<2 * C + 1>{}, vshrq_n_u8(w.val[0], 4), vshrq_n_u8(w.val[1], 4));
  }
}

template <bool kFive, class F>
inline void k45_visit(const uint8_t* blk, F&& f) {
  uint8x16_t qh0 = vdupq_n_u8(0), qh1 = qh0;
  if constexpr (kFive) qh0 = vld1q_u8(blk + 16), qh1 = vld1q_u8(blk + 32);
  k45_chunk<kFive, 0>(blk, qh0, qh1, f);
  k45_chunk<kFive, 1>(blk, qh0, qh1, f);
  k45_chunk<kFive, 2>(blk, qh0, qh1, f);
  k45_chunk<kFive, 3>(blk, qh0, qh1, f);
}

// The 8 six-bit scales and mins of a Q4_K/Q5_K super-block (k_scale_min for all j at once:
// j < 4 in the low 6 bits of bytes 0-3 / 4-7, j ≥ 4 split between bytes 8-11 and the top
// two bits of bytes 0-7).
// (__builtin_memcpy: the kernel build has no builtin memcpy, and a call per super-block and
// row cost 0.3 instructions per weight there.)
inline void k45_scales(const uint8_t* blk, int16x8_t& sc, int16x8_t& m) {
  uint32_t a, b, c;
  __builtin_memcpy(&a, blk + 4, 4);
  __builtin_memcpy(&b, blk + 8, 4);
  __builtin_memcpy(&c, blk + 12, 4);
  uint64_t s64 = (a & 0x3f3f3f3fu) | uint64_t((c & 0x0f0f0f0fu) | ((a >> 2) & 0x30303030u)) << 32;
  uint64_t m64 = (b & 0x3f3f3f3fu) | uint64_t(((c >> 4) & 0x0f0f0f0fu) | ((b >> 2) & 0x30303030u))
                                         << 32;
  sc = vreinterpretq_s16_u16(vmovl_u8(vcreate_u8(s64)));
  m = vreinterpretq_s16_u16(vmovl_u8(vcreate_u8(m64)));
}

// Q6_K: f(Int<k>, v) for the 16 groups of 16 (elements 16k..16k+15), values 0..63.
// Per 16 bytes of qh and 2 x 16 of ql four groups: SLI/SRI merge the nibble with its two
// high bits without separate masks for the nibble (8 instructions per 64 weights).
template <int Half, int K, class F>
inline void q6k_quarter(uint8x16_t l0, uint8x16_t l1, uint8x16_t hb, F&& f) {
  constexpr int base = 8 * Half + K;  // group of element 128·Half + 32g + 16K is base + 2g
  const uint8x16_t m3 = vdupq_n_u8(3), m30 = vdupq_n_u8(0x30);
  uint8x16_t t = vshrq_n_u8(hb, 2);
  f(Int<base + 4>{}, vsriq_n_u8(vandq_u8(hb, m30), l0, 4));  // g = 2: bits 4-5 in place
  f(Int<base>{}, vsliq_n_u8(l0, vandq_u8(hb, m3), 4));       // g = 0: bits 0-1
  f(Int<base + 6>{}, vsriq_n_u8(t, l1, 4));                  // g = 3: bits 6-7
  f(Int<base + 2>{}, vsliq_n_u8(l1, vandq_u8(t, m3), 4));    // g = 1: bits 2-3
}

template <int Half, class F>
inline void q6k_half(const uint8_t* blk, F&& f) {
  uint8x16x4_t ql = vld1q_u8_x4(blk + 64 * Half);
  uint8x16x2_t qh = vld1q_u8_x2(blk + 128 + 32 * Half);
  q6k_quarter<Half, 0>(ql.val[0], ql.val[2], qh.val[0], f);
  q6k_quarter<Half, 1>(ql.val[1], ql.val[3], qh.val[1], f);
}

template <class F>
inline void q6k_visit(const uint8_t* blk, F&& f) {
  q6k_half<0>(blk, f);
  q6k_half<1>(blk, f);
}

// --- per (row, token) integer sums of one super-block ------------------------------------
// Written out in asm: with intrinsics GCC kept the 256 activations of a super-block in
// registers across the 4 rows and spilled them (0.67-0.71 instructions per weight for
// Q5_K/Q6_K). Here each row reloads its activations (4 loads per 256) and every other
// instruction is an unpack, a multiply or a scale: per 64 weights Q4_K 16 (4 unpack,
// 8 SMULL/SMLAL(2), 4 SMLAL(2) by the sub-block scale), Q5_K 24, Q6_K 24.
// Registers: v16-v19 (Q6_K also v8-v11) activations, v20-v23 weights (and Q5_K's qh, Q6_K's
// ql), v24-v27 temporaries and Q6_K's qh, v28-v31 masks; acc and sc are the compiler's (sc in
// v0-v15, which 16-bit by-element operands require: constraint "x").
// clang-format off
#define INFERPI_K_MUL32(A, B, X0, X1, I)                                               \
  "smull v24.8h, " A ".8b, " X0 ".8b\n smlal2 v24.8h, " A ".16b, " X0 ".16b\n"        \
  "smlal v24.8h, " B ".8b, " X1 ".8b\n smlal2 v24.8h, " B ".16b, " X1 ".16b\n"        \
  "smlal %[acc].4s, v24.4h, %[sc].h[" I "]\n smlal2 %[acc].4s, v24.8h, %[sc].h[" I "]\n"
// Q4_K: 64 weights = 32 bytes: low nibbles sub-block 2c, high nibbles 2c + 1.
#define INFERPI_K4_CHUNK(I0, I1)                                                       \
  "ld1 {v20.16b, v21.16b}, [%[qs]], #32\n ld1 {v16.16b-v19.16b}, [%[x]], #64\n"       \
  "and v25.16b, v20.16b, v28.16b\n and v26.16b, v21.16b, v28.16b\n"                   \
  INFERPI_K_MUL32("v25", "v26", "v16", "v17", I0)                                      \
  "ushr v25.16b, v20.16b, #4\n ushr v26.16b, v21.16b, #4\n"                           \
  INFERPI_K_MUL32("v25", "v26", "v18", "v19", I1)
// Q5_K: the same plus bit 0 (low) / bit 1 (high) of qh (v22, v23; shifted down by 2 per
// chunk): SRI puts the high nibble under (qh << 3) & 0x10, SLI (qh & 1) above the low one.
#define INFERPI_K5_CHUNK(I0, I1)                                                       \
  "ld1 {v20.16b, v21.16b}, [%[qs]], #32\n ld1 {v16.16b-v19.16b}, [%[x]], #64\n"       \
  "shl v25.16b, v22.16b, #3\n shl v26.16b, v23.16b, #3\n"                             \
  "and v25.16b, v25.16b, v30.16b\n and v26.16b, v26.16b, v30.16b\n"                   \
  "sri v25.16b, v20.16b, #4\n sri v26.16b, v21.16b, #4\n"                             \
  INFERPI_K_MUL32("v25", "v26", "v18", "v19", I1)                                      \
  "and v25.16b, v22.16b, v29.16b\n and v26.16b, v23.16b, v29.16b\n"                   \
  "sli v20.16b, v25.16b, #4\n sli v21.16b, v26.16b, #4\n"                             \
  INFERPI_K_MUL32("v20", "v21", "v16", "v17", I0)                                      \
  "ushr v22.16b, v22.16b, #2\n ushr v23.16b, v23.16b, #2\n"
// Q6_K: 16 weights times 16 activations (two products per int16 lane), scale sc.h[I].
#define INFERPI_Q6_MUL(W, X, SC, I)                                                    \
  "smull v24.8h, " W ".8b, " X ".8b\n smlal2 v24.8h, " W ".16b, " X ".16b\n"          \
  "smlal %[acc].4s, v24.4h, %[" SC "].h[" I "]\n"                                      \
  "smlal2 %[acc].4s, v24.8h, %[" SC "].h[" I "]\n"
// Four groups from 16 bytes of each of ql[l], ql[l + 32] (L0, L1) and qh[l] (HB): group g
// gets the activations X<g> and the scale of group 2g + K (I<g>). SRI/SLI merge a nibble
// with its two high bits: g = 2 (qh & 0x30, SRI), 0 (qh & 3, SLI), 3 (qh >> 2, SRI),
// 1 ((qh >> 2) & 3, SLI).
#define INFERPI_Q6_QUARTER(L0, L1, HB, X0, X1, X2, X3, SC, I0, I1, I2, I3)              \
  "and v25.16b, " HB ".16b, v31.16b\n sri v25.16b, " L0 ".16b, #4\n"                  \
  INFERPI_Q6_MUL("v25", X2, SC, I2)                                                    \
  "and v25.16b, " HB ".16b, v30.16b\n sli " L0 ".16b, v25.16b, #4\n"                  \
  INFERPI_Q6_MUL(L0, X0, SC, I0)                                                       \
  "ushr " HB ".16b, " HB ".16b, #2\n and v25.16b, " HB ".16b, v30.16b\n"              \
  "sri " HB ".16b, " L1 ".16b, #4\n"                                                   \
  INFERPI_Q6_MUL(HB, X3, SC, I3)                                                       \
  "sli " L1 ".16b, v25.16b, #4\n"                                                      \
  INFERPI_Q6_MUL(L1, X1, SC, I1)
// One half (128 weights): ql 64 bytes (v20-v23), qh 32 (v26, v27), activations 0-63 in
// v16-v19 and 64-127 in v8-v11 (16 each: group g of quarter K uses the (2g + K)-th).
#define INFERPI_Q6_HALF(SC)                                                            \
  "ld1 {v20.16b-v23.16b}, [%[ql]], #64\n ld1 {v26.16b, v27.16b}, [%[qh]], #32\n"      \
  "ld1 {v16.16b-v19.16b}, [%[x]], #64\n ld1 {v8.16b-v11.16b}, [%[x]], #64\n"          \
  INFERPI_Q6_QUARTER("v20", "v22", "v26", "v16", "v18", "v8", "v10", SC, "0", "2", "4", "6") \
  INFERPI_Q6_QUARTER("v21", "v23", "v27", "v17", "v19", "v9", "v11", SC, "1", "3", "5", "7")
// clang-format on

// Σ_j sc_j · Σ q·x over a Q4_K/Q5_K super-block (4 lanes to be added) and Σ_j m_j · Σ x.
template <bool kFive>
inline void k45_sums(const uint8_t* blk, const int8_t* xq, int16x8_t xs32, int32x4_t& isum,
                     int32x4_t& msum) {
  int16x8_t sc, m;
  k45_scales(blk, sc, m);
  int32x4_t acc;
  const uint8_t* qs = blk + (kFive ? 48 : 16);
  const int8_t* x = xq;
  if constexpr (kFive) {
    asm("movi %[acc].4s, #0\n movi v29.16b, #1\n movi v30.16b, #0x10\n"
        "ld1 {v22.16b, v23.16b}, [%[qh]]\n" INFERPI_K5_CHUNK("0", "1") INFERPI_K5_CHUNK("2", "3")
            INFERPI_K5_CHUNK("4", "5") INFERPI_K5_CHUNK("6", "7")
        : [acc] "=&w"(acc), [qs] "+r"(qs), [x] "+r"(x)
        : [sc] "x"(sc), [qh] "r"(blk + 16), "m"(*(const uint8_t(*)[176])blk),
          "m"(*(const int8_t(*)[256])xq)
        : "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v29",
          "v30");
  } else {
    asm("movi %[acc].4s, #0\n movi v28.16b, #0x0f\n" INFERPI_K4_CHUNK("0", "1")
            INFERPI_K4_CHUNK("2", "3") INFERPI_K4_CHUNK("4", "5") INFERPI_K4_CHUNK("6", "7")
        : [acc] "=&w"(acc), [qs] "+r"(qs), [x] "+r"(x)
        : [sc] "x"(sc), "m"(*(const uint8_t(*)[144])blk), "m"(*(const int8_t(*)[256])xq)
        : "v16", "v17", "v18", "v19", "v20", "v21", "v24", "v25", "v26", "v28");
  }
  isum = acc;
  msum = vmlal_high_s16(vmull_s16(vget_low_s16(m), vget_low_s16(xs32)), m, xs32);
}

// Σ_k sc_k · Σ q·x − 32 · Σ_k sc_k · Σ x over a Q6_K super-block (4 lanes to be added).
inline int32x4_t q6k_sums(const uint8_t* blk, const int8_t* xq, int16x8_t xs0, int16x8_t xs1) {
  int8x16_t s8 = vld1q_s8(reinterpret_cast<const int8_t*>(blk + 192));
  int16x8_t sc0 = vmovl_s8(vget_low_s8(s8)), sc1 = vmovl_high_s8(s8);
  int32x4_t acc;
  const uint8_t *ql = blk, *qh = blk + 128;
  const int8_t* x = xq;
  asm("movi %[acc].4s, #0\n movi v30.16b, #3\n movi v31.16b, #0x30\n" INFERPI_Q6_HALF("sc0")
          INFERPI_Q6_HALF("sc1")
      : [acc] "=&w"(acc), [ql] "+r"(ql), [qh] "+r"(qh), [x] "+r"(x)
      : [sc0] "x"(sc0), [sc1] "x"(sc1), "m"(*(const uint8_t(*)[210])blk),
        "m"(*(const int8_t(*)[256])xq)
      : "v8", "v9", "v10", "v11", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24",
        "v25", "v26", "v27", "v30", "v31");
  int32x4_t off = vmull_s16(vget_low_s16(sc0), vget_low_s16(xs0));
  off = vmlal_high_s16(off, sc0, xs0);
  off = vmlal_s16(off, vget_low_s16(sc1), vget_low_s16(xs1));
  off = vmlal_high_s16(off, sc1, xs1);
  return vsubq_s32(acc, vshlq_n_s32(off, 5));
}

// The activation sums of one super-block as int16 lanes (|Σ| ≤ 32·127): per 32 (Q4_K/Q5_K)
// or per 16 (Q6_K, two vectors).
inline int16x8_t sums32(const int32_t* s) {
  int32x4x4_t v = vld1q_s32_x4(s);
  return vcombine_s16(vmovn_s32(vpaddq_s32(v.val[0], v.val[1])),
                      vmovn_s32(vpaddq_s32(v.val[2], v.val[3])));
}
inline void sums16(const int32_t* s, int16x8_t& lo, int16x8_t& hi) {
  int32x4x4_t v = vld1q_s32_x4(s);
  lo = vcombine_s16(vmovn_s32(v.val[0]), vmovn_s32(v.val[1]));
  hi = vcombine_s16(vmovn_s32(v.val[2]), vmovn_s32(v.val[3]));
}

// Four rows' f16 at byte offset `off` of their blocks, as floats (lane = row).
inline float32x4_t f16x4(const uint8_t* const* blk, int off) {
  uint16x4_t hv = vld1_dup_u16(reinterpret_cast<const uint16_t*>(blk[0] + off));
  hv = vld1_lane_u16(reinterpret_cast<const uint16_t*>(blk[1] + off), hv, 1);
  hv = vld1_lane_u16(reinterpret_cast<const uint16_t*>(blk[2] + off), hv, 2);
  hv = vld1_lane_u16(reinterpret_cast<const uint16_t*>(blk[3] + off), hv, 3);
  return vcvt_f32_f16(vreinterpret_f16_u16(hv));
}

inline float f16at(const uint8_t* p) {
  uint16_t v;
  __builtin_memcpy(&v, p, 2);
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(v))), 0);
}

inline int32x4_t reduce4(const int32x4_t* v) {
  return vpaddq_s32(vpaddq_s32(v[0], v[1]), vpaddq_s32(v[2], v[3]));
}

// One type's description for the shared row loops below.
template <DType T>
struct KType;
template <bool kFive>
struct K45 {
  static constexpr int64_t kBlk = kFive ? 176 : 144;
  static constexpr bool kMins = true;
  static constexpr int kDOff = 0;
};
template <>
struct KType<DType::Q4_K> : K45<false> {};
template <>
struct KType<DType::Q5_K> : K45<true> {};
template <>
struct KType<DType::Q6_K> {
  static constexpr int64_t kBlk = 210;
  static constexpr bool kMins = false;
  static constexpr int kDOff = 208;
};

// The integer sums of one row's super-block against one token (msum unused for Q6_K).
template <DType T>
inline void sb_sums(const uint8_t* blk, const int8_t* xq, const int32_t* xs, int32x4_t& isum,
                    int32x4_t& msum) {
  if constexpr (T == DType::Q6_K) {
    int16x8_t s0, s1;
    sums16(xs, s0, s1);
    isum = q6k_sums(blk, xq, s0, s1);
    msum = vdupq_n_s32(0);
  } else {
    k45_sums<T == DType::Q5_K>(blk, xq, sums32(xs), isum, msum);
  }
}

// acc (lane = row) += the super-block's contribution, given the 4 rows' integer sums.
template <DType T>
inline float32x4_t sb_float(float32x4_t acc, const uint8_t* const* blk, const int32x4_t* is,
                            const int32x4_t* ms, float dx) {
  using K = KType<T>;
  acc = vfmaq_f32(acc, vmulq_n_f32(f16x4(blk, K::kDOff), dx), vcvtq_f32_s32(reduce4(is)));
  if constexpr (K::kMins)
    acc = vfmsq_f32(acc, vmulq_n_f32(f16x4(blk, 2), dx), vcvtq_f32_s32(reduce4(ms)));
  return acc;
}

// Decode: rows w0 .. w0 + 3·rb against one token; out[r] for r < 4.
template <DType T>
void k_4x1(const uint8_t* w0, size_t rb, const int8_t* q, const float* d, const int32_t* s,
           int64_t nsb, float* out) {
  using K = KType<T>;
  float32x4_t acc = vdupq_n_f32(0);
  for (int64_t b = 0; b < nsb; b++) {
    const uint8_t* blk[4];
    int32x4_t is[4], ms[4];
    for (int r = 0; r < 4; r++) {
      blk[r] = w0 + r * rb + b * K::kBlk;
      sb_sums<T>(blk[r], q + 256 * b, s + 16 * b, is[r], ms[r]);
    }
    acc = sb_float<T>(acc, blk, is, ms, d[b]);
  }
  vst1q_f32(out, acc);
}

// One row (the last (r1 - r0) % 4), one token.
template <DType T>
float k_1x1(const uint8_t* w, const int8_t* q, const float* d, const int32_t* s, int64_t nsb) {
  using K = KType<T>;
  float acc = 0;
  for (int64_t b = 0; b < nsb; b++) {
    const uint8_t* blk = w + b * K::kBlk;
    int32x4_t is, ms;
    sb_sums<T>(blk, q + 256 * b, s + 16 * b, is, ms);
    acc = __builtin_fmaf(f16at(blk + K::kDOff) * d[b], float(vaddvq_s32(is)), acc);
    if constexpr (K::kMins)
      acc = __builtin_fmaf(-(f16at(blk + 2) * d[b]), float(vaddvq_s32(ms)), acc);
  }
  return acc;
}

// A super-block unpacked for reuse by several tokens: values (unsigned) and scales.
struct Unpacked {
  alignas(16) uint8_t v[256];
  int16x8_t sc0, sc1;  // Q4_K/Q5_K: sc0 = scales, sc1 = mins; Q6_K: scales of groups 0-7, 8-15
};

template <DType T>
inline void unpack(const uint8_t* blk, Unpacked& u) {
  if constexpr (T == DType::Q6_K) {
    q6k_visit(blk, [&](auto k, uint8x16_t v) { vst1q_u8(u.v + 16 * decltype(k)::value, v); });
    int8x16_t s8 = vld1q_s8(reinterpret_cast<const int8_t*>(blk + 192));
    u.sc0 = vmovl_s8(vget_low_s8(s8));
    u.sc1 = vmovl_high_s8(s8);
  } else {
    k45_visit<T == DType::Q5_K>(blk, [&](auto j, uint8x16_t a, uint8x16_t b) {
      vst1q_u8_x2(u.v + 32 * decltype(j)::value, uint8x16x2_t{{a, b}});
    });
    k45_scales(blk, u.sc0, u.sc1);
  }
}

// The same integer sums as sb_sums, from an unpacked super-block.
template <DType T>
inline void unpacked_sums(const Unpacked& u, const int8_t* xq, const int32_t* xs, int32x4_t& isum,
                          int32x4_t& msum) {
  int32x4_t acc = vdupq_n_s32(0);
  if constexpr (T == DType::Q6_K) {
    auto group2 = [&](auto k2) {  // groups 2·k2 and 2·k2 + 1
      constexpr int k = 2 * decltype(k2)::value;
      uint8x16x2_t v = vld1q_u8_x2(u.v + 16 * k);
      int8x16x2_t x = vld1q_s8_x2(xq + 16 * k);
      acc = scale_add<k % 8>(acc, mul16(v.val[0], x.val[0]), k < 8 ? u.sc0 : u.sc1);
      acc = scale_add<(k + 1) % 8>(acc, mul16(v.val[1], x.val[1]), k < 8 ? u.sc0 : u.sc1);
    };
    group2(Int<0>{}), group2(Int<1>{}), group2(Int<2>{}), group2(Int<3>{});
    group2(Int<4>{}), group2(Int<5>{}), group2(Int<6>{}), group2(Int<7>{});
    int16x8_t s0, s1;
    sums16(xs, s0, s1);
    int32x4_t off = vmull_s16(vget_low_s16(u.sc0), vget_low_s16(s0));
    off = vmlal_high_s16(off, u.sc0, s0);
    off = vmlal_s16(off, vget_low_s16(u.sc1), vget_low_s16(s1));
    off = vmlal_high_s16(off, u.sc1, s1);
    isum = vsubq_s32(acc, vshlq_n_s32(off, 5));
    msum = vdupq_n_s32(0);
  } else {
    auto sub = [&](auto j) {
      constexpr int jj = decltype(j)::value;
      uint8x16x2_t v = vld1q_u8_x2(u.v + 32 * jj);
      int8x16x2_t x = vld1q_s8_x2(xq + 32 * jj);
      acc = scale_add<jj>(acc, mul32(v.val[0], v.val[1], x.val[0], x.val[1]), u.sc0);
    };
    sub(Int<0>{}), sub(Int<1>{}), sub(Int<2>{}), sub(Int<3>{});
    sub(Int<4>{}), sub(Int<5>{}), sub(Int<6>{}), sub(Int<7>{});
    isum = acc;
    int16x8_t xs32 = sums32(xs);
    msum = vmlal_high_s16(vmull_s16(vget_low_s16(u.sc1), vget_low_s16(xs32)), u.sc1, xs32);
  }
}

// Prefill: rows w0 .. w0 + 3·rb against tokens t0 .. t0 + 3 of `a`; out[t * os + r].
template <DType T>
void k_4x4(const uint8_t* w0, size_t rb, const Acts& a, int t0, float* out, int64_t os) {
  using K = KType<T>;
  const int64_t nsb = a.cols / 256;
  float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
  Unpacked u[4];
  for (int64_t b = 0; b < nsb; b++) {
    const uint8_t* blk[4];
    for (int r = 0; r < 4; r++) {
      blk[r] = w0 + r * rb + b * K::kBlk;
      unpack<T>(blk[r], u[r]);
    }
    for (int t = 0; t < 4; t++) {
      const int8_t* xq = a.q + (t0 + t) * a.cols + 256 * b;
      const int32_t* xs = a.s + (t0 + t) * (a.cols / 16) + 16 * b;
      int32x4_t is[4], ms[4];
      for (int r = 0; r < 4; r++) unpacked_sums<T>(u[r], xq, xs, is[r], ms[r]);
      acc[t] = sb_float<T>(acc[t], blk, is, ms, a.d[(t0 + t) * nsb + b]);
    }
  }
  for (int t = 0; t < 4; t++) vst1q_f32(out + t * os, acc[t]);
}

template <DType T, bool kPrefill>
__attribute__((noinline)) void k_rows(const Tensor& W, const Acts& a, float* out, int64_t os,
                                      int64_t r0, int64_t r1) {
  using K = KType<T>;
  const int64_t nsb = a.cols / 256;
  const size_t rb = size_t(nsb * K::kBlk);
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const uint8_t* w0 = W.data + size_t(r) * rb;
    int t = 0;
    if constexpr (kPrefill)
      for (; t + 4 <= a.n; t += 4) k_4x4<T>(w0, rb, a, t, out + t * os + r, os);
    for (; t < a.n; t++)
      k_4x1<T>(w0, rb, a.q + t * a.cols, a.d + t * nsb, a.s + t * (a.cols / 16), nsb,
               out + t * os + r);
  }
  for (; r < r1; r++) {
    const uint8_t* w = W.data + size_t(r) * rb;
    for (int t = 0; t < a.n; t++)
      out[t * os + r] = k_1x1<T>(w, a.q + t * a.cols, a.d + t * nsb, a.s + t * (a.cols / 16), nsb);
  }
}

template <DType T>
void rows_k(const Tensor& W, const Acts& a, float* out, int64_t os, int64_t r0, int64_t r1) {
  by_token_tiles(a.n, [&](auto tiled) { k_rows<T, tiled>(W, a, out, os, r0, r1); });
}

}  // namespace

RowsFn kquant_rows_fn(DType t) {
  constexpr RowKernelSet kSet{
      .q4_k = rows_k<DType::Q4_K>, .q5_k = rows_k<DType::Q5_K>, .q6_k = rows_k<DType::Q6_K>};
  return kSet[t];
}

}  // namespace inferpi::kernels::neon
#endif  // __ARM_NEON
