"""Independent numpy reference of the HuggingFace Llama / Qwen2 forward pass.

Written from the HF modeling definition (transformers LlamaModel / Qwen2Model): it reads
the HF safetensors directly (no Q/K permutation: HF's own rotate_half RoPE), computes in
float64, recomputes the whole sequence for every step (no KV cache). Used by the parity
tests to check the C++ engine's logits and greedy continuations.
"""
import json
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
        self.ckpt = Checkpoint(model_dir)
        self.H = c["num_attention_heads"]
        self.KV = c.get("num_key_value_heads") or self.H
        self.D = c["hidden_size"]
        self.hs = c.get("head_dim") or self.D // self.H
        self.eps = c.get("rms_norm_eps", 1e-6)
        params = c.get("rope_parameters") or {}
        self.theta = c.get("rope_theta", params.get("rope_theta", 10000.0))
        self.L = c["num_hidden_layers"]
        self.tied = c.get("tie_word_embeddings", False)
        self.bias = self.arch == "Qwen2ForCausalLM" or c.get("attention_bias", False)
        self.w = {}

    def get(self, name):
        if name not in self.w:
            self.w[name] = self.ckpt.get(name).astype(np.float64)
        return self.w[name]

    def rmsnorm(self, x, weight):
        # LlamaRMSNorm: x * rsqrt(mean(x^2) + eps), then * weight
        var = np.mean(x * x, axis=-1, keepdims=True)
        return weight * (x / np.sqrt(var + self.eps))

    def rope(self, x, positions):
        # LlamaRotaryEmbedding (default): inv_freq = 1 / theta^(2i/hs); emb = cat(freqs, freqs)
        inv_freq = 1.0 / (self.theta ** (np.arange(0, self.hs, 2, dtype=np.float64) / self.hs))
        freqs = positions[:, None].astype(np.float64) * inv_freq[None, :]
        emb = np.concatenate([freqs, freqs], axis=-1)
        cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
        half = self.hs // 2
        rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)  # rotate_half
        return x * cos + rotated * sin

    def forward(self, ids):
        """Logits [T, V] for the token ids (positions 0..T-1), float64."""
        T = len(ids)
        h = self.get("model.embed_tokens.weight")[np.asarray(ids)]
        pos = np.arange(T)
        mask = np.triu(np.full((T, T), -np.inf), k=1)
        for i in range(self.L):
            p = f"model.layers.{i}."
            x = self.rmsnorm(h, self.get(p + "input_layernorm.weight"))
            q = x @ self.get(p + "self_attn.q_proj.weight").T
            k = x @ self.get(p + "self_attn.k_proj.weight").T
            v = x @ self.get(p + "self_attn.v_proj.weight").T
            if self.bias:
                q = q + self.get(p + "self_attn.q_proj.bias")
                k = k + self.get(p + "self_attn.k_proj.bias")
                v = v + self.get(p + "self_attn.v_proj.bias")
            q = self.rope(q.reshape(T, self.H, self.hs), pos)
            k = self.rope(k.reshape(T, self.KV, self.hs), pos)
            v = v.reshape(T, self.KV, self.hs)
            rep = self.H // self.KV  # repeat_kv
            k = np.repeat(k, rep, axis=1)
            v = np.repeat(v, rep, axis=1)
            scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(self.hs) + mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            att = np.einsum("hts,shd->thd", scores, v).reshape(T, self.H * self.hs)
            h = h + att @ self.get(p + "self_attn.o_proj.weight").T
            x = self.rmsnorm(h, self.get(p + "post_attention_layernorm.weight"))
            gate = x @ self.get(p + "mlp.gate_proj.weight").T
            up = x @ self.get(p + "mlp.up_proj.weight").T
            act = gate / (1.0 + np.exp(-gate)) * up  # SiLU(gate) * up
            h = h + act @ self.get(p + "mlp.down_proj.weight").T
        h = self.rmsnorm(h, self.get("model.norm.weight"))
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
