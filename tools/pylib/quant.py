"""Tensor encodings our model files use, byte-exact with GGUF's (docs/formats.md).

Every exporter writes tensors through `encode(array, dtype)`. The dtype ids are ggml's
`ggml_type` values, which is also what our model.bin headers record per tensor.
"""
import numpy as np

F32, F16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, BF16 = 0, 1, 2, 8, 12, 13, 14, 30
NAMES = {"f32": F32, "f16": F16, "bf16": BF16, "q8_0": Q8_0, "q4_0": Q4_0}
K_NAMES = {"q4_k": Q4_K, "q5_k": Q5_K, "q6_k": Q6_K}  # GGUF-only (llama.cpp's K-quants)
BLOCK = {F32: (1, 4), F16: (1, 2), BF16: (1, 2), Q8_0: (32, 34), Q4_0: (32, 18),
         Q4_K: (256, 144), Q5_K: (256, 176), Q6_K: (256, 210)}
# Mixes named like llama-quantize's: base type of the matrices (see scheme_type).
SCHEMES = {"q4_k_m": Q4_K, "q5_k_m": Q5_K, "q6_k": Q6_K}


def row_bytes(dtype, cols):
    elems, nbytes = BLOCK[dtype]
    if cols % elems:
        raise ValueError(f"row length {cols} is not a multiple of {elems} for type {dtype}")
    return cols // elems * nbytes


