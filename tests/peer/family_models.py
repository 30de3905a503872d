"""Small random GGUF models of the Llama-engine families (Llama 3 with RoPE scaling, Qwen3,
Gemma3), written with our GGUF writer (tools/pylib/gguf_writer.py). Used by the llama.cpp
peer test (families_peer_test.py) and the appliance end-to-end test (a tiny gemma3 on the
USB stick).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_peer_test as peer  # noqa: E402  (its BPE vocabulary, trained on its prompt)
from pylib import gguf_writer as gw, hf_llama, random_models  # noqa: E402

Q4_K = 12
# A spec: sizes D, F, L, H, KV, hs; theta, eps; tied; vocab ("spm" or a BPE pre-tokenizer
# name); llama3 = Llama 3 RoPE scaling parameters; gemma3: window, linear (global RoPE factor).
SPECS = {
    # Llama 3.2-like: theta 5e5, Llama 3 scaling with original context 256 (all three
    # wavelength bands present for head_dim 64), untied classifier.
    "llama3": dict(arch="llama", D=256, F=512, L=2, H=4, KV=2, hs=64, theta=5e5, eps=1e-5,
                   tied=False, vocab="llama-bpe",
                   llama3={"factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                           "original_max_position_embeddings": 256}),
    # Qwen3: q/k RMSNorm per head, head_dim 128 with D/H = 64, tied, no biases.
    "qwen3": dict(arch="qwen3", D=256, F=512, L=2, H=4, KV=2, hs=128, theta=1e6, eps=1e-6,
                  tied=True, vocab="qwen2"),
    # Gemma3: 6 layers = 5 local (window 16) + 1 global (linear RoPE scaling 8), head_dim
    # 128 with D/H = 64, GeGLU, sandwich norms, tied, SentencePiece without space prefix.
    "gemma3": dict(arch="gemma3", D=256, F=512, L=6, H=4, KV=1, hs=128, theta=1e6, eps=1e-6,
                   tied=True, vocab="spm", window=16, linear=8.0),
}


def family_cfg(s, V):
    cfg = {"arch": s["arch"], "dim": s["D"], "hidden_dim": s["F"], "n_layers": s["L"],
           "n_heads": s["H"], "n_kv_heads": s["KV"], "head_dim": s["hs"], "vocab_size": V,
           "context_length": 1024, "rope_theta": s["theta"], "rms_eps": s["eps"],
           "tied": s["tied"], "qkv_bias": False, "qk_norm": s["arch"] != "llama",
           "post_norms": s["arch"] == "gemma3"}
    if "llama3" in s:
        cfg["rope_freqs"] = hf_llama.llama3_rope_divisors(s["theta"], s["hs"], s["llama3"])
    if s["arch"] == "gemma3":
        cfg.update(sliding_window=s["window"], sliding_pattern=6, rope_theta_local=10000.0,
                   attn_scale=s["hs"] ** -0.5, rope_freq_scale=1.0 / s["linear"])
    return cfg


def write_family(name, dtype, path, spec=None, readable=False):
    """Writes SPECS[name] (or `spec`) as a GGUF of `dtype`; returns the vocabulary size.
    readable: shrink the embedding rows of byte and control tokens so that greedy replies are
    made of word pieces (tied models: those rows are also the classifier's)."""
    s = spec or SPECS[name]
    rng = np.random.default_rng(10 + list(SPECS).index(name))
    if s["vocab"] == "spm":
        pieces, scores, types = random_models.synthetic_spm_vocab()
        V = len(pieces)
    else:
        tokens, ttypes, merges = peer.synthetic_bpe_vocab()
        V = len(tokens)
    cfg = family_cfg(s, V)
    D = s["D"]
    gemma = s["arch"] == "gemma3"
    plan = hf_llama.plan(cfg, dtype)

    def tensors():
        for tname, dt, rows, cols in plan:
            if tname == "rope_freqs.weight":
                yield tname, np.asarray(cfg["rope_freqs"], dtype=np.float32).reshape(1, -1)
            elif "post_" in tname:  # Gemma3: outputs of attention/FFN weigh against x
                yield tname, 3.0 + 0.1 * rng.standard_normal((rows, cols))
            elif gemma and tname == "output_norm.weight":  # decisive logits: few near-ties
                yield tname, 8.0 + 0.1 * rng.standard_normal((rows, cols))
            elif tname.endswith("norm.weight"):
                yield tname, 1.0 + 0.1 * rng.standard_normal((rows, cols))
            elif dt == Q4_K:
                yield tname, random_models.random_blocks(rng, Q4_K, rows, cols,
                                                gain=8.0 if tname == "output.weight" else 1.0)
            elif tname in ("token_embd.weight", "output.weight"):
                # Gemma multiplies its embeddings by sqrt(D): keep x near unit scale.
                scale = 1.0 / np.sqrt(D) if gemma else 0.6
                w = scale * rng.standard_normal((rows, cols))
                if readable and s["vocab"] == "spm":
                    w[[i for i, t in enumerate(types) if t != gw.NORMAL]] *= 0.05
                yield tname, w
            else:
                yield tname, rng.standard_normal((rows, cols)) / np.sqrt(cols)

    def vocab(w):
        if s["vocab"] == "spm":
            gw.spm_vocab_metadata(w, pieces, scores, types, 1, 2, 0, add_bos=True,
                                  add_space_prefix=False)
        else:
            gw.bpe_vocab_metadata(w, tokens, ttypes, merges, s["vocab"], eos=V - 3, eot=V - 1)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    gw.write_model(path, cfg, plan, tensors(), vocab, None, f"random-{name}")
    return V


