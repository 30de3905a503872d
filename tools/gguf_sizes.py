#!/usr/bin/python3
"""Size arithmetic for the README's "which GGUF fits which Pi 4" table (no measurements):
weight bytes per quantization from each model's published dimensions (docs/formats.md §8),
using llama-quantize's Q4_K_M type choice (§6.9), plus InferPi's KV cache (f16 by default: 2 bytes per element; --kv-bytes 4 for f32).

    /usr/bin/python3 tools/gguf_sizes.py [--context 2048]
"""
import argparse

BYTES = {"f32": 4.0, "f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32, "q5_0": 22 / 32,
         "q4_K": 144 / 256, "q6_K": 210 / 256}
# name: (D, F, L, H, KV, V, tied)   head_dim = D / H
MODELS = {
    "SmolLM2-135M-Instruct": (576, 1536, 30, 9, 3, 49152, True),
    "SmolLM2-360M-Instruct": (960, 2560, 32, 15, 5, 49152, True),
    "Qwen2.5-0.5B-Instruct": (896, 4864, 24, 14, 2, 151936, True),
    "TinyLlama-1.1B-Chat-v1.0": (2048, 5632, 22, 32, 4, 32000, False),
}


def q4_k_m(kind, layer, n_layers, cols):
    """Type llama-quantize picks for Q4_K_M (docs/formats.md §6.9), with its fallbacks."""
    more = layer is not None and (layer < n_layers // 8 or layer >= 7 * n_layers // 8 or
                                  (layer - n_layers // 8) % 3 == 2)
    if kind == "output":
        return "q6_K" if cols % 256 == 0 else "q8_0"
    t = "q6_K" if kind in ("attn_v", "ffn_down") and more else "q4_K"
    if cols % 256:
        t = {"q4_K": "q5_0", "q6_K": "q8_0"}[t]
    return t


def tensors(D, F, L, H, KV, V, tied):
    hs = D // H
    yield "output" if tied else "embd", None, V, D
    if not tied:
        yield "output", None, V, D
    for i in range(L):
        for kind, rows, cols in (("attn_q", H * hs, D), ("attn_k", KV * hs, D),
                                 ("attn_v", KV * hs, D), ("attn_o", D, H * hs),
                                 ("ffn_gate", F, D), ("ffn_up", F, D), ("ffn_down", D, F)):
            yield kind, i, rows, cols


def weight_bytes(m, scheme):
    D, F, L, H, KV, V, tied = m
    total = 0.0
    for kind, layer, rows, cols in tensors(*m):
        t = q4_k_m(kind, layer, L, cols) if scheme == "Q4_K_M" else scheme.lower()
        total += rows * cols * BYTES[t]
    total += (2 * L + 1) * D * 4  # norms stay f32
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--context", type=int, default=2048)
    ap.add_argument("--kv-bytes", type=int, choices=(2, 4), default=2, help="2 = f16, 4 = f32")
    args = ap.parse_args()
    gib = 1024 ** 3
    kv_name = {2: "f16", 4: "f32"}[args.kv_bytes]
    print(f"| model | Q4_K_M | Q8_0 | F16 | KV cache ({kv_name}, {args.context} tokens) |")
    print("|---|---|---|---|---|")
    for name, m in MODELS.items():
        D, F, L, H, KV, V, tied = m
        kv = 2 * L * args.context * KV * (D // H) * args.kv_bytes
        cells = [f"{weight_bytes(m, s) / gib:.2f} GiB" for s in ("Q4_K_M", "Q8_0", "F16")]
        print(f"| {name} | " + " | ".join(cells) + f" | {kv / gib:.2f} GiB |")


if __name__ == "__main__":
    main()
