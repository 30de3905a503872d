#!/usr/bin/python3
"""Llama engine end-to-end cases, run by CTest (tests/llama/CMakeLists.txt):

  llama_cases.py --inferpi BIN --work DIR --shared DIR CASE

Each case exports a model with tools/export_llama.py, runs the `inferpi` scriptable
commands and compares against tests/reference/llama_reference.py (numpy, float64, HF
definition). Exit 0 = pass, 77 = skipped (reference material absent), else fail.
"""
import json
import os
import shutil
import struct
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
from llama_reference import HFModel  # noqa: E402
from pylib import hf_llama, llama2c, random_models  # noqa: E402
from pylib.cli_cases import Fail, parse_args, run as run_case, skip  # noqa: E402
from pylib.safetensors_reader import Checkpoint  # noqa: E402

TOL = {"f32": 1e-4, "f16": 2e-2}
# The logits are compared with the f32 KV cache (`--kv f32`: the engine's arithmetic on exact
# attention inputs, which is what the tolerances above are for). The default f16 cache rounds
# every key and value to 11 significant bits; it is checked against a looser bound (measured
# on these models: 0.006-0.057) that still catches a broken cache (errors of order 1).
TOL_F16_KV = 0.1
# Exact greedy reply of demo-llama (exported f32) to "Recite Genesis 1:1", Alpaca template.
# (Not the verse itself: a 6-layer model trained briefly on KJV text; what matters is that
# it is deterministic and KJV-like English.)
GENESIS_REPLY = ("And he said unto him, Go, let us go, and we will go. "
                 "And he said unto him, Go, and tell us what we have done.")


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


# ---- tiny random HF models ----------------------------------------------------------------

