"""HuggingFace LlamaForCausalLM / Qwen2ForCausalLM folder -> our llama config + tensors.

`load(model_dir)` returns (cfg, plan, tensors): cfg is the dict model_bin.header_bytes
records, plan(dtype) the (name, dtype, rows, cols) list in file order, tensors() a generator
of (name, float32 [rows, cols]) read one at a time from the safetensors. Any writer (our
model.bin, GGUF) can consume the same three. Tensor names are GGUF's.
"""
import json
import os

import numpy as np

from . import quant
from .safetensors_reader import Checkpoint

SUPPORTED = {"LlamaForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2"}


def permute_to_interleaved(w, n_heads):
    """HF rotate_half row order -> llama2.c/GGUF interleaved pairs (docs/formats.md §3.2):
    W_out[h*hs + 2i + c] = W_hf[h*hs + c*hs/2 + i]."""
    rows = w.shape[0]
    hs = rows // n_heads
    rest = w.shape[1:]
    return (w.reshape(n_heads, 2, hs // 2, *rest).swapaxes(1, 2).reshape(rows, *rest))


def _rope_theta(c):
    params = c.get("rope_parameters") or {}
    scaling = c.get("rope_scaling")
    for spec in (params, scaling or {}):
        kind = spec.get("rope_type", spec.get("type", "default"))
        if kind not in (None, "default"):
            raise ValueError(f"rope scaling '{kind}' is not supported (we implement plain RoPE)")
    theta = c.get("rope_theta", params.get("rope_theta", 10000.0))
    return float(theta)


def _ids(v):
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


def read_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    archs = c.get("architectures") or []
    if len(archs) != 1 or archs[0] not in SUPPORTED:
        raise ValueError(f"unsupported architecture {archs}: we export "
                         f"{', '.join(sorted(SUPPORTED))}")
    arch = SUPPORTED[archs[0]]
    if c.get("hidden_act", "silu") != "silu":
        raise ValueError(f"unsupported hidden_act {c.get('hidden_act')} (need silu)")
    if c.get("mlp_bias"):
        raise ValueError("mlp_bias=true is not supported")
    if arch == "llama" and c.get("attention_bias"):
        raise ValueError("attention_bias=true on a Llama model is not supported")
    if c.get("use_sliding_window"):
        raise ValueError("sliding-window attention is not supported")
    n_heads = c["num_attention_heads"]
    dim = c["hidden_size"]
    gen = {}
    gpath = os.path.join(model_dir, "generation_config.json")
    if os.path.exists(gpath):
        with open(gpath) as f:
            gen = json.load(f)
    eos = _ids(c.get("eos_token_id"))
    stops = []
    for i in eos + _ids(gen.get("eos_token_id")):
        if i not in stops:
            stops.append(i)
    bos = _ids(c.get("bos_token_id"))
    return {
        "arch": arch,
        "dim": dim,
        "hidden_dim": c["intermediate_size"],
        "n_layers": c["num_hidden_layers"],
        "n_heads": n_heads,
        "n_kv_heads": c.get("num_key_value_heads") or n_heads,
        "head_dim": c.get("head_dim") or dim // n_heads,
        "vocab_size": c["vocab_size"],
        "context_length": c.get("max_position_embeddings", 2048),
        "rope_theta": _rope_theta(c),
        "rms_eps": float(c.get("rms_norm_eps", 1e-6)),
        # Llama: permute Q/K to interleaved pairs (what llama2.c and GGUF llama use); Qwen2
        # stays half-split, as in GGUF qwen2 (the engine implements both pairings).
        "rope_pairing": 0 if arch == "llama" else 1,
        "tied": bool(c.get("tie_word_embeddings", arch == "qwen2")),
        "qkv_bias": arch == "qwen2",
        "bos_id": bos[0] if bos else -1,
        "eos_id": eos[0] if eos else -1,
        "stop_ids": stops,
    }


def plan(cfg, dtype):
    """(name, dtype, rows, cols) in file order. Vectors (norms, biases) stay f32. dtype: a
    type id, or the name of a K-quant mix (quant.SCHEMES) for per-matrix types."""
    if isinstance(dtype, str):
        return quant.apply_scheme(plan(cfg, quant.F16), dtype, cfg["n_layers"])
    D, F, V = cfg["dim"], cfg["hidden_dim"], cfg["vocab_size"]
    q, kv = cfg["n_heads"] * cfg["head_dim"], cfg["n_kv_heads"] * cfg["head_dim"]
    out = [("token_embd.weight", dtype, V, D)]
    for i in range(cfg["n_layers"]):
        b = f"blk.{i}."
        out.append((b + "attn_norm.weight", quant.F32, 1, D))
        out.append((b + "attn_q.weight", dtype, q, D))
        out.append((b + "attn_k.weight", dtype, kv, D))
        out.append((b + "attn_v.weight", dtype, kv, D))
        if cfg["qkv_bias"]:
            out += [(b + "attn_q.bias", quant.F32, 1, q), (b + "attn_k.bias", quant.F32, 1, kv),
                    (b + "attn_v.bias", quant.F32, 1, kv)]
        out.append((b + "attn_output.weight", dtype, D, q))
        out.append((b + "ffn_norm.weight", quant.F32, 1, D))
        out.append((b + "ffn_gate.weight", dtype, F, D))
        out.append((b + "ffn_up.weight", dtype, F, D))
        out.append((b + "ffn_down.weight", dtype, D, F))
    out.append(("output_norm.weight", quant.F32, 1, D))
    if not cfg["tied"]:
        out.append(("output.weight", dtype, V, D))
    return out


def tensors(cfg, ckpt):
    """Yields (gguf name, float32 2-D array) in plan() order, reading one tensor at a time."""
    H, KV = cfg["n_heads"], cfg["n_kv_heads"]
    interleave = cfg["rope_pairing"] == 0

    def get(name, rows, cols):
        a = ckpt.get(name)
        if a.size != rows * cols:
            raise ValueError(f"{name}: shape {a.shape}, config implies ({rows}, {cols})")
        return a.reshape(rows, cols)

    D, F, V = cfg["dim"], cfg["hidden_dim"], cfg["vocab_size"]
    q, kv = H * cfg["head_dim"], KV * cfg["head_dim"]
    yield "token_embd.weight", get("model.embed_tokens.weight", V, D)
    for i in range(cfg["n_layers"]):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        yield b + "attn_norm.weight", get(p + "input_layernorm.weight", 1, D)
        wq = get(p + "self_attn.q_proj.weight", q, D)
        wk = get(p + "self_attn.k_proj.weight", kv, D)
        yield b + "attn_q.weight", permute_to_interleaved(wq, H) if interleave else wq
        yield b + "attn_k.weight", permute_to_interleaved(wk, KV) if interleave else wk
        yield b + "attn_v.weight", get(p + "self_attn.v_proj.weight", kv, D)
        if cfg["qkv_bias"]:
            bq = get(p + "self_attn.q_proj.bias", q, 1)
            bk = get(p + "self_attn.k_proj.bias", kv, 1)
            if interleave:
                bq, bk = permute_to_interleaved(bq, H), permute_to_interleaved(bk, KV)
            yield b + "attn_q.bias", bq.reshape(1, q)
            yield b + "attn_k.bias", bk.reshape(1, kv)
            yield b + "attn_v.bias", get(p + "self_attn.v_proj.bias", 1, kv)
        yield b + "attn_output.weight", get(p + "self_attn.o_proj.weight", D, q)
        yield b + "ffn_norm.weight", get(p + "post_attention_layernorm.weight", 1, D)
        yield b + "ffn_gate.weight", get(p + "mlp.gate_proj.weight", F, D)
        yield b + "ffn_up.weight", get(p + "mlp.up_proj.weight", F, D)
        yield b + "ffn_down.weight", get(p + "mlp.down_proj.weight", D, F)
    yield "output_norm.weight", get("model.norm.weight", 1, D)
    if not cfg["tied"]:
        yield "output.weight", get("lm_head.weight", V, D)


def load(model_dir):
    cfg = read_config(model_dir)
    ckpt = Checkpoint(model_dir)
    if not cfg["tied"] and not ckpt.has("lm_head.weight"):
        raise ValueError("tie_word_embeddings is false but the checkpoint has no lm_head.weight")
    return cfg, ckpt
