"""HuggingFace LlamaForCausalLM (Llama 2/3.x) / Qwen2ForCausalLM / Qwen3ForCausalLM /
Gemma3ForCausalLM folder -> our llama config + tensors.

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

SUPPORTED = {"LlamaForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2",
             "Qwen3ForCausalLM": "qwen3", "Gemma3ForCausalLM": "gemma3"}
SILU, GELU_TANH = 0, 1


def permute_to_interleaved(w, n_heads):
    """HF rotate_half row order -> llama2.c/GGUF interleaved pairs (docs/formats.md §3.2):
    W_out[h*hs + 2i + c] = W_hf[h*hs + c*hs/2 + i]."""
    rows = w.shape[0]
    hs = rows // n_heads
    rest = w.shape[1:]
    return (w.reshape(n_heads, 2, hs // 2, *rest).swapaxes(1, 2).reshape(rows, *rest))


def _rope_spec(c):
    """(theta, scaling dict or None) from `rope_theta`/`rope_scaling` (older configs) or
    `rope_parameters` (newer transformers)."""
    params = c.get("rope_parameters") or {}
    theta = float(c.get("rope_theta", params.get("rope_theta", 10000.0)))
    for spec in (c.get("rope_scaling") or {}, params):
        kind = spec.get("rope_type", spec.get("type", "default"))
        if kind not in (None, "default"):
            return theta, dict(spec, rope_type=kind)
    return theta, None


def llama3_rope_divisors(theta, head_dim, s):
    """Llama 3 RoPE scaling as per-frequency divisors of inv_freq (what llama.cpp's converter
    stores in rope_freqs.weight): 1 for short wavelengths, `factor` for long ones, a smooth
    blend between (HF _compute_llama3_parameters)."""
    factor, lo, hi = float(s["factor"]), float(s["low_freq_factor"]), float(s["high_freq_factor"])
    old_ctx = float(s["original_max_position_embeddings"])
    inv_freq = 1.0 / (theta ** (np.arange(0, head_dim, 2, dtype=np.float32) / head_dim))
    out = []
    for f in inv_freq.astype(np.float64):
        wavelen = 2 * np.pi / f
        if wavelen < old_ctx / hi:
            out.append(1.0)
        elif wavelen > old_ctx / lo:
            out.append(factor)
        else:
            smooth = (old_ctx / wavelen - lo) / (hi - lo)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return out


def _rope_scaling(arch, theta, head_dim, spec):
    """(rope_freq_scale, rope_freqs divisors or None) for the supported scalings."""
    if spec is None:
        return 1.0, None
    kind = spec["rope_type"]
    if kind == "linear" and arch in ("llama", "gemma3"):
        return 1.0 / float(spec["factor"]), None
    if kind == "llama3" and arch == "llama":
        return 1.0, llama3_rope_divisors(theta, head_dim, spec)
    raise ValueError(f"rope scaling '{kind}' is not supported for {arch} "
                     "(we implement linear and llama3)")


def _gemma3_layers(c, n_layers):
    """(sliding_window, pattern): layer i is global when (i + 1) % pattern == 0."""
    types = c.get("layer_types")
    if types:
        pattern = types.index("full_attention") + 1 if "full_attention" in types else 0
        want = ["full_attention" if pattern and (i + 1) % pattern == 0 else "sliding_attention"
                for i in range(n_layers)]
        if not pattern or types != want:
            raise ValueError("gemma3 layer_types is not a repeating local/global pattern")
    else:
        pattern = int(c.get("sliding_window_pattern", 6))
    return int(c["sliding_window"]), pattern


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
    gemma = arch == "gemma3"
    act = c.get("hidden_activation") or c.get("hidden_act") or ("gelu_pytorch_tanh" if gemma else "silu")
    want = "gelu_pytorch_tanh" if gemma else "silu"
    if act != want:
        raise ValueError(f"unsupported hidden activation {act} for {arch} (need {want})")
    for k in ("attn_logit_softcapping", "final_logit_softcapping"):
        if c.get(k) is not None:
            raise ValueError(f"{k} is not supported")
    if c.get("mlp_bias"):
        raise ValueError("mlp_bias=true is not supported")
    if arch != "qwen2" and c.get("attention_bias"):
        raise ValueError(f"attention_bias=true on a {arch} model is not supported")
    if c.get("use_sliding_window") and not gemma:
        raise ValueError("sliding-window attention is not supported")
    n_heads = c["num_attention_heads"]
    dim = c["hidden_size"]
    head_dim = c.get("head_dim") or dim // n_heads
    n_layers = c["num_hidden_layers"]
    theta, scaling = _rope_spec(c)
    freq_scale, divisors = _rope_scaling(arch, theta, head_dim, scaling)
    window, pattern = _gemma3_layers(c, n_layers) if gemma else (0, 0)
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
        "n_layers": n_layers,
        "n_heads": n_heads,
        "n_kv_heads": c.get("num_key_value_heads") or n_heads,
        "head_dim": head_dim,
        "vocab_size": c["vocab_size"],
        "context_length": c.get("max_position_embeddings", 2048),
        "rope_theta": theta,
        "rms_eps": float(c.get("rms_norm_eps", 1e-6)),
        # Llama: permute Q/K to interleaved pairs (what llama2.c and GGUF llama use); the
        # others stay half-split, as in their GGUFs (the engine implements both pairings).
        "rope_pairing": 0 if arch == "llama" else 1,
        "tied": bool(c.get("tie_word_embeddings", arch in ("qwen2", "gemma3"))),
        "qkv_bias": arch == "qwen2",
        "qk_norm": arch in ("qwen3", "gemma3"),
        "post_norms": gemma,
        "scale_embeddings": gemma,
        "ffn_activation": GELU_TANH if gemma else SILU,
        # Gemma: q scaled by query_pre_attn_scalar^-1/2 (0 = the usual 1/sqrt(head_dim)).
        "attn_scale": float(c.get("query_pre_attn_scalar", head_dim)) ** -0.5 if gemma else 0.0,
        "rope_freq_scale": freq_scale,
        "rope_freqs": divisors,
        "sliding_window": window,
        "sliding_pattern": pattern,
        "rope_theta_local": float(c.get("rope_local_base_freq", 10000.0)) if gemma else 0.0,
        # Gemma's RMSNorm multiplies by (1 + w): stored as GGUF does, with the 1 added.
        "norm_shift": 1.0 if gemma else 0.0,
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
    hs = cfg["head_dim"]
    out = [("token_embd.weight", dtype, V, D)]
    if cfg.get("rope_freqs"):
        out.append(("rope_freqs.weight", quant.F32, 1, hs // 2))
    for i in range(cfg["n_layers"]):
        b = f"blk.{i}."
        out.append((b + "attn_norm.weight", quant.F32, 1, D))
        out.append((b + "attn_q.weight", dtype, q, D))
        out.append((b + "attn_k.weight", dtype, kv, D))
        out.append((b + "attn_v.weight", dtype, kv, D))
        if cfg["qkv_bias"]:
            out += [(b + "attn_q.bias", quant.F32, 1, q), (b + "attn_k.bias", quant.F32, 1, kv),
                    (b + "attn_v.bias", quant.F32, 1, kv)]
        if cfg.get("qk_norm"):
            out += [(b + "attn_q_norm.weight", quant.F32, 1, hs),
                    (b + "attn_k_norm.weight", quant.F32, 1, hs)]
        out.append((b + "attn_output.weight", dtype, D, q))
        if cfg.get("post_norms"):
            out.append((b + "post_attention_norm.weight", quant.F32, 1, D))
        out.append((b + "ffn_norm.weight", quant.F32, 1, D))
        out.append((b + "ffn_gate.weight", dtype, F, D))
        out.append((b + "ffn_up.weight", dtype, F, D))
        out.append((b + "ffn_down.weight", dtype, D, F))
        if cfg.get("post_norms"):
            out.append((b + "post_ffw_norm.weight", quant.F32, 1, D))
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

    def norm(name, n):
        return get(name, 1, n) + np.float32(cfg.get("norm_shift", 0.0))

    D, F, V, hs = cfg["dim"], cfg["hidden_dim"], cfg["vocab_size"], cfg["head_dim"]
    q, kv = H * hs, KV * hs
    post = cfg.get("post_norms")
    yield "token_embd.weight", get("model.embed_tokens.weight", V, D)
    if cfg.get("rope_freqs"):
        yield "rope_freqs.weight", np.asarray(cfg["rope_freqs"], dtype=np.float32).reshape(1, -1)
    for i in range(cfg["n_layers"]):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        yield b + "attn_norm.weight", norm(p + "input_layernorm.weight", D)
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
        if cfg.get("qk_norm"):
            yield b + "attn_q_norm.weight", norm(p + "self_attn.q_norm.weight", hs)
            yield b + "attn_k_norm.weight", norm(p + "self_attn.k_norm.weight", hs)
        yield b + "attn_output.weight", get(p + "self_attn.o_proj.weight", D, q)
        if post:  # Gemma3: post_attention_layernorm is the norm *after* attention
            yield b + "post_attention_norm.weight", norm(p + "post_attention_layernorm.weight", D)
            yield b + "ffn_norm.weight", norm(p + "pre_feedforward_layernorm.weight", D)
        else:
            yield b + "ffn_norm.weight", norm(p + "post_attention_layernorm.weight", D)
        yield b + "ffn_gate.weight", get(p + "mlp.gate_proj.weight", F, D)
        yield b + "ffn_up.weight", get(p + "mlp.up_proj.weight", F, D)
        yield b + "ffn_down.weight", get(p + "mlp.down_proj.weight", D, F)
        if post:
            yield b + "post_ffw_norm.weight", norm(p + "post_feedforward_layernorm.weight", D)
    yield "output_norm.weight", norm("model.norm.weight", D)
    if not cfg["tied"]:
        yield "output.weight", get("lm_head.weight", V, D)


def load(model_dir):
    cfg = read_config(model_dir)
    ckpt = Checkpoint(model_dir)
    if not cfg["tied"] and not ckpt.has("lm_head.weight"):
        raise ValueError("tie_word_embeddings is false but the checkpoint has no lm_head.weight")
    return cfg, ckpt
