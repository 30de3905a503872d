#!/usr/bin/python3
"""A GGUF file's tensor table (name, type, shape), for the benchmark's per-weight figures:
which matrices a decode token streams and in which types. Reads only the header.

    gguf_info.py FILE.gguf      prints the streamed matrices' type mix and weight count
"""
import struct
import sys

# ggml type id -> (name, elements per block, bytes per block)
TYPES = {0: ("f32", 1, 4), 1: ("f16", 1, 2), 2: ("q4_0", 32, 18), 3: ("q4_1", 32, 20),
         6: ("q5_0", 32, 22), 7: ("q5_1", 32, 24), 8: ("q8_0", 32, 34), 12: ("q4_K", 256, 144),
         13: ("q5_K", 256, 176), 14: ("q6_K", 256, 210), 30: ("bf16", 1, 2)}
# GGUF metadata value types: fixed sizes; 8 = string, 9 = array
_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


class _Reader:
    def __init__(self, f):
        self.f = f

    def u32(self):
        return struct.unpack("<I", self.f.read(4))[0]

    def u64(self):
        return struct.unpack("<Q", self.f.read(8))[0]

    def string(self):
        return self.f.read(self.u64()).decode("utf-8", "replace")

    def skip_value(self, vtype):
        if vtype in _FIXED:
            self.f.seek(_FIXED[vtype], 1)
        elif vtype == 8:
            self.f.seek(self.u64(), 1)
        elif vtype == 9:
            etype, n = self.u32(), self.u64()
            if etype in _FIXED:
                self.f.seek(_FIXED[etype] * n, 1)
            else:
                for _ in range(n):
                    self.skip_value(etype)
        else:
            raise ValueError(f"unknown GGUF value type {vtype}")


def tensors(path):
    """[{name, type, shape (GGUF order: innermost first), elements, bytes}] of a GGUF v2/v3."""
    with open(path, "rb") as f:
        r = _Reader(f)
        if f.read(4) != b"GGUF":
            raise ValueError(f"{path}: not a GGUF file")
        version = r.u32()
        if version not in (2, 3):
            raise ValueError(f"{path}: GGUF version {version}")
        n_tensors, n_kv = r.u64(), r.u64()
        for _ in range(n_kv):
            r.string()
            r.skip_value(r.u32())
        out = []
        for _ in range(n_tensors):
            name = r.string()
            shape = [r.u64() for _ in range(r.u32())]
            ttype = r.u32()
            r.u64()  # offset
            n = 1
            for d in shape:
                n *= d
            tname, be, bb = TYPES.get(ttype, (f"type{ttype}", 1, 0))
            out.append({"name": name, "type": tname, "shape": shape, "elements": n,
                        "bytes": n // be * bb})
        return out


def streamed(tensor_list):
    """The matrices a decode token multiplies: every 2-D tensor except the token embedding
    (a row lookup), which is streamed only when it is also the output (no output.weight)."""
    names = {t["name"] for t in tensor_list}
    tied = "output.weight" not in names
    return [t for t in tensor_list if len(t["shape"]) == 2 and t["shape"][1] > 1 and
            (t["name"] != "token_embd.weight" or tied)]


def mix(tensor_list):
    """'q4_K 71% + q6_K 29%' by streamed weights."""
    total = sum(t["elements"] for t in tensor_list) or 1
    by = {}
    for t in tensor_list:
        by[t["type"]] = by.get(t["type"], 0) + t["elements"]
    parts = sorted(by.items(), key=lambda kv: -kv[1])
    return " + ".join(f"{k} {100 * v / total:.0f}%" for k, v in parts)


if __name__ == "__main__":
    ts = streamed(tensors(sys.argv[1]))
    print(f"{mix(ts)}; {sum(t['elements'] for t in ts)} weights, "
          f"{sum(t['bytes'] for t in ts)} bytes streamed per token")