def to_bf16_bits(a):
    """float32 -> bfloat16 bits, round to nearest even (NaN kept quiet)."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    return np.where(nan, ((u >> 16) | 0x40).astype(np.uint16), rounded)


def bf16_bits_to_f32(bits):
    return (np.asarray(bits, dtype=np.uint32) << 16).view(np.float32)


def encode_q8_0(a):
    """Q8_0: per 32 values, f16 scale d = max|x|/127 then int8 round(x/d) (as ggml)."""
    x = np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 32)
    amax = np.abs(x).max(axis=1, keepdims=True)
    d = amax / 127.0
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0.0)
    q = np.round(x * inv).astype(np.int8)  # numpy rounds half to even; ggml uses roundf
    q = np.where(np.abs(x * inv - np.trunc(x * inv)) == 0.5,
                 (np.trunc(x * inv) + np.sign(x)).astype(np.int8), q)
    out = np.empty((x.shape[0], 34), dtype=np.uint8)
    out[:, 0:2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.tobytes()


def encode_q4_0(a):
    """Q4_0: per 32 values, d = max/-8 (signed value of largest magnitude), q = x/d + 8.5
    truncated and clamped to 15; low nibbles hold elements 0..15, high nibbles 16..31."""
    x = np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 32)
    idx = np.abs(x).argmax(axis=1)
    maxv = x[np.arange(x.shape[0]), idx][:, None]
    d = maxv / -8.0
    inv = np.where(d != 0, 1.0 / np.where(d != 0, d, 1), 0.0)
    q = np.minimum(15, (x * inv + 8.5).astype(np.int32)).astype(np.uint8)
    out = np.empty((x.shape[0], 18), dtype=np.uint8)
    out[:, 0:2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def _f16(a):
    return np.asarray(a, dtype=np.float32).astype(np.float16)


def _safe_inv(d):
    return np.where(d != 0, 1.0 / np.where(d != 0, d, 1), 0.0).astype(np.float32)


def _k45(a, bits):
    """Q4_K (bits 4) / Q5_K (bits 5): 8 sub-blocks of 32 per 256, each w = d·sc·q − dmin·m with
    6-bit sc and m; sub-block scale and min from its range (min-max; llama.cpp refines
    them with a search, so its files are slightly more accurate)."""
    top = (1 << bits) - 1
    x = np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 8, 32)
    lo = np.minimum(x.min(axis=2), 0)
    scale = (x.max(axis=2) - lo) / top
    mins = -lo
    d = _f16(scale.max(axis=1) / 63).astype(np.float32)
    dmin = _f16(mins.max(axis=1) / 63).astype(np.float32)
    sc = np.clip(np.round(scale * _safe_inv(d)[:, None]), 0, 63).astype(np.uint8)
    m = np.clip(np.round(mins * _safe_inv(dmin)[:, None]), 0, 63).astype(np.uint8)
    ds, dm = d[:, None] * sc, dmin[:, None] * m
    q = np.clip(np.round((x + dm[:, :, None]) * _safe_inv(ds)[:, :, None]), 0, top).astype(np.uint8)
    nb = x.shape[0]
    scales = np.empty((nb, 12), np.uint8)
    scales[:, 0:4] = sc[:, 0:4] | ((sc[:, 4:8] >> 4) << 6)
    scales[:, 4:8] = m[:, 0:4] | ((m[:, 4:8] >> 4) << 6)
    scales[:, 8:12] = (sc[:, 4:8] & 15) | ((m[:, 4:8] & 15) << 4)
    q = q.reshape(nb, 4, 2, 32)  # chunk c of 64: sub-blocks 2c (low nibbles), 2c + 1 (high)
    qs = ((q[:, :, 0] & 15) | ((q[:, :, 1] & 15) << 4)).reshape(nb, 128)
    parts = [d.astype(np.float16).view(np.uint8).reshape(nb, 2),
             dmin.astype(np.float16).view(np.uint8).reshape(nb, 2), scales]
    if bits == 5:  # bit j of qh[l] is the 5th bit of element 32j + l
        hb = (q.reshape(nb, 8, 32) >> 4).astype(np.uint8)
        parts.append(np.bitwise_or.reduce(hb << np.arange(8, dtype=np.uint8)[None, :, None], axis=1))
    parts.append(qs)
    return np.concatenate(parts, axis=1).tobytes()


def encode_q6_k(a):
    """Q6_K: 16 groups of 16 per 256, w = d·sc·(q − 32) with int8 sc and q in 0..63; group
    scale = (value of largest magnitude) / −32, as Q4_0 picks its scale."""
    x = np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 16, 16)
    nb = x.shape[0]
    idx = np.abs(x).argmax(axis=2)
    maxv = np.take_along_axis(x, idx[:, :, None], axis=2)[:, :, 0]
    scale = maxv / -32.0
    amax = np.abs(scale).max(axis=1)
    d = _f16(amax / 127).astype(np.float32)
    sc = np.clip(np.round(scale * _safe_inv(d)[:, None]), -128, 127).astype(np.int8)
    ds = d[:, None] * sc.astype(np.float32)
    q = (np.clip(np.round(x * _safe_inv(ds)[:, :, None]), -32, 31) + 32).astype(np.uint8)
    q = q.reshape(nb, 2, 4, 32)  # half, group g of 32 (element 128h + 32g + l)
    ql = np.concatenate([(q[:, :, 0] & 15) | ((q[:, :, 2] & 15) << 4),
                         (q[:, :, 1] & 15) | ((q[:, :, 3] & 15) << 4)], axis=2).reshape(nb, 128)
    qh = ((q[:, :, 0] >> 4) | ((q[:, :, 1] >> 4) << 2) | ((q[:, :, 2] >> 4) << 4) |
          ((q[:, :, 3] >> 4) << 6)).reshape(nb, 64)
    return np.concatenate([ql, qh, sc.view(np.uint8),
                           d.astype(np.float16).view(np.uint8).reshape(nb, 2)], axis=1).tobytes()


def use_more_bits(layer, n_layers):
    """llama-quantize's choice of the layers whose attn_v / ffn_down get more bits."""
    return (layer < n_layers // 8 or layer >= 7 * n_layers // 8 or
            (layer - n_layers // 8) % 3 == 2)


def scheme_type(scheme, kind, layer, n_layers, cols):
    """The type of one matrix in a llama-quantize-like mix (SCHEMES): `kind` is output,
    token_embd, attn_q/k/v/output or ffn_gate/up/down (GGUF names). output is Q6_K; attn_v
    and ffn_down of use_more_bits() layers Q6_K; the rest the base type. A width that is
    not whole super-blocks takes Q8_0 (llama-quantize takes Q5_0/Q5_1/Q8_0 there; we write
    no Q5 types)."""
    base = SCHEMES[scheme]
    t = base
    if kind == "output" or (kind in ("attn_v", "ffn_down") and layer is not None and
                            use_more_bits(layer, n_layers)):
        t = Q6_K
    return t if cols % 256 == 0 else Q8_0


def apply_scheme(plan, scheme, n_layers):
    """A (name, dtype, rows, cols) plan with GGUF tensor names, its matrices retyped by
    scheme_type(); vectors keep their type."""
    out = []
    for name, dtype, rows, cols in plan:
        if rows > 1 and dtype != F32:
            parts = name.split(".")
            layer = int(parts[1]) if parts[0] == "blk" else None
            dtype = scheme_type(scheme, parts[-2] if layer is not None else parts[0], layer,
                                n_layers, cols)
        out.append((name, dtype, rows, cols))
    return out


def encode(array, dtype):
    """Encodes a float array (any shape, last dim = row) as `dtype` bytes."""
    a = np.asarray(array, dtype=np.float32)
    cols = a.shape[-1] if a.ndim else 1
    if dtype == F32:
        return np.ascontiguousarray(a).astype("<f4").tobytes()
    if dtype == F16:
        return np.ascontiguousarray(a).astype("<f2").tobytes()
    if dtype == BF16:
        return to_bf16_bits(a).astype("<u2").tobytes()
    if dtype in (Q8_0, Q4_0):
        if cols % 32:
            raise ValueError(f"{NAMES_BY_ID[dtype]} needs rows that are a multiple of 32, got {cols}")
        return encode_q8_0(a) if dtype == Q8_0 else encode_q4_0(a)
    if dtype in (Q4_K, Q5_K, Q6_K):
        if cols % 256:
            raise ValueError(f"{NAMES_BY_ID[dtype]} needs rows that are a multiple of 256, got {cols}")
        return encode_q6_k(a) if dtype == Q6_K else _k45(a, 4 if dtype == Q4_K else 5)
    raise ValueError(f"unsupported dtype id {dtype}")


NAMES_BY_ID = {v: k for k, v in list(NAMES.items()) + list(K_NAMES.items())}
