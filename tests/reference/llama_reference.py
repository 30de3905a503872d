"""Independent numpy reference of the HuggingFace Llama / Qwen2 / Qwen3 / Gemma3 forward pass.

Written from the HF modeling definitions (transformers LlamaModel incl. the Llama 3 and linear
RoPE scalings of modeling_rope_utils, Qwen2Model, Qwen3Model, Gemma3TextModel): it reads the
HF safetensors directly (no Q/K permutation: HF's own rotate_half RoPE, no +1 folded into
Gemma's norms), computes in float64, recomputes the whole sequence for every step (no KV
cache). Used by the parity tests to check the C++ engine's logits and greedy continuations.
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from pylib.safetensors_reader import Checkpoint  # noqa: E402


class HFModel:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "config.json")) as f:
            c = json.load(f)
        self.c = c
        self.arch = c["architectures"][0]
        self.gemma = self.arch == "Gemma3ForCausalLM"
        self.ckpt = Checkpoint(model_dir)
        self.H = c["num_attention_heads"]
        self.KV = c.get("num_key_value_heads") or self.H
        self.D = c["hidden_size"]
        self.hs = c.get("head_dim") or self.D // self.H
        self.eps = c.get("rms_norm_eps", 1e-6)
        params = c.get("rope_parameters") or {}
        self.theta = c.get("rope_theta", params.get("rope_theta", 10000.0))
        self.scaling = None
        for spec in (c.get("rope_scaling") or {}, params):
            kind = spec.get("rope_type", spec.get("type", "default"))
            if kind not in (None, "default"):
                self.scaling = dict(spec, rope_type=kind)
        self.L = c["num_hidden_layers"]
        self.tied = c.get("tie_word_embeddings", self.arch in ("Qwen2ForCausalLM", "Gemma3ForCausalLM"))
        self.bias = self.arch == "Qwen2ForCausalLM" or c.get("attention_bias", False)
        self.qk_norm = self.arch in ("Qwen3ForCausalLM", "Gemma3ForCausalLM")
        self.scale = c.get("query_pre_attn_scalar", self.hs) ** -0.5 if self.gemma else self.hs ** -0.5
        if self.gemma:
            types = c.get("layer_types") or [
                "full_attention" if (i + 1) % c.get("sliding_window_pattern", 6) == 0
                else "sliding_attention" for i in range(self.L)]
            self.local = [t == "sliding_attention" for t in types]
            self.window = c["sliding_window"]
            self.theta_local = c.get("rope_local_base_freq", 10000.0)
        else:
            self.local = [False] * self.L
        self.w = {}

    def get(self, name):
        if name not in self.w:
            self.w[name] = self.ckpt.get(name).astype(np.float64)
        return self.w[name]

    def rmsnorm(self, x, name):
        # LlamaRMSNorm: x * rsqrt(mean(x^2) + eps) * weight; Gemma3RMSNorm: * (1 + weight)
        weight = self.get(name) + (1.0 if self.gemma else 0.0)
        var = np.mean(x * x, axis=-1, keepdims=True)
        return weight * (x / np.sqrt(var + self.eps))

    def inv_freq(self, local):
        theta = self.theta_local if local else self.theta
        inv = 1.0 / (theta ** (np.arange(0, self.hs, 2, dtype=np.float64) / self.hs))
        s = None if local else self.scaling
        if s and s["rope_type"] == "linear":
            inv = inv / s["factor"]
        elif s and s["rope_type"] == "llama3":  # _compute_llama3_parameters
            factor, lo, hi = s["factor"], s["low_freq_factor"], s["high_freq_factor"]
            old = s["original_max_position_embeddings"]
            wavelen = 2 * math.pi / inv
            scaled = np.where(wavelen > old / lo, inv / factor, inv)
            smooth = (old / wavelen - lo) / (hi - lo)
            smoothed = (1 - smooth) * scaled / factor + smooth * scaled
            medium = ~(wavelen < old / hi) & ~(wavelen > old / lo)
            inv = np.where(medium, smoothed, scaled)
        elif s:
            raise ValueError(f"reference has no rope type {s['rope_type']}")
        return inv

    def rope(self, x, positions, local):
        # LlamaRotaryEmbedding: emb = cat(freqs, freqs); x * cos + rotate_half(x) * sin
        freqs = positions[:, None].astype(np.float64) * self.inv_freq(local)[None, :]
        emb = np.concatenate([freqs, freqs], axis=-1)
        cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
        half = self.hs // 2
        rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)  # rotate_half
        return x * cos + rotated * sin

    def forward(self, ids):
        """Logits [T, V] for the token ids (positions 0..T-1), float64."""
        T = len(ids)
        h = self.get("model.embed_tokens.weight")[np.asarray(ids)]
        if self.gemma:
            h = h * math.sqrt(self.D)  # Gemma3TextScaledWordEmbedding
        pos = np.arange(T)
        causal = np.triu(np.full((T, T), -np.inf), k=1)
        for i in range(self.L):
            p = f"model.layers.{i}."
            mask = causal
            if self.local[i]:  # sliding window: key j visible from query t when t - j < window
                mask = causal + np.where(pos[:, None] - pos[None, :] >= self.window, -np.inf, 0.0)
            x = self.rmsnorm(h, p + "input_layernorm.weight")
            q = x @ self.get(p + "self_attn.q_proj.weight").T
            k = x @ self.get(p + "self_attn.k_proj.weight").T
            v = x @ self.get(p + "self_attn.v_proj.weight").T
            if self.bias:
                q = q + self.get(p + "self_attn.q_proj.bias")
                k = k + self.get(p + "self_attn.k_proj.bias")
                v = v + self.get(p + "self_attn.v_proj.bias")
            q = q.reshape(T, self.H, self.hs)
            k = k.reshape(T, self.KV, self.hs)
            if self.qk_norm:
                q = self.rmsnorm(q, p + "self_attn.q_norm.weight")
                k = self.rmsnorm(k, p + "self_attn.k_norm.weight")
            q = self.rope(q, pos, self.local[i])
            k = self.rope(k, pos, self.local[i])
            v = v.reshape(T, self.KV, self.hs)
            rep = self.H // self.KV  # repeat_kv
            k = np.repeat(k, rep, axis=1)
            v = np.repeat(v, rep, axis=1)
            scores = np.einsum("thd,shd->hts", q, k) * self.scale + mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            att = np.einsum("hts,shd->thd", scores, v).reshape(T, self.H * self.hs)
            att = att @ self.get(p + "self_attn.o_proj.weight").T
            if self.gemma:
                att = self.rmsnorm(att, p + "post_attention_layernorm.weight")
                x = self.rmsnorm(h + att, p + "pre_feedforward_layernorm.weight")
            else:
                x = self.rmsnorm(h + att, p + "post_attention_layernorm.weight")
            h = h + att
            gate = x @ self.get(p + "mlp.gate_proj.weight").T
            up = x @ self.get(p + "mlp.up_proj.weight").T
            if self.gemma:  # gelu_pytorch_tanh
                act = 0.5 * gate * (1 + np.tanh(math.sqrt(2 / math.pi) * (gate + 0.044715 * gate ** 3)))
            else:
                act = gate / (1.0 + np.exp(-gate))  # SiLU
            out = (act * up) @ self.get(p + "mlp.down_proj.weight").T
            if self.gemma:
                out = self.rmsnorm(out, p + "post_feedforward_layernorm.weight")
            h = h + out
        h = self.rmsnorm(h, "model.norm.weight")
        head = self.get("model.embed_tokens.weight" if self.tied else "lm_head.weight")
        return h @ head.T

    def greedy(self, ids, n):
        ids = list(ids)
        out = []
        for _ in range(n):
            nxt = int(np.argmax(self.forward(ids)[-1]))
            out.append(nxt)
            ids.append(nxt)
        return out
