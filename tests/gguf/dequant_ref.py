#!/usr/bin/python3
"""numpy reference dequantizers written from docs/formats.md §6.8 (element-by-element
formulas, deliberately not the block loops of engines/core/block_types.cpp), and a fixture
generator for tests/gguf: random blocks of every type with their expected float values.

    dequant_ref.py OUT.bin [--seed N]

OUT.bin: for each type: u32 ggml type, u32 n_blocks, n_blocks*block_bytes bytes of blocks,
n_blocks*block_elems float32 values.
"""
import struct
import sys

import numpy as np

Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K = 3, 6, 7, 12, 13, 14
BLOCK = {Q4_1: (32, 20), Q5_0: (32, 22), Q5_1: (32, 24), Q4_K: (256, 144), Q5_K: (256, 176),
         Q6_K: (256, 210)}
F16_FIELDS = {Q4_1: [0, 2], Q5_0: [0], Q5_1: [0, 2], Q4_K: [0, 2], Q5_K: [0, 2], Q6_K: [208]}


def f16(b, off):
    return np.frombuffer(bytes(b[off:off + 2]), dtype="<f2")[0].astype(np.float32)


def lo(x):
    return x & 0x0F


def hi(x):
    return x >> 4


def k_scale_min(scales, j):
    if j < 4:
        return scales[j] & 63, scales[j + 4] & 63
    return ((scales[j + 4] & 15) | ((scales[j - 4] >> 6) << 4),
            (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4))


def dequant_block(t, b):
    f = np.float32
    y = np.zeros(BLOCK[t][0], dtype=np.float32)
    if t in (Q4_1, Q5_0, Q5_1):
        d = f16(b, 0)
        m = f16(b, 2) if t != Q5_0 else f(0)
        qh = 0
        if t == Q5_0:
            qh, qs = struct.unpack_from("<I", b, 2)[0], b[6:22]
        elif t == Q5_1:
            qh, qs = struct.unpack_from("<I", b, 4)[0], b[8:24]
        else:
            qs = b[4:20]
        for j in range(16):
            q0, q1 = lo(qs[j]), hi(qs[j])
            if t != Q4_1:
                q0 |= ((qh >> j) & 1) << 4
                q1 |= ((qh >> (j + 16)) & 1) << 4
            if t == Q5_0:
                y[j], y[j + 16] = d * f(q0 - 16), d * f(q1 - 16)
            else:
                y[j], y[j + 16] = d * f(q0) + m, d * f(q1) + m
        return y
    if t in (Q4_K, Q5_K):
        d, dmin = f16(b, 0), f16(b, 2)
        scales = b[4:16]
        qh = b[16:48] if t == Q5_K else None
        qs = b[48:176] if t == Q5_K else b[16:144]
        for v in range(256):
            c, w, j = v // 64, v % 64, v // 32
            byte = qs[32 * c + (w % 32)]
            q = lo(byte) if w < 32 else hi(byte)
            if qh is not None and (qh[w % 32] >> j) & 1:
                q += 16
            sc, m = k_scale_min(scales, j)
            y[v] = (d * f(sc)) * f(q) - dmin * f(m)
        return y
    # Q6_K
    ql, qhb = b[0:128], b[128:192]
    scales = np.frombuffer(bytes(b[192:208]), dtype=np.int8)
    d = f16(b, 208)
    for v in range(256):
        half, g, l = v // 128, (v % 128) // 32, v % 32
        byte = ql[64 * half + l + 32 * (g & 1)]
        low = lo(byte) if g < 2 else hi(byte)
        high = (qhb[32 * half + l] >> (2 * g)) & 3
        q = (low | (high << 4)) - 32
        y[v] = d * f(scales[v // 16]) * f(q)
    return y


def random_blocks(t, n, rng):
    elems, nbytes = BLOCK[t]
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    for off in F16_FIELDS[t]:
        vals = rng.uniform(-0.05, 0.05, size=n).astype("<f2")
        if off == 2 and t in (Q4_K, Q5_K):
            vals = np.abs(vals)
        raw[:, off:off + 2] = vals.view(np.uint8).reshape(n, 2)
    return raw


def main():
    out = sys.argv[1]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--seed" else 7
    rng = np.random.default_rng(seed)
    with open(out, "wb") as f:
        for t in BLOCK:
            n = 24 if BLOCK[t][0] == 256 else 64
            raw = random_blocks(t, n, rng)
            f.write(struct.pack("<II", t, n))
            f.write(raw.tobytes())
            f.write(np.concatenate([dequant_block(t, bytes(r)) for r in raw]).astype("<f4").tobytes())


if __name__ == "__main__":
    main()
