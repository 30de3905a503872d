"""Tensor encodings our model files use, byte-exact with GGUF's (docs/formats.md).

Every exporter writes tensors through `encode(array, dtype)`. The dtype ids are ggml's
`ggml_type` values, which is also what our model.bin headers record per tensor.
"""
import numpy as np

F32, F16, Q4_0, Q8_0, BF16 = 0, 1, 2, 8, 30
NAMES = {"f32": F32, "f16": F16, "bf16": BF16, "q8_0": Q8_0, "q4_0": Q4_0}
BLOCK = {F32: (1, 4), F16: (1, 2), BF16: (1, 2), Q8_0: (32, 34), Q4_0: (32, 18)}


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
    raise ValueError(f"unsupported dtype id {dtype}")


NAMES_BY_ID = {v: k for k, v in NAMES.items()}
