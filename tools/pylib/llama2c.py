"""Writer for llama2.c's legacy model.bin (version 0; docs/formats.md §1.2): 7 int32 config
values (negative vocab_size = separate classifier), then every array in llama2.c's order, as
fp32 (llama2.c) or fp16 (the seed's published files: the RoPE tables too). Nothing in the
file says which: readers tell them apart by the exact size. Takes the same (cfg, tensors) our
exporter produces, with Q/K already in interleaved order."""
import struct

import numpy as np


def write_v0(path, cfg, tensors, dtype="f32"):
    t = dict(tensors)  # small models only: everything in memory
    if cfg["arch"] != "llama" or cfg.get("rope_freqs") or cfg.get("rope_freq_scale", 1.0) != 1.0:
        raise ValueError("llama2.c v0 holds plain llama models (no RoPE scaling, no q/k norms)")
    D, L, hs = cfg["dim"], cfg["n_layers"], cfg["head_dim"]
    if cfg["n_heads"] * hs != D or cfg["rope_pairing"] != 0 or cfg["qkv_bias"]:
        raise ValueError("llama2.c v0 needs n_heads*head_dim == dim, interleaved RoPE, no biases")
    if dtype not in ("f32", "f16"):
        raise ValueError(f"llama2.c v0 holds f32 or f16 weights, not {dtype}")
    np_type = "<f4" if dtype == "f32" else "<f2"
    vocab = cfg["vocab_size"] if cfg["tied"] else -cfg["vocab_size"]
    with open(path, "wb") as f:
        f.write(struct.pack("<7i", D, cfg["hidden_dim"], L, cfg["n_heads"], cfg["n_kv_heads"],
                            vocab, cfg["context_length"]))

        def put(a):
            f.write(np.ascontiguousarray(np.asarray(a, dtype=np.float64), dtype=np_type).tobytes())

        put(t["token_embd.weight"])
        for kind in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                     "ffn_gate", "ffn_down", "ffn_up"):
            for i in range(L):
                put(t[f"blk.{i}.{kind}.weight"])
        put(t["output_norm.weight"])
        S = cfg["context_length"]
        pos = np.arange(S)[:, None] * (10000.0 ** (-np.arange(0, hs, 2) / hs))[None, :]
        put(np.cos(pos))  # freq_cis_real (never read by run.c or us)
        put(np.sin(pos))  # freq_cis_imag
        if not cfg["tied"]:
            put(t["output.weight"])