def write_safetensors(path, tensors, dtype):
    np_dtype = {"F32": "<f4", "F16": "<f2"}[dtype]
    header, blobs, offset = {}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype=np_dtype).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def tiny_tokenizer_json(vocab_size):
    """A Llama-style (SentencePiece BPE, byte fallback) tokenizer.json with vocab_size ids."""
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = 3 + b
    merges = []
    for ch in "etaoinshrdlu":
        for piece in (ch, "\u2581" + ch):
            if piece not in vocab and len(vocab) < vocab_size:
                vocab[piece] = len(vocab)
    vocab.setdefault("\u2581", len(vocab))
    for ch in "etaoinshrdlu":
        merges.append(["\u2581", ch])
    while len(vocab) < vocab_size:
        vocab[f"<unused{len(vocab)}>"] = len(vocab)
    return {
        "version": "1.0",
        "added_tokens": [{"id": i, "content": t, "special": True} for i, t in enumerate(["<unk>", "<s>", "</s>"])],
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                                           {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "model": {"type": "BPE", "byte_fallback": True, "unk_token": "<unk>", "vocab": vocab, "merges": merges},
    }


RANDOM_MODELS = {
    # Llama with GQA (4 query heads on 2 KV heads), separate classifier, theta 1e4.
    "llama_gqa_untied": dict(arch="LlamaForCausalLM", D=64, F=160, L=2, H=4, KV=2, V=300,
                             theta=1e4, eps=1e-5, tied=False, seed=1),
    # Qwen2: q/k/v biases, tied embeddings, 4:1 GQA, theta 1e6, eps 1e-6.
    "qwen2_bias_tied": dict(arch="Qwen2ForCausalLM", D=64, F=128, L=2, H=4, KV=1, V=300,
                            theta=1e6, eps=1e-6, tied=True, seed=2),
    # Llama, multi-head (KV = H), tied, theta 1e5 (SmolLM2-like).
    "llama_mha_theta1e5": dict(arch="LlamaForCausalLM", D=48, F=96, L=3, H=3, KV=3, V=300,
                               theta=1e5, eps=1e-5, tied=True, seed=3),
    # Llama 3.2-like: theta 5e5 and Llama 3 RoPE scaling (rope_freqs divisors), with
    # original_max_position_embeddings small enough that all three wavelength bands occur.
    "llama3_ropescale": dict(arch="LlamaForCausalLM", D=64, F=160, L=2, H=4, KV=2, V=300,
                             theta=5e5, eps=1e-5, tied=True, seed=4,
                             rope_scaling={"rope_type": "llama3", "factor": 32.0,
                                           "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                           "original_max_position_embeddings": 64}),
    # Qwen3: per-head q/k RMSNorm, no biases, head_dim 32 != D/H (= 16), tied.
    "qwen3_qknorm": dict(arch="Qwen3ForCausalLM", D=64, F=128, L=2, H=4, KV=2, V=300,
                         theta=1e6, eps=1e-6, tied=True, seed=5, head_dim=32),
    # Gemma3: 6 layers (5 local with a 4-token window, 1 global), head_dim 32, GeGLU, sandwich
    # norms, q/k norms, sqrt(D) embeddings, linear RoPE scaling on the global layer.
    "gemma3_swa": dict(arch="Gemma3ForCausalLM", D=64, F=128, L=6, H=2, KV=1, V=300,
                       theta=1e6, eps=1e-6, tied=True, seed=6, head_dim=32, window=4,
                       rope_scaling={"rope_type": "linear", "factor": 8.0}),
}


def make_random_model(out_dir, spec, dtype):
    rng = np.random.default_rng(spec["seed"])
    D, F, L, H, KV, V = (spec[k] for k in ("D", "F", "L", "H", "KV", "V"))
    hs = spec.get("head_dim", D // H)
    qwen = spec["arch"] == "Qwen2ForCausalLM"
    qk_norm = spec["arch"] in ("Qwen3ForCausalLM", "Gemma3ForCausalLM")
    gemma = spec["arch"] == "Gemma3ForCausalLM"

    def mat(rows, cols):
        return rng.normal(0, 1 / np.sqrt(cols), (rows, cols)).astype(np.float32)

    t = {"model.embed_tokens.weight": rng.normal(0, 1, (V, D)).astype(np.float32),
         "model.norm.weight": (1 + 0.1 * rng.normal(size=D)).astype(np.float32)}
    if not spec["tied"]:
        t["lm_head.weight"] = mat(V, D) * 3
    for i in range(L):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = (1 + 0.1 * rng.normal(size=D)).astype(np.float32)
        t[p + "post_attention_layernorm.weight"] = (1 + 0.1 * rng.normal(size=D)).astype(np.float32)
        t[p + "self_attn.q_proj.weight"] = mat(H * hs, D) * 2
        t[p + "self_attn.k_proj.weight"] = mat(KV * hs, D) * 2
        t[p + "self_attn.v_proj.weight"] = mat(KV * hs, D)
        # Layers strong enough against the residual that (tied) greedy does not just repeat
        # the input token.
        t[p + "self_attn.o_proj.weight"] = mat(D, H * hs) * 2
        t[p + "mlp.gate_proj.weight"] = mat(F, D) * 2
        t[p + "mlp.up_proj.weight"] = mat(F, D) * 2
        t[p + "mlp.down_proj.weight"] = mat(D, F) * 2
        if qwen:
            for n, rows in (("q", H * hs), ("k", KV * hs), ("v", KV * hs)):
                t[p + f"self_attn.{n}_proj.bias"] = rng.normal(0, 0.5, rows).astype(np.float32)
        if qk_norm:
            for n in ("q_norm", "k_norm"):
                t[p + f"self_attn.{n}.weight"] = (1 + 0.2 * rng.normal(size=hs)).astype(np.float32)
        if gemma:  # Gemma's norms multiply by (1 + w): weights around 0; the norms after
            # attention and FFN give their outputs weight against the residual stream.
            for n, mean in (("input_layernorm", 0), ("post_attention_layernorm", 2),
                            ("pre_feedforward_layernorm", 0), ("post_feedforward_layernorm", 2)):
                t[p + n + ".weight"] = (mean + 0.1 * rng.normal(size=D)).astype(np.float32)
            for n in ("q_norm", "k_norm"):
                t[p + f"self_attn.{n}.weight"] = (0.2 * rng.normal(size=hs)).astype(np.float32)
    if gemma:
        # x (1 + 4): decisive logits from the unit-scale tied embeddings (few near-ties)
        t["model.norm.weight"] = (4 + 0.1 * rng.normal(size=D)).astype(np.float32)
        t["model.embed_tokens.weight"] /= np.sqrt(D)  # the model multiplies by sqrt(D)
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), t, "F16" if dtype == "f16" else "F32")
    cfg = {"architectures": [spec["arch"]], "hidden_size": D, "intermediate_size": F,
           "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": KV,
           "vocab_size": V, "max_position_embeddings": 256, "rms_norm_eps": spec["eps"],
           "tie_word_embeddings": spec["tied"], "bos_token_id": 1, "eos_token_id": 2,
           "hidden_act": "silu"}
    if "head_dim" in spec:
        cfg["head_dim"] = hs
    if gemma:
        cfg.update(hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=hs,
                   sliding_window=spec["window"], sliding_window_pattern=6,
                   rope_local_base_freq=10000.0, rope_theta=spec["theta"],
                   rope_scaling=spec.get("rope_scaling"))
        del cfg["hidden_act"]
    elif qwen or "rope_scaling" in spec:
        cfg["rope_theta"] = spec["theta"]  # top level (older configs)
        if "rope_scaling" in spec:
            cfg["rope_scaling"] = spec["rope_scaling"]
    else:
        cfg["rope_parameters"] = {"rope_theta": spec["theta"], "rope_type": "default"}  # newer
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(cfg, f)
    with open(os.path.join(out_dir, "tokenizer.json"), "w") as f:
        json.dump(tiny_tokenizer_json(V), f)


# ---- checks ----------------------------------------------------------------------------------

def export(hf_dir, out_dir, dtype):
    shutil.rmtree(out_dir, ignore_errors=True)
    run([sys.executable, os.path.join(ROOT, "tools", "export_llama.py"), "--model_dir", hf_dir,
         "--output_dir", out_dir, "--dtype", dtype])


def our_logits(a, model_dir, ids, kv="f32"):
    out = os.path.join(a.work, "logits.f32")
    run([a.inferpi, "logits", model_dir, "--ids", ",".join(map(str, ids)), "--out", out, "--kv", kv])
    return np.fromfile(out, dtype="<f4").reshape(len(ids), -1)


def our_greedy(a, model_dir, ids, n):
    out = run([a.inferpi, "generate", model_dir, "--ids", ",".join(map(str, ids)), "--max-tokens", str(n)])
    return [int(x) for x in out.split()]


def check_parity(a, hf_dir, dtype, ids):
    out_dir = os.path.join(a.work, "export_" + dtype)
    export(hf_dir, out_dir, dtype)
    ref = HFModel(hf_dir)
    want = ref.forward(ids)
    diff = float(np.abs(our_logits(a, out_dir, ids) - want).max())
    print(f"max |logit diff| over {len(ids)} positions ({dtype}): {diff:.3g} (tolerance {TOL[dtype]:g})")
    if not diff <= TOL[dtype]:
        raise Fail(f"logits differ by {diff} > {TOL[dtype]}")
    diff16 = float(np.abs(our_logits(a, out_dir, ids, kv="f16") - want).max())
    print(f"  with the default f16 KV cache: {diff16:.3g} (tolerance {TOL_F16_KV:g})")
    if not diff16 <= TOL_F16_KV:
        raise Fail(f"f16 KV cache logits differ by {diff16} > {TOL_F16_KV}")
    prompt = ids[:8]
    ours, theirs = our_greedy(a, out_dir, prompt, 32), ref.greedy(prompt, 32)
    print("greedy 32:", " ".join(map(str, ours)))
    if ours != theirs:
        raise Fail(f"greedy continuation differs:\n ours {ours}\n  ref {theirs}")
    return out_dir


def demo_dir(a):
    d = os.path.join(a.shared, "models", "demo-llama")
    if not os.path.isdir(d):
        skip(f"{d} absent (reference material ../shared not available)")
    return d


DEMO_IDS = [1, 1044, 261, 1798, 1249, 391, 282, 561, 285, 261, 740, 270, 261, 625, 1999,
            13, 1044, 261, 1798, 270, 261, 625, 285] + list(range(259, 300))


def case_parity(a, name, dtype):
    if name == "demo":
        check_parity(a, demo_dir(a), dtype, DEMO_IDS)
        return
    hf = os.path.join(a.work, "hf")
    make_random_model(hf, RANDOM_MODELS[name], dtype)
    rng = np.random.default_rng(7)
    check_parity(a, hf, dtype, [1] + [int(x) for x in rng.integers(3, RANDOM_MODELS[name]["V"], 40)])


def case_llama2c_roundtrip(a):
    """llama2.c v0 file (fp32, negative vocab = untied) gives the same logits as our format."""
    hf = os.path.join(a.work, "hf")
    make_random_model(hf, RANDOM_MODELS["llama_gqa_untied"], "f32")
    ours = os.path.join(a.work, "ours")
    export(hf, ours, "f32")
    v0 = os.path.join(a.work, "v0")
    os.makedirs(v0, exist_ok=True)
    cfg, ckpt = hf_llama.load(hf)
    llama2c.write_v0(os.path.join(v0, "model.bin"), cfg, hf_llama.tensors(cfg, ckpt))
    shutil.copy(os.path.join(ours, "tokenizer.bin"), os.path.join(v0, "tokenizer.bin"))
    with open(os.path.join(v0, "model.bin"), "rb") as f:
        vocab = struct.unpack("<7i", f.read(28))[5]
    if vocab != -300:
        raise Fail(f"v0 header vocab {vocab}, expected -300 (untied)")
    ids = [1, 5, 9, 200, 17, 33, 299, 4, 100, 101]
    diff = float(np.abs(our_logits(a, v0, ids) - our_logits(a, ours, ids)).max())
    print(f"llama2.c v0 vs model.bin v1 logits: max diff {diff}")
    if diff != 0.0:
        raise Fail(f"v0 logits differ by {diff}")
    ref = HFModel(hf).forward(ids)
    diff = float(np.abs(our_logits(a, v0, ids) - ref).max())
    print(f"llama2.c v0 vs reference: {diff:.3g}")
    if diff > TOL["f32"]:
        raise Fail(f"v0 logits differ from the reference by {diff}")


def seed_style_v0(hf, path, dtype):
    """The test's own llama2.c v0 converter (independent of tools/pylib): the seed's layout,
    7 int32s then every array (RoPE tables included) as `dtype`, classifier last if untied."""
    c = json.load(open(os.path.join(hf, "config.json")))
    ck = Checkpoint(hf)
    D, L, H, KV = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"], c["num_key_value_heads"]
    hs, S, V = D // H, c["max_position_embeddings"], c["vocab_size"]
    tied = c["tie_word_embeddings"]

    def interleave(w, n):  # HF rotate_half rows -> (2i, 2i+1) pairs
        return w.reshape(n, 2, hs // 2, -1).transpose(0, 2, 1, 3).reshape(n * hs, -1)
    names = {"attn_norm": "input_layernorm", "wq": "self_attn.q_proj", "wk": "self_attn.k_proj",
             "wv": "self_attn.v_proj", "wo": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
             "w1": "mlp.gate_proj", "w2": "mlp.down_proj", "w3": "mlp.up_proj"}
    arrays = [ck.get("model.embed_tokens.weight")]
    for kind in names:
        for i in range(L):
            w = ck.get(f"model.layers.{i}.{names[kind]}.weight")
            arrays.append(interleave(w, H) if kind == "wq" else interleave(w, KV) if kind == "wk" else w)
    arrays.append(ck.get("model.norm.weight"))
    freqs = np.arange(S)[:, None] * 10000.0 ** (-np.arange(0, hs, 2) / hs)[None, :]
    arrays += [np.cos(freqs), np.sin(freqs)]
    if not tied:
        arrays.append(ck.get("lm_head.weight"))
    with open(path, "wb") as f:
        f.write(struct.pack("<7i", D, c["intermediate_size"], L, H, KV, V if tied else -V, S))
        for arr in arrays:
            f.write(np.asarray(arr, dtype=np.float64).astype(dtype).tobytes())


def case_llama2c_fp16(a):
    """The seed's published layout: llama2.c v0 in fp16 (size tells it from fp32). A file from
    the test's own converter loads, its 32 greedy tokens equal the fp32 file's, and
    `export_llama.py --format llama2c` writes the same bytes (f16 and f32)."""
    hf = os.path.join(a.work, "hf")
    make_random_model(hf, RANDOM_MODELS["llama_gqa_untied"], "f32")
    tok_dir = os.path.join(a.work, "ours")
    export(hf, tok_dir, "f32")
    dirs = {}
    for dtype, np_type in (("f32", "<f4"), ("f16", "<f2")):
        d = dirs[dtype] = os.path.join(a.work, "seed_" + dtype)
        os.makedirs(d)
        seed_style_v0(hf, os.path.join(d, "model.bin"), np_type)
        shutil.copy(os.path.join(tok_dir, "tokenizer.bin"), os.path.join(d, "tokenizer.bin"))
        exported = os.path.join(a.work, "export_llama2c_" + dtype)
        run([sys.executable, os.path.join(ROOT, "tools", "export_llama.py"), "--model_dir", hf,
             "--output_dir", exported, "--format", "llama2c", "--dtype", dtype])
        for name in ("model.bin", "tokenizer.bin"):
            with open(os.path.join(exported, name), "rb") as x, open(os.path.join(d, name), "rb") as y:
                if x.read() != y.read():
                    raise Fail(f"export_llama.py --format llama2c --dtype {dtype}: {name} differs from the test's converter")
        print(f"export_llama.py --format llama2c --dtype {dtype}: same bytes as the test's converter")
    sizes = {k: os.path.getsize(os.path.join(d, "model.bin")) for k, d in dirs.items()}
    if (sizes["f32"] - 28) != 2 * (sizes["f16"] - 28):
        raise Fail(f"sizes {sizes}: fp16 body is not half the fp32 body")
    ids = [1, 5, 9, 200, 17, 33, 299, 4]
    g32, g16 = our_greedy(a, dirs["f32"], ids, 32), our_greedy(a, dirs["f16"], ids, 32)
    diff = float(np.abs(our_logits(a, dirs["f16"], ids) - our_logits(a, dirs["f32"], ids)).max())
    print(f"fp16 vs fp32 llama2.c v0: max |logit diff| {diff:.3g}; greedy f32 {g32}")
    if g16 != g32:
        raise Fail(f"greedy tokens differ:\n f16 {g16}\n f32 {g32}")
    if not diff < 0.05:
        raise Fail(f"fp16 logits differ from fp32 by {diff}")
    # A size that fits neither layout names both sizes.
    bad = os.path.join(a.work, "bad")
    shutil.copytree(dirs["f16"], bad)
    with open(os.path.join(bad, "model.bin"), "ab") as f:
        f.write(b"\0\0")
    r = subprocess.run([a.inferpi, "logits", bad, "--ids", "1", "--out", os.path.join(a.work, "x")],
                       capture_output=True, text=True)
    if r.returncode == 0 or "as fp32 or" not in r.stderr:
        raise Fail(f"a 2-byte-longer fp16 file was not refused with the layouts: {r.stderr!r}")
    print("refused:", r.stderr.strip().splitlines()[-1])


def case_tokenizer_golden(a):
    golden = os.path.join(a.shared, "golden", "spm_tokenizer", "golden.json")
    if not os.path.exists(golden):
        skip(f"{golden} absent")
    out_dir = os.path.join(a.work, "demo")
    export(demo_dir(a), out_dir, "f32")
    with open(golden) as f:
        cases = json.load(f)["cases"]
    bad = 0
    for c in cases:
        got = [int(x) for x in run([a.inferpi, "tokenize", out_dir, "--text", c["text"]]).split()]
        ok = got == c["ids"]
        bad += not ok
        print(("ok  " if ok else "BAD ") + repr(c["text"][:50]) + ("" if ok else f"\n  got {got}\n want {c['ids']}"))
    if bad:
        raise Fail(f"{bad} of {len(cases)} tokenizer cases differ")


def case_genesis(a):
    out_dir = os.path.join(a.work, "demo")
    export(demo_dir(a), out_dir, "f32")
    out = run([a.inferpi, out_dir, "--prompt", "Recite Genesis 1:1", "--greedy"])
    lines = out.split("\n")
    reply = "\n".join(l for l in lines if not l.startswith(("Prompt:", "Generation:"))).strip("\n")
    print("reply:", repr(reply))
    if not any(l.startswith("Generation: ") and "tokens/sec" in l for l in lines):
        raise Fail("no stats line")
    if reply != GENESIS_REPLY:
        raise Fail(f"reply changed:\n got {reply!r}\nwant {GENESIS_REPLY!r}")


def case_perplexity(a):
    """`inferpi perplexity` (golden README procedure) against the reference, on a slice of
    the held-out KJV text so that the numpy reference stays quick."""
    corpus = os.path.join(a.shared, "corpus", "kjv-heldout.txt")
    if not os.path.exists(corpus):
        skip(f"{corpus} absent")
    out_dir = os.path.join(a.work, "demo")
    export(demo_dir(a), out_dir, "f32")
    with open(corpus, encoding="utf-8") as f:
        text = f.read()[:3000]
    sample = os.path.join(a.work, "sample.txt")
    with open(sample, "w", encoding="utf-8") as f:
        f.write(text)
    W = 128
    out = run([a.inferpi, "perplexity", out_dir, sample, "--window", str(W)])
    print(out.strip())
    ours = float(out.split()[1])
    ids = [1] + [int(x) for x in run([a.inferpi, "tokenize", out_dir, "--text", text]).split()]
    try:  # tokenization from the reference library when it is installed
        import sentencepiece
        sp = sentencepiece.SentencePieceProcessor(model_file=os.path.join(demo_dir(a), "tokenizer.model"))
        if [1] + sp.encode(text) != ids:
            raise Fail("tokenization of the sample differs from sentencepiece")
    except ImportError:
        pass
    ref = HFModel(demo_dir(a))
    nll, count = 0.0, 0
    for start in range(0, len(ids) - 1, W):
        window = ids[start:start + W + 1]
        logits = ref.forward(window[:-1])
        logz = np.log(np.exp(logits - logits.max(axis=1, keepdims=True)).sum(axis=1)) + logits.max(axis=1)
        nll += float(np.sum(logz - logits[np.arange(len(window) - 1), window[1:]]))
        count += len(window) - 1
    expected = float(np.exp(nll / count))
    print(f"reference perplexity {expected:.4f} over {count} tokens")
    if abs(ours - expected) > 1e-3 * expected:
        raise Fail(f"perplexity {ours} vs reference {expected}")


def case_cli_errors(a):
    """Scriptable commands fail with a non-zero status and one line on stderr."""
    hf = os.path.join(a.work, "hf")
    make_random_model(hf, RANDOM_MODELS["qwen2_bias_tied"], "f32")
    good = os.path.join(a.work, "model")
    export(hf, good, "f32")
    bad_cases = [
        ["tokenize", os.path.join(a.work, "missing"), "--text", "x"],
        ["logits", good, "--ids", "1,2,x", "--out", os.path.join(a.work, "o")],
        ["logits", good, "--ids", "1,2,99999", "--out", os.path.join(a.work, "o")],
        ["generate", good, "--ids", "1,2"],
        ["perplexity", good, os.path.join(a.work, "missing.txt"), "--window", "8"],
        ["generate", good, "--ids", ",".join(["5"] * 250), "--max-tokens", "10"],  # > context 256
    ]
    for args in bad_cases:
        p = subprocess.run([a.inferpi] + args, capture_output=True, text=True)
        lines = p.stderr.strip().split("\n")
        print(f"{' '.join(args[:2])}...: exit {p.returncode}: {p.stderr.strip()}")
        if p.returncode == 0 or len(lines) != 1 or not lines[0]:
            raise Fail(f"expected a one-line error for {args}")


# ---- byte-level BPE ----------------------------------------------------------------------------
# Reference pre-tokenizers written with Python's `re` (an independent regex engine) from the
# HF patterns (docs/formats.md §6.11). Python has no \p{L}/\p{N}: [^\W\d_] and \d stand in,
# which agree with the Unicode classes on the test strings below (no No/Nl numbers like ½).
_L, _N, _O = r"[^\W\d_]", r"\d", r"(?:[^\s\w]|_)"
BPE_PATTERNS = {
    "gpt2": rf"'s|'t|'re|'ve|'m|'ll|'d| ?{_L}+| ?{_N}+| ?{_O}+|\s+(?!\S)|\s+",
    "qwen2": rf"(?i:'s|'t|'re|'ve|'m|'ll|'d)|(?:[^\r\n\w]|_)?{_L}+|{_N}| ?{_O}+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "llama3": rf"(?i:'s|'t|'re|'ve|'m|'ll|'d)|(?:[^\r\n\w]|_)?{_L}+|{_N}{{1,3}}| ?{_O}+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
}
HF_SPLIT = {  # what the tokenizer.json files of these families carry
    "qwen2": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "llama3": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
}
BPE_TEXTS = [
    "", "Hello world! How are you today?", "I'm you're he'll we've they'd IT'S DON'T",
    "Numbers: 1 12 123 1234 12345 3.14159 2026-11-28", "Tabs\tand\nnewlines\n\n\nmany\r\nCRLF",
    "   leading and trailing spaces   ", "Unicode: café, naïve, Straße, 東京, Привет, 😀👍🏽",
    "code: def f(x):\n    return x**2  # square__it", "<custom> is added; <|im_start|> is plain text",
    "a<custom>b  <custom>", "!!! ??? ... ---", "The quick brown fox jumps over the lazy dog. " * 3,
]
BPE_TRAIN = " ".join(BPE_TEXTS[1:]) + " In the beginning God created the heaven and the earth. " * 5


def _pre_split(pre, text):
    import re
    if pre == "smollm":
        out = []
        for chunk in re.split(r"(\d)", text):
            if chunk:
                out += [chunk] if re.fullmatch(r"\d", chunk) else re.findall(BPE_PATTERNS["gpt2"], chunk)
        return out
    return re.findall(BPE_PATTERNS[pre], text)


def make_bpe_tokenizer_json(pre, n_merges=150):
    b2u = random_models.gpt2_alphabet()
    vocab = {b2u[b]: b for b in range(256)}
    words = [[b2u[b] for b in w.encode("utf-8")] for w in _pre_split(pre, BPE_TRAIN)]
    merges = []
    for _ in range(n_merges):
        counts = {}
        for w in words:
            for pair in zip(w, w[1:]):
                counts[pair] = counts.get(pair, 0) + 1
        if not counts:
            break
        best = max(sorted(counts), key=lambda p: counts[p])
        merges.append(best)
        vocab.setdefault(best[0] + best[1], len(vocab))
        for w in words:
            i = 0
            while i + 1 < len(w):
                if (w[i], w[i + 1]) == best:
                    w[i:i + 2] = [best[0] + best[1]]
                i += 1
    added = [("<|im_start|>", True), ("<|im_end|>", True), ("<custom>", False)]
    added_tokens = []
    for content, special in added:
        added_tokens.append({"id": len(vocab), "content": content, "special": special})
        vocab[content] = len(vocab)
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    if pre == "gpt2":
        pre_tok = byte_level
    elif pre == "smollm":
        pre_tok = {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": True}, byte_level]}
    else:
        pre_tok = {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": HF_SPLIT[pre]}, "behavior": "Isolated", "invert": False},
            dict(byte_level, use_regex=False)]}
    return {"version": "1.0", "added_tokens": added_tokens, "normalizer": None, "pre_tokenizer": pre_tok,
            "model": {"type": "BPE", "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges],
                      "ignore_merges": pre == "llama3", "byte_fallback": False}}


def bpe_reference_encode(tj, pre, text):
    """HF BPE: cut out non-special added tokens, pre-split, byte-map, merge by pair rank."""
    import re
    b2u = random_models.gpt2_alphabet()
    vocab = tj["model"]["vocab"]
    ranks = {tuple(m.split(" ")): r for r, m in enumerate(tj["model"]["merges"])}
    user = [a["content"] for a in tj["added_tokens"] if not a["special"]]
    ids = []
    for part in re.split("(" + "|".join(map(re.escape, user)) + ")", text) if user else [text]:
        if part in user:
            ids.append(vocab[part])
            continue
        for piece in _pre_split(pre, part):
            sym = [b2u[b] for b in piece.encode("utf-8")]
            if tj["model"].get("ignore_merges") and "".join(sym) in vocab:
                ids.append(vocab["".join(sym)])
                continue
            while len(sym) > 1:
                pairs = [(ranks.get((sym[i], sym[i + 1]), 1 << 30), i) for i in range(len(sym) - 1)]
                rank, i = min(pairs)
                if rank == 1 << 30:
                    break
                sym[i:i + 2] = [sym[i] + sym[i + 1]]
            ids += [vocab[s] for s in sym]
    return ids


def case_bpe_tokenizer(a):
    """Byte-level BPE (all four pre-tokenizers) against the Python reference, and a ChatML
    chat turn through the special tokens."""
    bad = 0
    for pre in ("gpt2", "qwen2", "llama3", "smollm"):
        tj = make_bpe_tokenizer_json(pre)
        spec = dict(RANDOM_MODELS["qwen2_bias_tied"], V=len(tj["model"]["vocab"]))
        hf = os.path.join(a.work, "hf_" + pre)
        make_random_model(hf, spec, "f32")
        with open(os.path.join(hf, "tokenizer.json"), "w") as f:
            json.dump(tj, f)
        out_dir = os.path.join(a.work, pre)
        shutil.rmtree(out_dir, ignore_errors=True)
        run([sys.executable, os.path.join(ROOT, "tools", "export_llama.py"), "--model_dir", hf,
             "--output_dir", out_dir, "--dtype", "f32", "--chat_template", "chatml"])
        for text in BPE_TEXTS:
            got = [int(x) for x in run([a.inferpi, "tokenize", out_dir, "--text", text]).split()]
            want = bpe_reference_encode(tj, pre, text)
            ok = got == want
            bad += not ok
            print(f"{'ok ' if ok else 'BAD'} {pre:6} {text[:40]!r}" + ("" if ok else f"\n  got {got}\n want {want}"))
        out = subprocess.run([a.inferpi, out_dir, "--prompt", "hello", "--greedy", "--max-tokens", "4"],
                             capture_output=True, text=True)
        if out.returncode != 0 or "Generation: " not in out.stdout:
            raise Fail(f"ChatML chat turn failed: {out.stderr}")
    if bad:
        raise Fail(f"{bad} BPE cases differ from the reference")


def main():
    a = parse_args(fresh_work=True)
    if a.case.startswith("parity_"):
        name, dtype = a.case[len("parity_"):].rsplit("_", 1)
        return run_case(lambda: case_parity(a, name, dtype))
    return run_case(lambda: globals()["case_" + a.case](a))


if __name__ == "__main__":
    sys.exit(main())
