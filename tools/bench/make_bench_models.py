#!/usr/bin/python3
"""Random-weight models in the benchmark's two shapes, written by our own exporters' writers.

  d12       nanochat d12 (the seed's "GPT2-286M"): 768 dim, 12 layers, 6 heads x 128,
            MLP 3072, vocab 32768, SSSL windows, value embeddings on the odd layers,
            nanochat variant V4 (smear, backout, lambdas), sequence 2048. 286 M parameters.
  supra50m  the seed's Supra-50M Llama: 512 dim, 1408 hidden, 12 layers, 8 heads, 4 KV
            heads, vocab 32000, untied output, context 2048.

Each in f16, q8_0 or q4_0 (every matrix in that type, as the exporters do; norms and gates
f32), with a tokenizer of the right vocabulary size (arbitrary distinct pieces: the
benchmark feeds token ids, never text). Weights are N(0, 0.02) from a fixed seed: the
kernels have no data-dependent branches, so values do not change the instruction counts.

    make_bench_models.py OUT_DIR [--models d12,supra50m] [--dtypes f16,q8_0,q4_0]

writes OUT_DIR/<model>-<dtype>/{model.bin,tokenizer.bin}; existing folders are kept.
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import export_gpt2  # noqa: E402
from pylib import hf_llama, model_bin, quant, tokenizer_bin  # noqa: E402

SEED = 20261128
NANOCHAT_SPECIALS = ["<|bos|>", "<|user_start|>", "<|user_end|>", "<|assistant_start|>",
                     "<|assistant_end|>", "<|python_start|>", "<|python_end|>",
                     "<|output_start|>", "<|output_end|>"]


def distinct_pieces(count, prefix=b""):
    """`count` distinct printable byte strings of 2+ characters (bigrams, trigrams, ...)."""
    letters = b"abcdefghijklmnopqrstuvwxyz"
    out, width = [], 2
    while len(out) < count:
        idx = [0] * width
        while len(out) < count:
            out.append(prefix + bytes(letters[i] for i in idx))
            k = width - 1
            while k >= 0 and idx[k] == len(letters) - 1:
                idx[k] = 0
                k -= 1
            if k < 0:
                break
            idx[k] += 1
        width += 1
    return out


def normal(rng, shape):
    return (rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)).astype(np.float32)


def make_d12(out_dir, dtype):
    cfg = {"sequence_len": 2048, "vocab_size": 32768, "n_layer": 12, "n_head": 6,
           "n_kv_head": 6, "n_embd": 768, "window_pattern": "SSSL"}
    L, D, V, hidden = 12, 768, 32768, 3072
    rng = np.random.default_rng(SEED)
    state = {"transformer.wte.weight": normal(rng, (V, D)), "lm_head.weight": normal(rng, (V, D))}
    ve_layers = [i for i in range(L) if i % 2 == (L - 1) % 2]
    for i in range(L):
        h = f"transformer.h.{i}."
        for part, shape in (("attn.c_q", (D, D)), ("attn.c_k", (D, D)), ("attn.c_v", (D, D)),
                            ("attn.c_proj", (D, D)), ("mlp.c_fc", (hidden, D)),
                            ("mlp.c_proj", (D, hidden))):
            state[h + part + ".weight"] = normal(rng, shape)
    for i in ve_layers:
        state[f"value_embeds.{i}.weight"] = normal(rng, (V, D))
        state[f"transformer.h.{i}.attn.ve_gate.weight"] = normal(rng, (6, 12))
    state["resid_lambdas"] = np.ones(L, np.float32)
    state["x0_lambdas"] = np.full(L, 0.1, np.float32)
    state["smear_gate.weight"] = normal(rng, (1, 24))
    state["smear_lambda"] = np.full(1, 0.5, np.float32)
    state["backout_lambda"] = np.full(1, 0.2, np.float32)
    variant, ves, gate_width = export_gpt2.classify(state, cfg)
    assert variant == 4 and ves == ve_layers
    export_gpt2.write_model(os.path.join(out_dir, "model.bin"), cfg, state, variant, ves,
                            gate_width, 15.0, quant.NAMES[dtype], True)
    n_ranks = V - len(NANOCHAT_SPECIALS)
    pieces = [bytes([i]) for i in range(256)] + distinct_pieces(n_ranks - 256)
    ranks = {p: r for r, p in enumerate(pieces)}
    specials = {name: n_ranks + i for i, name in enumerate(NANOCHAT_SPECIALS)}
    export_gpt2.write_tokenizer(os.path.join(out_dir, "tokenizer.bin"), export_gpt2.NANOCHAT_SPLIT,
                                ranks, specials, V)


def make_supra50m(out_dir, dtype):
    V = 32000
    cfg = {"arch": "llama", "dim": 512, "hidden_dim": 1408, "n_layers": 12, "n_heads": 8,
           "n_kv_heads": 4, "head_dim": 64, "vocab_size": V, "context_length": 2048,
           "rope_theta": 10000.0, "rms_eps": 1e-5, "rope_pairing": 0, "tied": False,
           "qkv_bias": False, "bos_id": 1, "eos_id": 2, "stop_ids": [2],
           "tokenizer_type": model_bin.TOKENIZER_SPM, "add_bos": True,
           "chat_template": "completion"}
    plan = hf_llama.plan(cfg, quant.NAMES[dtype])
    rng = np.random.default_rng(SEED)

    def tensors():
        for name, _, rows, cols in plan:
            if name.endswith("norm.weight"):
                yield name, np.ones((rows, cols), np.float32)
            else:
                yield name, normal(rng, (rows, cols))

    model_bin.write(os.path.join(out_dir, "model.bin"), cfg, plan, tensors())
    texts = [b"<unk>", b"<s>", b"</s>"] + [b"<0x%02X>" % i for i in range(256)]
    types = [2, 3, 3] + [6] * 256  # SentencePiece: UNKNOWN, CONTROL, BYTE, NORMAL
    pieces = distinct_pieces(V - len(texts), prefix="\u2581".encode())
    texts += pieces
    types += [1] * len(pieces)
    scores = [0.0] * 259 + [-float(i) for i in range(len(pieces))]
    tokenizer_bin.write_spm(os.path.join(out_dir, "tokenizer.bin"), texts, scores, types, True)


MAKERS = {"d12": make_d12, "supra50m": make_supra50m}


def ensure(out_root, model, dtype):
    """The model folder, made once (a complete folder has a `done` marker)."""
    d = os.path.join(out_root, f"{model}-{dtype}")
    if not os.path.exists(os.path.join(d, "done")):
        os.makedirs(d, exist_ok=True)
        MAKERS[model](d, dtype)
        open(os.path.join(d, "done"), "w").close()
    return d


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--models", default="d12,supra50m")
    ap.add_argument("--dtypes", default="f16,q8_0,q4_0")
    a = ap.parse_args(argv)
    for m in a.models.split(","):
        for dt in a.dtypes.split(","):
            print(ensure(a.out_dir, m, dt))
    return 0


if __name__ == "__main__":
    sys.exit(main())
