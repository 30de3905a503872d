"""Writes float32 rows and tools/pylib/quant.py's Q8_0/Q4_0 encodings of them, for
quant_py_test.cpp to compare with ggml's reference quantizers (argv: output dir)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
from pylib import quant  # noqa: E402

rng = np.random.default_rng(5)
rows = [rng.standard_normal(32 * 64).astype(np.float32) * s for s in (1.0, 1e-3, 1e4)]
edge = np.zeros(32 * 8, np.float32)
edge[0:32] = np.arange(-16, 16) * 0.5                  # exact halves after scaling
edge[32:64] = 0.0                                        # all zero block
edge[64:96] = np.linspace(-3, 3, 32)                     # +-max tie: first one wins (q4)
edge[96:128] = rng.standard_normal(32); edge[100] = -9.0  # negative max magnitude
edge[128:160] = 127.0 * np.arange(32) / 31.0             # amax exactly 127: d = 1
edge[160:192] = 1e-6 * rng.standard_normal(32)           # scales in f16 subnormal range
edge[192:224] = rng.standard_normal(32); edge[200] = 8.0
edge[224:256] = np.float32(2.5) * np.sign(rng.standard_normal(32))
rows.append(edge)
x = np.concatenate(rows).astype(np.float32)
out = sys.argv[1]
x.tofile(os.path.join(out, "x.f32"))
with open(os.path.join(out, "q8_0.bin"), "wb") as f:
    f.write(quant.encode(x.reshape(-1, 32), quant.Q8_0))
with open(os.path.join(out, "q4_0.bin"), "wb") as f:
    f.write(quant.encode(x.reshape(-1, 32), quant.Q4_0))
