#!/usr/bin/python3
"""Exports a nanochat checkpoint to InferPi's GPT2 engine files: model.bin + tokenizer.bin.

    tools/export_gpt2.py --checkpoint-dir DIR [--step N] --tokenizer-dir DIR
                         --output_dir OUT [--dtype f32|f16|bf16|q8_0|q4_0] [--softcap 20]

Reads nanochat's model_<step>.pt (latest step unless --step), meta_<step>.json and
tokenizer.pkl. Needs numpy only (no torch, no tiktoken) and never executes code from the
files: the pickles go through an allowlist (tools/pylib/torch_pickle.py).

The architecture variant (docs/nanochat.md §7.5) is recognised from the state-dict keys
and written into the header as explicit fields, so the engine never guesses. The one
thing the keys cannot tell (V2 runs trained with softcap 20) is the --softcap override.
Byte layouts: docs/formats.md, "GPT2 (nanochat)".
"""
import argparse
import json
import math
import os
import re
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import quant  # noqa: E402
from pylib.torch_pickle import CheckpointError, load_pt, load_tiktoken_pickle  # noqa: E402

MODEL_MAGIC = 0x4E434854  # "NCHT"
MODEL_VERSION = 1
TOKENIZER_MAGIC = 0x4E43544B  # "NCTK"
TOKENIZER_VERSION = 1
HEADER_BYTES = 256
LAYER_ENTRY_BYTES = 16
TENSOR_ENTRY_BYTES = 96
ALIGN = 64

