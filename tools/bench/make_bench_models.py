#!/usr/bin/python3
"""Random-weight models in the benchmark's two shapes, written by our own exporters' writers.

  d12       nanochat d12 (the seed's "GPT2-286M"): 768 dim, 12 layers, 6 heads x 128,
            MLP 3072, vocab 32768, SSSL windows, value embeddings on the odd layers,
            nanochat variant V4 (smear, backout, lambdas), sequence 2048. 286 M parameters.
  supra50m  the seed's Supra-50M Llama: 512 dim, 1408 hidden, 12 layers, 8 heads, 4 KV
            heads, vocab 32000, untied output, context 2048.
  k768      llama.cpp comparison shape (issue 16): Llama 768 / 2048 / 12 layers / 12 heads /
            4 KV heads / vocab 32000, untied; every width a multiple of 256. GGUF.
  llama1b   Llama-3.2-1B-shaped: 2048 / 8192 / 16 layers / 32 heads / 8 KV heads / vocab
            128256, tied embeddings (token_embd is also the output matrix), context 2048. GGUF.
  tiny      256 / 512 / 2 layers / 4 heads / 2 KV heads / vocab 1024, GGUF (CI smoke test).

Each in f16, q8_0 or q4_0 (every matrix in that type, as the exporters do; norms and gates
f32) or a K-quant mix q4_k_m / q5_k_m / q6_k (quant.scheme_type: output Q6_K, attn_v and
ffn_down of some layers Q6_K, the rest Q4_K / Q5_K / Q6_K), with a tokenizer of the right
vocabulary size (arbitrary distinct pieces: the benchmark feeds token ids, never text).
Weights are N(0, 0.02) from a fixed seed: the kernels have no data-dependent branches, so
values do not change the instruction counts.

    make_bench_models.py OUT_DIR [--models d12,supra50m] [--dtypes f16,q8_0,q4_0]

writes OUT_DIR/<model>-<dtype>/{model.bin,tokenizer.bin} (d12, supra50m) or model.gguf
(k768, llama1b); existing folders are kept.
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import export_gpt2  # noqa: E402
from pylib import gguf_writer, hf_llama, model_bin, quant, random_models, tokenizer_bin  # noqa: E402

SEED = 20261128
NANOCHAT_SPECIALS = ["<|bos|>", "<|user_start|>", "<|user_end|>", "<|assistant_start|>",
                     "<|assistant_end|>", "<|python_start|>", "<|python_end|>",
                     "<|output_start|>", "<|output_end|>"]


normal = random_models.small_normal


def dtype_of(dtype):
    """A type id, or a K-quant mix name (resolved per matrix)."""
    return quant.NAMES.get(dtype, dtype)


def nanochat_scheme(scheme, n_layers):
    """nanochat's matrices in a llama-quantize-like mix: lm_head is the output, c_v plays
    attn_v, mlp.c_proj ffn_down; wte and the value embeddings are embeddings."""
    kinds = {"attn.c_v": "attn_v", "mlp.c_proj": "ffn_down", "lm_head": "output"}

    def pick(name, shape):
        parts = name.split(".")
        layer = int(parts[2]) if name.startswith("transformer.h.") else None
        kind = kinds.get(".".join(parts[3:5]) if layer is not None else parts[0], "other")
        return quant.scheme_type(scheme, kind, layer, n_layers, shape[1])
    return pick


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
    wanted = nanochat_scheme(dtype, L) if dtype in quant.SCHEMES else quant.NAMES[dtype]
    export_gpt2.write_model(os.path.join(out_dir, "model.bin"), cfg, state, variant, ves,
                            gate_width, 15.0, wanted, True)
    n_ranks = V - len(NANOCHAT_SPECIALS)
    pieces = [bytes([i]) for i in range(256)] + random_models.distinct_pieces(n_ranks - 256)
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
    plan = hf_llama.plan(cfg, dtype_of(dtype))
    rng = np.random.default_rng(SEED)


    model_bin.write(os.path.join(out_dir, "model.bin"), cfg, plan,
                    random_models.small_normal_tensors(plan, rng))
    texts, scores, types = random_models.spm_pieces(V)
    tokenizer_bin.write_spm(os.path.join(out_dir, "tokenizer.bin"), texts, scores, types, True)


def make_llama_gguf(out_dir, dtype, dims):
    """A random Llama GGUF (our GGUF writer) with SentencePiece-style pieces."""
    D, F, L, H, KV, V, tied = dims
    cfg = {"arch": "llama", "dim": D, "hidden_dim": F, "n_layers": L, "n_heads": H,
           "n_kv_heads": KV, "head_dim": D // H, "vocab_size": V, "context_length": 2048,
           "rope_theta": 10000.0, "rms_eps": 1e-5, "tied": tied, "qkv_bias": False}
    plan = hf_llama.plan(cfg, dtype_of(dtype))
    if tied and dtype in quant.SCHEMES:  # the embedding is also the output: llama-quantize's
        plan = [(n, quant.scheme_type(dtype, "output", None, L, c) if n == "token_embd.weight"
                 else t, r, c) for n, t, r, c in plan]  # type for output
    rng = np.random.default_rng(SEED)


    texts, scores, types = random_models.spm_pieces(V)

    def vocab(w):
        gguf_writer.spm_vocab_metadata(w, [t.decode("utf-8", "replace") for t in texts], scores,
                                       types, 1, 2, 0)

    gguf_writer.write_model(os.path.join(out_dir, "model.gguf"), cfg, plan,
                            random_models.small_normal_tensors(plan, rng), vocab,
                            name=os.path.basename(out_dir))


LLAMA_GGUF = {"k768": (768, 2048, 12, 12, 4, 32000, False),
              "llama1b": (2048, 8192, 16, 32, 8, 128256, True),
              "tiny": (256, 512, 2, 4, 2, 1024, False)}  # CI smoke test of --model-dir
MAKERS = {"d12": make_d12, "supra50m": make_supra50m,
          **{name: (lambda d, dt, dims=dims: make_llama_gguf(d, dt, dims))
             for name, dims in LLAMA_GGUF.items()}}


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
