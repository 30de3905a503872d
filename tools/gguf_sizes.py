#!/usr/bin/python3
"""Size arithmetic for the README's "which GGUF fits which Pi 4" tables (no measurements):
weight bytes per quantization from each model's published dimensions (docs/formats.md §8),
using llama-quantize's Q4_K_M type choice (§6.9), plus InferPi's KV cache (f16 by default: 2 bytes per element; --kv-bytes 4 for f32).

    /usr/bin/python3 tools/gguf_sizes.py [--context 2048]     weights and KV per model
    /usr/bin/python3 tools/gguf_sizes.py --fit                context each Pi 4 gets

--fit applies the engine's rule (engines/llama/llama_engine.cpp, choose_context): the model's
own context, or the largest multiple of 256 tokens whose KV cache fits in the model window
left after the weights (docs/boot.md: 920 / 1944 / 3928 / 8024 MiB on the 1/2/4/8 GB boards)
and an allowance for activations, the vocabulary tables and the chat session.
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
# Issue 14's families (config.json of each): (D, F, L, H, KV, V, tied, head_dim, context).
FAMILIES = {
    "Llama-3.2-1B-Instruct": (2048, 8192, 16, 32, 8, 128256, True, 64, 131072),
    "Llama-3.2-3B-Instruct": (3072, 8192, 28, 24, 8, 128256, True, 128, 131072),
    "Qwen3-0.6B": (1024, 3072, 28, 16, 8, 151936, True, 128, 40960),
    "Qwen3-1.7B": (2048, 6144, 28, 16, 8, 151936, True, 128, 40960),
    "Qwen3-4B": (2560, 9728, 36, 32, 8, 151936, True, 128, 40960),
    "gemma-3-270m-it": (640, 2048, 18, 4, 1, 262144, True, 256, 32768),
    "gemma-3-1b-it": (1152, 6912, 26, 4, 1, 262144, True, 256, 32768),
}
WINDOW_MIB = {"1 GB": 920, "2 GB": 1944, "4 GB": 3928, "8 GB": 8024}


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


def tensors(D, F, L, H, KV, V, tied, hs=None):
    hs = hs or D // H
    yield "output" if tied else "embd", None, V, D
    if not tied:
        yield "output", None, V, D
    for i in range(L):
        for kind, rows, cols in (("attn_q", H * hs, D), ("attn_k", KV * hs, D),
                                 ("attn_v", KV * hs, D), ("attn_o", D, H * hs),
                                 ("ffn_gate", F, D), ("ffn_up", F, D), ("ffn_down", D, F)):
            yield kind, i, rows, cols


def weight_bytes(m, scheme):
    D, F, L, H, KV, V, tied = m[:7]
    total = 0.0
    for kind, layer, rows, cols in tensors(*m[:8]):
        t = q4_k_m(kind, layer, L, cols) if scheme == "Q4_K_M" else scheme.lower()
        total += rows * cols * BYTES[t]
    total += (2 * L + 1) * D * 4  # norms stay f32
    return total


def fitted_context(m, weights, window_mib, kv_bytes=2):
    """The context the Llama engine picks (0 = not even 256 tokens fit)."""
    D, F, L, H, KV, V, tied, hs, ctx = m
    per_position = 2 * L * KV * hs * kv_bytes + 4 * 4 + 8  # KV cache, attention scores, token arrays
    fixed = (4 * (64 * (2 * D + 2 * H * hs + 2 * KV * hs + 2 * F + hs) + V) + 4 * V * 8 + 2 ** 20
             + V * 48 + 2 ** 20)  # + the vocabulary tables (ids, texts, hash) and 1 MiB slack
    free = window_mib * 2 ** 20 - weights - 30 * 2 ** 20  # minus the kernel's own ~30 MB
    if free <= fixed:
        return 0
    fit = int((free - fixed) // per_position)
    if fit >= ctx:
        return ctx
    fit = fit // 256 * 256
    return fit if fit >= 256 else 0


def fit_table(kv_bytes=2):
    gib = 1024 ** 3
    print("| model | quant | weights | KV / 1k tokens | " + " | ".join(
        f"Pi 4 {b}" for b in WINDOW_MIB) + " |")
    print("|---|---|---|---|" + "---|" * len(WINDOW_MIB))
    for name, m in FAMILIES.items():
        D, F, L, H, KV, V, tied, hs, ctx = m
        kv_k = 2 * L * KV * hs * kv_bytes * 1024
        for scheme in ("Q4_K_M", "Q8_0", "F16"):
            w = weight_bytes(m, scheme)
            cells = []
            for mib in WINDOW_MIB.values():
                n = fitted_context(m, w, mib, kv_bytes)
                cells.append("—" if n == 0 else f"{n:,}{' (all)' if n == ctx else ''}")
            print(f"| {name} | {scheme} | {w / gib:.2f} GiB | {kv_k / 2 ** 20:.0f} MiB | "
                  + " | ".join(cells) + " |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--context", type=int, default=2048)
    ap.add_argument("--kv-bytes", type=int, choices=(2, 4), default=2, help="2 = f16, 4 = f32")
    ap.add_argument("--fit", action="store_true", help="the context each Pi 4 gets (issue 14 families)")
    args = ap.parse_args()
    if args.fit:
        fit_table(args.kv_bytes)
        return
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