NANOCHAT_SPLIT = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+""")
SPLIT_IDS = {NANOCHAT_SPLIT: 1}

# header flags
FLAG_LAMBDAS = 1 << 0  # resid_lambdas / x0_lambdas tensors present
FLAG_VALUE_EMBEDS = 1 << 1  # value_embeds.{i} + ve_gate on the layers marked in the layer table
FLAG_SMEAR = 1 << 2  # smear_gate / smear_lambda
FLAG_BACKOUT = 1 << 3  # backout_lambda, subtracted after layer backout_layer
FLAG_QK_NORM = 1 << 4  # RMSNorm on q and k per head (every nanochat variant)
FLAG_ROPE_NEG = 1 << 5  # nanochat's -theta rotation (every nanochat variant)
FLAG_CHAT = 1 << 6  # chat checkpoint (SFT/RL): the app renders nanochat's chat format

# layer flags
LAYER_HAS_VE = 1 << 0


def fail(msg):
    print(f"export_gpt2: error: {msg}", file=sys.stderr)
    sys.exit(1)


def find_step(ckpt_dir, step):
    steps = []
    for name in os.listdir(ckpt_dir):
        m = re.fullmatch(r"model_(\d+)\.pt", name)
        if m:
            steps.append(int(m.group(1)))
    if not steps:
        fail(f"no model_<step>.pt in {ckpt_dir}")
    if step is None:
        return max(steps)
    if step not in steps:
        fail(f"no model_{step:06d}.pt in {ckpt_dir} (steps present: {sorted(steps)})")
    return step


def strip_prefixes(state):
    out = {}
    for k, v in state.items():
        while True:
            for p in ("_orig_mod.", "module."):
                if k.startswith(p):
                    k = k[len(p):]
                    break
            else:
                break
        if k in out:
            fail(f"duplicate tensor name after stripping prefixes: {k}")
        out[k] = v
    return out


def window_sizes(pattern, seq_len, n_layer, variant):
    """Per-layer left window (0 = no window: plain causal). docs/nanochat.md §1.3, §7.5."""
    if variant == 0:
        return [0] * n_layer
    long = seq_len
    if variant in (1, 2):
        short = long // 2
    elif variant == 3:
        short = -(-long // 3 // 128) * 128
    else:
        short = -(-long // 4 // 128) * 128
    pattern = pattern.upper()
    if not pattern or any(c not in "SL" for c in pattern):
        fail(f"window_pattern {pattern!r} must be a string over S and L")
    sizes = [long if pattern[i % len(pattern)] == "L" else short for i in range(n_layer)]
    sizes[-1] = long
    return sizes


def classify(state, cfg):
    """Recognises the architecture variant from the keys; refuses unknown layouts."""
    n_layer = cfg["n_layer"]
    keys = set(state)
    known = {"transformer.wte.weight", "lm_head.weight"}
    for i in range(n_layer):
        for part in ("attn.c_q", "attn.c_k", "attn.c_v", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"):
            known.add(f"transformer.h.{i}.{part}.weight")
    missing = sorted(known - keys)
    if missing:
        fail(f"checkpoint lacks required tensors: {', '.join(missing[:8])}"
             f"{' ...' if len(missing) > 8 else ''}")
    lambdas = {"resid_lambdas", "x0_lambdas"}
    smear = {"smear_gate.weight", "smear_lambda", "backout_lambda"}
    ve_layers = [i for i in range(n_layer) if f"value_embeds.{i}.weight" in keys]
    gate_layers = [i for i in range(n_layer) if f"transformer.h.{i}.attn.ve_gate.weight" in keys]
    optional = lambdas | smear
    for i in ve_layers:
        optional |= {f"value_embeds.{i}.weight", f"transformer.h.{i}.attn.ve_gate.weight"}
    unknown = sorted(keys - known - optional)
    if unknown:
        fail(f"unknown key layout (not a nanochat variant this exporter knows): unexpected keys "
             f"{', '.join(unknown[:8])}{' ...' if len(unknown) > 8 else ''}")
    if ve_layers != gate_layers:
        fail(f"unknown key layout: value_embeds on layers {ve_layers} but ve_gate on {gate_layers}")
    has_lambdas = lambdas <= keys
    if (lambdas & keys) and not has_lambdas:
        fail(f"unknown key layout: only {sorted(lambdas & keys)} of resid_lambdas/x0_lambdas")
    has_smear = smear <= keys
    if (smear & keys) and not has_smear:
        fail(f"unknown key layout: only {sorted(smear & keys)} of smear_gate/smear_lambda/backout_lambda")
    gate_width = None
    if ve_layers:
        widths = {state[f"transformer.h.{i}.attn.ve_gate.weight"].shape[1] for i in ve_layers}
        if len(widths) != 1:
            fail(f"unknown key layout: ve_gate widths differ between layers {sorted(widths)}")
        gate_width = widths.pop()
    if has_smear:
        if not (ve_layers and gate_width == 12 and has_lambdas):
            fail("unknown key layout: smear keys without 12-wide value-embedding gates and lambdas")
        variant = 4
    elif ve_layers:
        if gate_width == 12:
            variant = 3
        elif gate_width == 32:
            variant = 2
        else:
            fail(f"unknown key layout: ve_gate width {gate_width} (nanochat used 32 or 12)")
        if not has_lambdas:
            fail("unknown key layout: value embeddings without resid/x0 lambdas")
    elif has_lambdas:
        variant = 1
    else:
        variant = 0
    return variant, ve_layers, gate_width


VARIANT_PARAMS = {  # variant: (rope_base, qk_scale, ve_gate_scale) -- docs/nanochat.md §7.5
    0: (10000.0, 1.0, 0.0),
    1: (10000.0, 1.0, 0.0),
    2: (10000.0, 1.0, 2.0),
    3: (100000.0, 1.15, 3.0),
    4: (100000.0, 1.2, 3.0),
}


def pick_dtype(name, array, wanted):
    """Big matrices take the requested type (or wanted(name, shape) for a per-matrix mix);
    gates, lambdas and odd widths stay f32."""
    if array.ndim != 2 or name.endswith("ve_gate.weight") or name == "smear_gate.weight":
        return quant.F32
    if callable(wanted):
        return wanted(name, array.shape)
    if wanted in (quant.Q8_0, quant.Q4_0) and array.shape[1] % 32:
        return quant.F32
    return wanted


def write_model(path, cfg, state, variant, ve_layers, gate_width, softcap, dtype, chat):
    n_layer, n_head, n_kv_head, n_embd = (cfg[k] for k in ("n_layer", "n_head", "n_kv_head", "n_embd"))
    vocab, seq_len = cfg["vocab_size"], cfg["sequence_len"]
    if n_embd % n_head or n_head % n_kv_head:
        fail(f"bad head geometry: n_embd {n_embd}, n_head {n_head}, n_kv_head {n_kv_head}")
    head_dim = n_embd // n_head
    kv_dim = n_kv_head * head_dim
    wte = state["transformer.wte.weight"]
    padded_vocab = wte.shape[0]
    hidden = state["transformer.h.0.mlp.c_fc.weight"].shape[0]
    if padded_vocab < vocab:
        fail(f"wte has {padded_vocab} rows but vocab_size is {vocab}")
    expect = {"transformer.wte.weight": (padded_vocab, n_embd), "lm_head.weight": (padded_vocab, n_embd)}
    for i in range(n_layer):
        h = f"transformer.h.{i}."
        expect[h + "attn.c_q.weight"] = (n_head * head_dim, n_embd)
        expect[h + "attn.c_k.weight"] = (kv_dim, n_embd)
        expect[h + "attn.c_v.weight"] = (kv_dim, n_embd)
        expect[h + "attn.c_proj.weight"] = (n_embd, n_embd)
        expect[h + "mlp.c_fc.weight"] = (hidden, n_embd)
        expect[h + "mlp.c_proj.weight"] = (n_embd, hidden)
    for i in ve_layers:
        expect[f"value_embeds.{i}.weight"] = (padded_vocab, kv_dim)
        expect[f"transformer.h.{i}.attn.ve_gate.weight"] = (n_kv_head, gate_width)
    if "resid_lambdas" in state:
        expect["resid_lambdas"] = (n_layer,)
        expect["x0_lambdas"] = (n_layer,)
    if variant == 4:
        expect["smear_gate.weight"] = (1, 24)
        expect["smear_lambda"] = (1,)
        expect["backout_lambda"] = (1,)
    for name, shape in expect.items():
        if tuple(state[name].shape) != shape:
            fail(f"{name} has shape {tuple(state[name].shape)}, expected {shape} from meta config")

    rope_base, qk_scale, ve_scale = VARIANT_PARAMS[variant]
    windows = window_sizes(cfg.get("window_pattern", "L"), seq_len, n_layer, variant)
    flags = FLAG_QK_NORM | FLAG_ROPE_NEG
    if "resid_lambdas" in state:
        flags |= FLAG_LAMBDAS
    if ve_layers:
        flags |= FLAG_VALUE_EMBEDS
    if variant == 4:
        flags |= FLAG_SMEAR | FLAG_BACKOUT
    if chat:
        flags |= FLAG_CHAT
    backout_layer = n_layer // 2 if variant == 4 else 0

    names = list(expect)
    blobs, entries = [], []
    for name in names:
        a = np.asarray(state[name], dtype=np.float32)
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        t = pick_dtype(name, a, dtype)
        blobs.append(quant.encode(a2, t))
        entries.append((name, t, a2.shape[0], a2.shape[1]))
    table_off = HEADER_BYTES + n_layer * LAYER_ENTRY_BYTES
    data_off = -(-(table_off + len(names) * TENSOR_ENTRY_BYTES) // ALIGN) * ALIGN
    offsets, pos = [], data_off
    for b in blobs:
        offsets.append(pos)
        pos = -(-(pos + len(b)) // ALIGN) * ALIGN
    file_size = pos

    hdr = struct.pack(
        "<IIIIIIIIIIIIIIfffffIIIIIQQQII",
        MODEL_MAGIC, MODEL_VERSION, HEADER_BYTES, variant,
        vocab, padded_vocab, n_layer, n_head, n_kv_head, n_embd, head_dim, hidden, seq_len,
        flags, rope_base, qk_scale, softcap, float(np.finfo(np.float32).eps), ve_scale,
        gate_width or 0, 24 if variant == 4 else 0, backout_layer,
        len(names), ALIGN, table_off, data_off, file_size, 10 * seq_len,
        pick_dtype("lm_head.weight", state["lm_head.weight"], dtype))
    hdr = hdr.ljust(HEADER_BYTES, b"\0")
    with open(path, "wb") as f:
        f.write(hdr)
        for i in range(n_layer):
            f.write(struct.pack("<IIII", windows[i], LAYER_HAS_VE if i in ve_layers else 0, 0, 0))
        for (name, t, rows, cols), off, blob in zip(entries, offsets, blobs):
            nb = name.encode()
            if len(nb) >= 64:
                fail(f"tensor name too long: {name}")
            f.write(nb.ljust(64, b"\0") + struct.pack("<IIQQQ", t, 0, rows, cols, off))
        for off, blob in zip(offsets, blobs):
            f.write(b"\0" * (off - f.tell()))
            f.write(blob)
        f.write(b"\0" * (file_size - f.tell()))
    return windows


def write_tokenizer(path, pat_str, ranks, specials, vocab):
    if pat_str not in SPLIT_IDS:
        fail(f"unsupported split pattern {pat_str!r:.120} (only nanochat's is implemented)")
    n = len(ranks)
    by_id = [None] * n
    for b, r in ranks.items():
        if not 0 <= r < n or by_id[r] is not None:
            fail("tokenizer ranks are not exactly 0..n-1")
        by_id[r] = b
    for i in range(256):
        if by_id[i] != bytes([i]):
            fail(f"tokenizer id {i} is not the raw byte {i}")
    for name, sid in specials.items():
        if sid < n or sid >= vocab:
            fail(f"special token {name} has id {sid} outside [{n}, {vocab})")
    pat = pat_str.encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<IIIIIIII", TOKENIZER_MAGIC, TOKENIZER_VERSION, n, len(specials),
                            vocab, SPLIT_IDS[pat_str], len(pat), 0))
        f.write(pat)
        for b in by_id:
            if len(b) > 65535:
                fail("token longer than 65535 bytes")
            f.write(struct.pack("<H", len(b)) + b)
        for name, sid in sorted(specials.items(), key=lambda kv: kv[1]):
            nb = name.encode()
            f.write(struct.pack("<IH", sid, len(nb)) + nb)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint-dir")
    ap.add_argument("--tokenizer-only", action="store_true",
                    help="write only tokenizer.bin (no checkpoint needed)")
    ap.add_argument("--step", type=int)
    ap.add_argument("--tokenizer-dir", required=True)
    ap.add_argument("--output_dir", "--output-dir", dest="output_dir", required=True)
    ap.add_argument("--dtype", default="f32", choices=sorted(quant.NAMES))
    ap.add_argument("--softcap", type=float,
                    help="logit softcap override (nanochat V2 runs from 2026-03-02..09 used 20)")
    ap.add_argument("--chat", choices=("auto", "yes", "no"), default="auto",
                    help="chat (SFT/RL) or base checkpoint; auto: from the directory names "
                         "(chatsft_/chatrl_/mid_checkpoints = chat)")
    args = ap.parse_args(argv)

    tok_path = os.path.join(args.tokenizer_dir, "tokenizer.pkl")
    if args.tokenizer_only:
        try:
            pat_str, ranks, specials = load_tiktoken_pickle(tok_path)
        except CheckpointError as e:
            fail(str(e))
        os.makedirs(args.output_dir, exist_ok=True)
        write_tokenizer(os.path.join(args.output_dir, "tokenizer.bin"), pat_str, ranks, specials,
                        len(ranks) + len(specials))
        print(f"export_gpt2: tokenizer only ({len(ranks)} ranks, {len(specials)} specials) -> "
              f"{args.output_dir}")
        return
    if not args.checkpoint_dir:
        fail("--checkpoint-dir is required (or --tokenizer-only)")
    step = find_step(args.checkpoint_dir, args.step)
    model_path = os.path.join(args.checkpoint_dir, f"model_{step:06d}.pt")
    meta_path = os.path.join(args.checkpoint_dir, f"meta_{step:06d}.json")
    if not os.path.exists(meta_path):
        fail(f"missing {meta_path} (nanochat writes it next to model_{step:06d}.pt; the model "
             f"config comes from it)")
    try:
        with open(meta_path) as f:
            meta = json.load(f)
        cfg = dict(meta["model_config"])
        for k in ("sequence_len", "vocab_size", "n_layer", "n_head", "n_kv_head", "n_embd"):
            if not isinstance(cfg.get(k), int) or cfg[k] <= 0:
                fail(f"{meta_path}: model_config.{k} missing or not a positive integer")
    except (OSError, ValueError, KeyError, TypeError) as e:
        fail(f"{meta_path}: unreadable meta json ({e})")
    try:
        state = strip_prefixes(load_pt(model_path))
        pat_str, ranks, specials = load_tiktoken_pickle(tok_path)
    except CheckpointError as e:
        fail(str(e))
    except OSError as e:
        fail(str(e))

    variant, ve_layers, gate_width = classify(state, cfg)
    softcap = 15.0 if args.softcap is None else args.softcap
    if len(ranks) + len(specials) != cfg["vocab_size"]:
        fail(f"tokenizer has {len(ranks) + len(specials)} tokens, model vocab_size is {cfg['vocab_size']}")
    os.makedirs(args.output_dir, exist_ok=True)
    if args.chat == "auto":
        parts = os.path.abspath(args.checkpoint_dir).split(os.sep)
        chat = any(p in ("chatsft_checkpoints", "chatrl_checkpoints", "mid_checkpoints") for p in parts)
    else:
        chat = args.chat == "yes"
    windows = write_model(os.path.join(args.output_dir, "model.bin"), cfg, state, variant,
                          ve_layers, gate_width, softcap, quant.NAMES[args.dtype], chat)
    write_tokenizer(os.path.join(args.output_dir, "tokenizer.bin"), pat_str, ranks, specials,
                    cfg["vocab_size"])
    print(f"export_gpt2: step {step}, variant V{variant}, {cfg['n_layer']} layers, "
          f"dim {cfg['n_embd']}, vocab {cfg['vocab_size']}, windows {windows}, "
          f"softcap {softcap:g}, dtype {args.dtype}, {'chat' if chat else 'base (completion)'} "
          f"-> {args.output_dir}")


if __name__ == "__main__":
    main()
