#!/usr/bin/python3
"""Seed corpus for gguf_fuzz: small valid GGUFs from tools/pylib/gguf_writer.py."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from pylib import gguf_writer as g, quant  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
w = g.GGUFWriter()
w.add("general.architecture", "llama")
w.add("llama.block_count", 1, g.U32)
w.add("tokenizer.ggml.tokens", ["<s>", "a", "b"], g.ARRAY, g.STRING)
w.add("tokenizer.ggml.scores", [0.0, -1.0, -2.0], g.ARRAY, g.F32)
w.add("flag", True)
w.add_tensor("output_norm.weight", np.ones(32, np.float32), quant.F32)
w.add_tensor("blk.0.attn_q.weight", np.ones((2, 64), np.float32), quant.Q8_0)
w.add_tensor("blk.0.attn_k.weight", np.ones((2, 64), np.float32), quant.Q4_0)
w.write(os.path.join(out, "seed1.gguf"))
w = g.GGUFWriter(alignment=64)
w.add("s", "x" * 40)
w.add_tensor("h", np.ones((3, 8), np.float32), quant.F16)
w.write(os.path.join(out, "seed2.gguf"))
# Blocks of the extended types as raw bytes (shape given explicitly).
w = g.GGUFWriter()
for t, (elems, nbytes) in {3: (32, 20), 6: (32, 22), 7: (32, 24), 12: (256, 144),
                           13: (256, 176), 14: (256, 210)}.items():
    w.add_tensor(f"t{t}", bytes(nbytes), t, ne=[elems, 1])
w.write(os.path.join(out, "seed3.gguf"))
