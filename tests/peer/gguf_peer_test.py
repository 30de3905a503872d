#!/usr/bin/python3
"""llama.cpp (node-llama-cpp 3.21.1, prebuilt) vs InferPi on GGUF files our exporter writes.

    gguf_peer_test.py INFERPI_BIN SOURCE_DIR SHARED_DIR WORK_DIR

Models: ../shared/models/demo-llama exported as f16/q8_0/q4_0/q4_k_m (skipped when ../shared is
absent), small random llama and qwen2 models (q/k/v biases, NeoX RoPE) generated here as f16
and q8_0, and a random llama whose tensors mix Q4_1/Q5_0/Q5_1/Q4_K/Q5_K/Q6_K blocks (the
types llama-quantize writes and we only read). Checks per model (issue #8):
  - tokenization of tricky strings identical (no BOS, specials not parsed);
  - greedy continuation of 32 tokens identical for f16; for quantized files the first 8
    identical and the top-1 token agreeing at >= 95% of positions over a 256-token text.
Prints "SKIP: <reason>" and exits 0 when the peer cannot run (CTest marks it skipped).
"""
import os
import subprocess
import sys

import numpy as np

# Also imported as a library (tests/peer/family_models.py): then argv may carry no paths.
INFERPI, SRC, SHARED, WORK = (sys.argv[1:5] + [""] * 4)[:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from pylib import gguf_writer as gw, quant, random_models  # noqa: E402
from peer_checks import (PROMPT, check, configure, finish, heldout_text, node, ours,  # noqa: E402
                         our_tokens, require_llama_cpp, require_node)

configure(INFERPI, WORK)
TRICKY = ["Hello world", " leading space", "two  spaces and trailing ", "tabs\tand\nnew\nlines\n\n",
          "héllo wörld ½ 日本語 🤖", "numbers 1234567890 3.14159", "punct!?.,;:'\"()[]{}<>",
          "<s> and </s> stay text", "\u2581already\u2581marked", "a", "The LORD said unto Moses,",
          "\u00a0no-break\u00a0space", "x" * 40]
# A greedy split or a top-1 difference where our two candidates' logits are closer than
# TIE × (std of the logits at that position) is a rounding tie (quantized files only: the two
# implementations round activations and accumulate in different orders, which moves logits
# by about 1% of their spread).
TIE = 0.03


def our_logits(model_dir, ids, vocab):
    out = os.path.join(WORK, "logits.bin")
    ours("logits", model_dir, "--ids", ",".join(map(str, ids)), "--out", out)
    return np.fromfile(out, dtype=np.float32).reshape(len(ids), vocab)


def tie_share(row, ours_id, theirs_id):
    """How far apart our logits put our pick and llama.cpp's, as a share of their std: a
    split at <= TIE is a near-tie that rounding decides."""
    return float(row[ours_id] - row[theirs_id]) / float(row.std())


def check_top1(label, model_dir, ids, vocab, theirs, quantized):
    """Top-1 agreement with llama.cpp after every position: >= 95 %. For quantized files a
    position where the two argmaxes differ but our logits for both are within TIE x std (a
    near-tie that rounding decides, as for greedy) counts as agreeing; the raw agreement
    must still be >= 90 %, so a real error cannot hide behind ties."""
    logits = our_logits(model_dir, ids, vocab)
    top, theirs = logits.argmax(axis=1), np.array(theirs)
    raw = float(np.mean(top == theirs))
    ties = 0
    if quantized:
        for i in np.nonzero(top != theirs)[0]:
            if theirs[i] >= 0 and tie_share(logits[i], top[i], theirs[i]) <= TIE:
                ties += 1
    agree = raw + ties / len(ids)
    ok = agree >= 0.95 and raw >= 0.90
    detail = f"top-1 agreement {raw:.1%} over {len(ids)} positions"
    if quantized:
        detail += f", {agree:.1%} with {ties} near-tie(s) (need 95 %, raw >= 90 %)"
    else:
        detail += " (need 95%)"
    check(f"{label} top-1", ok, detail)


def compare(label, model_dir, quantized, vocab, text_ids):
    gguf = os.path.join(model_dir, "model.gguf")
    bos = 1
    prompt_ids = [bos] + our_tokens(model_dir, PROMPT)
    req = {"model": gguf, "tokenize": TRICKY, "greedy": {"tokens": prompt_ids, "n": 32},
           "top1": {"tokens": text_ids}}
    p = node("llama_peer.mjs", req)
    for text, theirs in zip(TRICKY, p["tokens"]):
        mine = our_tokens(model_dir, text)
        check(f"{label} tokenize {text[:24]!r}", mine == theirs,
              "identical" if mine == theirs else f"ours {mine} llama.cpp {theirs}")
    mine = [int(t) for t in ours("generate", model_dir, "--ids", ",".join(map(str, prompt_ids)),
                                 "--max-tokens", "32").split()]
    n_same = next((i for i, (a, b) in enumerate(zip(mine, p["greedy"])) if a != b), 32)
    need = 8 if quantized else 32
    detail = f"first {n_same}/32 greedy tokens identical (need {need})"
    ok = n_same >= need
    if not ok and quantized:
        # The two implementations round activations and sum in different orders. Where both
        # continuations split at a near-tie of our own logits, that is rounding, not a bug.
        last = our_logits(model_dir, prompt_ids + mine[:n_same], vocab)[-1]
        share = tie_share(last, mine[n_same], p["greedy"][n_same])
        ok = share <= TIE
        detail += (f"; token {n_same}: ours {mine[n_same]} vs llama.cpp {p['greedy'][n_same]}, "
                   f"our logits differ by {share:.2%} of their std {float(last.std()):.2f} "
                   f"({'near-tie' if ok else 'NOT a tie'}, tolerance {TIE:.0%})")
    check(f"{label} greedy", ok, detail)
    check_top1(label, model_dir, text_ids, vocab, p["top1"], quantized)


# ---- random models ------------------------------------------------------------------------

def synthetic_bpe_vocab(n_merges=300):
    """Byte-level BPE trained here on a little text: 256 byte tokens (GPT-2 alphabet), merged
    tokens in rank order, then ChatML specials (control)."""
    text = (PROMPT + " And God said, Let there be light: and there was light. And God saw the "
            "light, that it was good: 1234 5678 90. The LORD is my shepherd; I shall not want. "
            "Hello world, héllo wörld! ") * 3
    tokens, merges = random_models.train_bpe(text, n_merges, r" ?[^\W\d_]+| ?\d| ?[^\s\w]+|\s+")
    types = [gw.NORMAL] * len(tokens)
    tokens += ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    types += [gw.CONTROL] * 3
    return tokens, types, merges


def random_model(arch, dtype, path, bpe_pre=None):
    rng = np.random.default_rng(1 if arch == "llama" else 2)
    if bpe_pre:
        tokens, ttypes, merges = synthetic_bpe_vocab()
        V = len(tokens)
    else:
        pieces, scores, types = random_models.synthetic_spm_vocab()
        V = len(pieces)
    D, F, L, H, KV = 64, 192, 2, 4, 2
    hs = D // H
    cfg = {"arch": arch, "dim": D, "hidden_dim": F, "n_layers": L, "n_heads": H,
           "n_kv_heads": KV, "head_dim": hs, "vocab_size": V, "context_length": 512,
           "rope_theta": 10000.0 if arch == "llama" else 1e6,
           "rms_eps": 1e-5 if arch == "llama" else 1e-6}
    qkv_bias = arch == "qwen2"
    tied = arch == "qwen2"
    plan = [("token_embd.weight", dtype, V, D)]
    for i in range(L):
        b = f"blk.{i}."
        plan += [(b + "attn_norm.weight", quant.F32, 1, D), (b + "attn_q.weight", dtype, H * hs, D),
                 (b + "attn_k.weight", dtype, KV * hs, D), (b + "attn_v.weight", dtype, KV * hs, D)]
        if qkv_bias:
            plan += [(b + "attn_q.bias", quant.F32, 1, H * hs), (b + "attn_k.bias", quant.F32, 1, KV * hs),
                     (b + "attn_v.bias", quant.F32, 1, KV * hs)]
        plan += [(b + "attn_output.weight", dtype, D, H * hs), (b + "ffn_norm.weight", quant.F32, 1, D),
                 (b + "ffn_gate.weight", dtype, F, D), (b + "ffn_up.weight", dtype, F, D),
                 (b + "ffn_down.weight", dtype, D, F)]
    plan.append(("output_norm.weight", quant.F32, 1, D))
    if not tied:
        plan.append(("output.weight", dtype, V, D))

    def tensors():
        for name, _, rows, cols in plan:
            if name.endswith("norm.weight"):
                yield name, 1.0 + 0.1 * rng.standard_normal((rows, cols))
            elif name.endswith(".bias"):
                yield name, 0.3 * rng.standard_normal((rows, cols))
            elif name == "token_embd.weight" or name == "output.weight":
                yield name, 0.6 * rng.standard_normal((rows, cols))
            else:
                yield name, rng.standard_normal((rows, cols)) / np.sqrt(cols)

    def vocab(w):
        if bpe_pre:
            gw.bpe_vocab_metadata(w, tokens, ttypes, merges, bpe_pre, eos=V - 3, eot=V - 1)
        else:
            gw.spm_vocab_metadata(w, pieces, scores, types, 1, 2, 0, add_bos=True)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    gw.write_model(path, cfg, plan, tensors(), vocab, None, f"random-{arch}")
    return V


def random_kquant_model(path):
    """llama arch, every tensor type InferPi reads from llama.cpp's quantizers but cannot
    write itself (Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K), mixed per tensor like a Q4_K_M file."""
    rng = np.random.default_rng(3)
    pieces, scores, types = random_models.synthetic_spm_vocab()
    V, D, F, L, H, KV = len(pieces), 256, 512, 2, 4, 2
    hs = D // H
    w = gw.GGUFWriter()
    for k, v, t in (("general.architecture", "llama", None), ("general.name", "random-kquant", None),
                    ("llama.context_length", 512, gw.U32), ("llama.embedding_length", D, gw.U32),
                    ("llama.block_count", L, gw.U32), ("llama.feed_forward_length", F, gw.U32),
                    ("llama.attention.head_count", H, gw.U32),
                    ("llama.attention.head_count_kv", KV, gw.U32),
                    ("llama.attention.layer_norm_rms_epsilon", 1e-5, gw.F32),
                    ("llama.rope.freq_base", 10000.0, gw.F32),
                    ("llama.rope.dimension_count", hs, gw.U32), ("llama.vocab_size", V, gw.U32),
                    ("general.file_type", 15, gw.U32), ("general.quantization_version", 2, gw.U32)):
        w.add(k, v, t)
    gw.spm_vocab_metadata(w, pieces, scores, types, 1, 2, 0, add_bos=True)

    def add(name, t, rows, cols, gain=1.0):
        if t in random_models.KBLOCK:
            w.add_tensor(name, random_models.random_blocks(rng, t, rows, cols, gain), t, ne=[cols, rows])
        else:
            w.add_tensor(name, 0.6 * rng.standard_normal((rows, cols)), t)
    add("token_embd.weight", 12, V, D)
    mixes = [{"q": 12, "k": 13, "v": 14, "o": 6, "gate": 3, "up": 7, "down": 14},
             {"q": 7, "k": 3, "v": 6, "o": 12, "gate": 13, "up": 14, "down": 12}]
    for i, m in enumerate(mixes):
        b = f"blk.{i}."
        w.add_tensor(b + "attn_norm.weight", 1 + 0.1 * rng.standard_normal(D), quant.F32)
        add(b + "attn_q.weight", m["q"], H * hs, D)
        add(b + "attn_k.weight", m["k"], KV * hs, D)
        add(b + "attn_v.weight", m["v"], KV * hs, D)
        add(b + "attn_output.weight", m["o"], D, H * hs)
        w.add_tensor(b + "ffn_norm.weight", 1 + 0.1 * rng.standard_normal(D), quant.F32)
        add(b + "ffn_gate.weight", m["gate"], F, D)
        add(b + "ffn_up.weight", m["up"], F, D)
        add(b + "ffn_down.weight", m["down"], D, F)
    w.add_tensor("output_norm.weight", np.ones(D), quant.F32)
    add("output.weight", 14, V, D, gain=8.0)  # decisive logits: few near-ties
    os.makedirs(os.path.dirname(path), exist_ok=True)
    w.write(path)
    return V


def main():
    require_node("node-llama-cpp")
    os.makedirs(WORK, exist_ok=True)
    models = []  # (label, dir, quantized, vocab)
    for arch in ("llama", "qwen2"):
        for dname in ("f16", "q8_0"):
            d = os.path.join(WORK, f"random-{arch}-{dname}")
            V = random_model(arch, quant.NAMES[dname], os.path.join(d, "model.gguf"))
            models.append((f"random-{arch} {dname}", d, dname != "f16", V))
    for arch, pre in (("qwen2", "qwen2"), ("llama", "smollm")):
        d = os.path.join(WORK, f"random-{arch}-bpe-{pre}")
        V = random_model(arch, quant.F16, os.path.join(d, "model.gguf"), bpe_pre=pre)
        models.append((f"random-{arch} gpt2/{pre} f16", d, False, V))
    d = os.path.join(WORK, "random-llama-kquant-mix")
    models.append(("random-llama kquant-mix", d, True,
                   random_kquant_model(os.path.join(d, "model.gguf"))))
    demo = os.path.join(SHARED, "models", "demo-llama")
    if os.path.isdir(demo):
        for dname in ("f16", "q8_0", "q4_0", "q4_k_m"):
            d = os.path.join(WORK, f"demo-llama-{dname}")
            subprocess.run([sys.executable, os.path.join(SRC, "tools", "export_llama.py"),
                            "--model_dir", demo, "--output_dir", d, "--dtype", dname,
                            "--format", "gguf"], check=True, capture_output=True)
            models.append((f"demo-llama {dname}", d, dname != "f16", 2048))
    else:
        print(f"note: {demo} absent: demo-llama peer checks skipped")
    require_llama_cpp(os.path.join(models[0][1], "model.gguf"))
    text = heldout_text(SHARED)
    for label, d, quantized, V in models:
        ids = ([1] + our_tokens(d, text))[:256]
        compare(label, d, quantized, V, ids)
    return finish("peer checks")


if __name__ == "__main__":
    sys.exit(main())
