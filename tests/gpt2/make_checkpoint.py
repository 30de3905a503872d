#!/usr/bin/python3
"""Test fixtures for the GPT2 exporter and engine, built with numpy only:

  tiny  --variant N --out DIR [--bf16] [--prefix P] [--extra-key K] [--no-meta]
        A random nanochat checkpoint of variant V0..V4 (key sets of docs/nanochat.md §7.5)
        saved the way torch.save does (zip + pickle with persistent storages, written by our
        own minimal writer), a tiny tiktoken tokenizer.pkl, and the expected logits of
        nanochat's forward pass for DIR/tokens.json, computed by the numpy reference below.
  evil  --out DIR --call MODULE.NAME
        A checkpoint whose data.pkl calls MODULE.NAME (the exporter must refuse it).
  golden-check GOLDEN_DIR
        Runs the numpy reference on ../shared/golden/nanochat_gqa_sssl and prints the max
        abs error against nanochat's logits (anchors the reference used for the variants).
"""
import argparse
import io
import json
import os
import pickle
import sys
import types
import zipfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from pylib.torch_pickle import load_pt, load_tiktoken_pickle  # noqa: E402

EPS = np.float32(np.finfo(np.float32).eps)

# ---- numpy reference of nanochat's GPT.forward (docs/nanochat.md §3), all variants --------


def norm(x):
    x = x.astype(np.float32)
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS)


def windows(variant, pattern, seq, n_layer):
    if variant == 0:
        return [None] * n_layer
    short = {1: seq // 2, 2: seq // 2, 3: -(-seq // 3 // 128) * 128, 4: -(-seq // 4 // 128) * 128}[variant]
    w = [seq if pattern[i % len(pattern)] == "L" else short for i in range(n_layer)]
    w[-1] = seq
    return w


def reference_logits(sd, cfg, variant, ids, softcap=15.0):
    n_layer, H, KV, D = cfg["n_layer"], cfg["n_head"], cfg["n_kv_head"], cfg["n_embd"]
    hd = D // H
    T = len(ids)
    rope_base = 10000.0 if variant <= 2 else 100000.0
    qk_scale = {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.15, 4: 1.2}[variant]
    ve_scale = {2: 2.0, 3: 3.0, 4: 3.0}.get(variant)
    win = windows(variant, cfg.get("window_pattern", "L").upper(), cfg["sequence_len"], n_layer)
    f = lambda k: sd[k].astype(np.float32)  # noqa: E731
    ch = np.arange(0, hd, 2, dtype=np.float32)
    inv = (np.float32(1.0) / (np.float32(rope_base) ** (ch / np.float32(hd)))).astype(np.float32)
    ang = np.outer(np.arange(T, dtype=np.float32), inv).astype(np.float32)
    cos, sin = np.cos(ang), np.sin(ang)

    def rope(x):  # x [T, heads, hd]; nanochat's -theta half-split rotation
        a, b = x[..., : hd // 2], x[..., hd // 2:]
        c, s = cos[:, None, :], sin[:, None, :]
        return np.concatenate([a * c + b * s, -a * s + b * c], axis=-1)

    x = norm(f("transformer.wte.weight")[ids])
    if variant == 4:
        e = x.copy()
        g = f("smear_lambda")[0] / (1 + np.exp(-(e[1:, :24] @ f("smear_gate.weight")[0])))
        x = e.copy()
        x[1:] = e[1:] + g[:, None] * e[:-1]
    x0 = x.copy()
    xb = None
    for i in range(n_layer):
        if "resid_lambdas" in sd:
            x = f("resid_lambdas")[i] * x + f("x0_lambdas")[i] * x0
        h = norm(x)
        p = f"transformer.h.{i}.attn."
        q = (h @ f(p + "c_q.weight").T).reshape(T, H, hd)
        k = (h @ f(p + "c_k.weight").T).reshape(T, KV, hd)
        v = (h @ f(p + "c_v.weight").T).reshape(T, KV, hd)
        if f"value_embeds.{i}.weight" in sd:
            gw = f(p + "ve_gate.weight")
            gate = ve_scale / (1 + np.exp(-(h[:, : gw.shape[1]] @ gw.T)))
            v = v + gate[:, :, None] * f(f"value_embeds.{i}.weight")[ids].reshape(T, KV, hd)
        q, k = norm(rope(q)) * qk_scale, norm(rope(k)) * qk_scale
        y = np.zeros((T, H, hd), np.float32)
        for t in range(T):
            lo = 0 if win[i] is None else max(0, t - win[i])
            for hh in range(H):
                g_ = hh // (H // KV)
                s = (k[lo: t + 1, g_] @ q[t, hh]) / np.sqrt(np.float32(hd))
                s = np.exp(s - s.max())
                y[t, hh] = (s / s.sum()) @ v[lo: t + 1, g_]
        x = x + y.reshape(T, D) @ f(p + "c_proj.weight").T
        m = f"transformer.h.{i}.mlp."
        x = x + np.maximum(norm(x) @ f(m + "c_fc.weight").T, 0) ** 2 @ f(m + "c_proj.weight").T
        if variant == 4 and i == n_layer // 2:
            xb = x.copy()
    if variant == 4:
        x = x - f("backout_lambda")[0] * xb
    logits = norm(x) @ f("lm_head.weight").T
    logits = logits[:, : cfg["vocab_size"]]
    return (softcap * np.tanh(logits / softcap)).astype(np.float32)


# ---- a minimal torch.save writer ----------------------------------------------------------


def _fake_torch():
    """Modules named like torch's so pickle records the same GLOBALs torch.save writes."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*a):
        raise RuntimeError("writer only")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    for name in ("FloatStorage", "BFloat16Storage"):
        cls = type(name, (), {"__module__": "torch"})
        setattr(torch, name, cls)
    torch._utils = utils
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils
    return torch, utils


class _Storage:
    def __init__(self, key, cls, raw, numel):
        self.key, self.cls, self.raw, self.numel = key, cls, raw, numel


class _Tensor:
    def __init__(self, storage, shape):
        self.storage, self.shape = storage, shape

    def __reduce__(self):
        stride, acc = [], 1
        for s in reversed(self.shape):
            stride.insert(0, acc)
            acc *= s
        import collections
        return (sys.modules["torch._utils"]._rebuild_tensor_v2,
                (self.storage, 0, tuple(self.shape), tuple(stride), False, collections.OrderedDict()))


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", obj.cls, obj.key, "cpu", obj.numel)
        return None


def save_pt(path, state, bf16_keys=(), archive="archive", pickle_bytes=None):
    torch, _ = _fake_torch()
    storages, obj = [], {}
    for i, (name, a) in enumerate(state.items()):
        a = np.ascontiguousarray(a, dtype=np.float32)
        if name in bf16_keys:
            raw = (a.view(np.uint32) >> 16).astype("<u2").tobytes()  # exact for bf16 values
            cls = torch.BFloat16Storage
        else:
            raw = a.astype("<f4").tobytes()
            cls = torch.FloatStorage
        st = _Storage(str(i), cls, raw, a.size)
        storages.append(st)
        obj[name] = _Tensor(st, a.shape)
    if pickle_bytes is None:
        buf = io.BytesIO()
        _Pickler(buf, protocol=2).dump(obj)
        pickle_bytes = buf.getvalue()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{archive}/data.pkl", pickle_bytes)
        z.writestr(f"{archive}/byteorder", "little")
        for st in storages:
            z.writestr(f"{archive}/data/{st.key}", st.raw)
        z.writestr(f"{archive}/version", "3\n")


def write_tiktoken_pickle(path, pat, ranks, specials):
    """Pickles like tiktoken: STACK_GLOBAL tiktoken.core.Encoding, NEWOBJ, state dict, BUILD."""
    import copyreg
    state = {"name": "rustbpe", "pat_str": pat, "mergeable_ranks": ranks, "special_tokens": specials}
    core = types.ModuleType("tiktoken.core")

    class Encoding:
        def __reduce_ex__(self, proto):
            return (copyreg.__newobj__, (Encoding,), state)

    Encoding.__module__ = "tiktoken.core"
    Encoding.__qualname__ = "Encoding"
    core.Encoding = Encoding
    sys.modules["tiktoken"] = types.ModuleType("tiktoken")
    sys.modules["tiktoken.core"] = core
    with open(path, "wb") as fh:
        pickle.dump(Encoding(), fh, protocol=4)


KEYSETS = "V0: wte, h.*.attn.c_{q,k,v,proj}, h.*.mlp.c_{fc,proj}, lm_head; V1: + lambdas; " \
          "V2: + value_embeds/ve_gate[kv,32]; V3: ve_gate[kv,12]; V4: + smear/backout"


def tiny_state(variant, cfg, rng):
    n_layer, H, KV, D = cfg["n_layer"], cfg["n_head"], cfg["n_kv_head"], cfg["n_embd"]
    hd = D // H
    pv = -(-cfg["vocab_size"] // 64) * 64
    r = lambda *s, scale=0.3: (rng.standard_normal(s) * scale).astype(np.float32)  # noqa: E731
    sd = {"transformer.wte.weight": r(pv, D, scale=1.0), "lm_head.weight": r(pv, D, scale=0.2)}
    for i in range(n_layer):
        p = f"transformer.h.{i}."
        sd[p + "attn.c_q.weight"] = r(H * hd, D, scale=D ** -0.5)
        sd[p + "attn.c_k.weight"] = r(KV * hd, D, scale=D ** -0.5)
        sd[p + "attn.c_v.weight"] = r(KV * hd, D, scale=D ** -0.5)
        sd[p + "attn.c_proj.weight"] = r(D, H * hd, scale=D ** -0.5)
        sd[p + "mlp.c_fc.weight"] = r(4 * D, D, scale=D ** -0.5)
        sd[p + "mlp.c_proj.weight"] = r(D, 4 * D, scale=(4 * D) ** -0.5)
    if variant >= 1:
        sd["resid_lambdas"] = (1 + r(n_layer, scale=0.1)).astype(np.float32)
        sd["x0_lambdas"] = r(n_layer, scale=0.2)
    if variant >= 2:
        width = 32 if variant == 2 else 12
        for i in range(n_layer):
            if i % 2 == (n_layer - 1) % 2:
                sd[f"value_embeds.{i}.weight"] = r(pv, KV * hd, scale=0.5)
                sd[f"transformer.h.{i}.attn.ve_gate.weight"] = r(KV, width, scale=0.5)
    if variant == 4:
        sd["smear_gate.weight"] = r(1, 24, scale=0.5)
        sd["smear_lambda"] = np.array([0.7], np.float32)
        sd["backout_lambda"] = np.array([0.25], np.float32)
    return sd


def bf16_round(a):
    u = np.ascontiguousarray(a, np.float32).view(np.uint32)
    return ((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000).view(np.float32)


def cmd_tiny(args):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
    import export_gpt2
    rng = np.random.default_rng(100 + args.variant)
    n_specials, n_ranks = 9, 256 + 7
    cfg = {"sequence_len": 512, "vocab_size": n_ranks + n_specials, "n_layer": 4, "n_head": 4,
           "n_kv_head": 2, "n_embd": 64}
    if args.variant >= 1:
        cfg["window_pattern"] = "SSSL"
    sd = tiny_state(args.variant, cfg, rng)
    bf16_keys = set()
    if args.bf16:  # embeddings in bf16, as a GPU run saves them
        bf16_keys = {k for k in sd if k.startswith("value_embeds") or k == "transformer.wte.weight"}
        for k in bf16_keys:
            sd[k] = bf16_round(sd[k])
    if args.extra_key:
        sd[args.extra_key] = np.zeros((4, 4), np.float32)
    ckpt = os.path.join(args.out, "chatsft_checkpoints", "d4")
    tokdir = os.path.join(args.out, "tokenizer")
    os.makedirs(ckpt, exist_ok=True)
    os.makedirs(tokdir, exist_ok=True)
    save_pt(os.path.join(ckpt, "model_000001.pt"), {args.prefix + k: v for k, v in sd.items()},
            {args.prefix + k for k in bf16_keys})
    # an older step that must not be picked by default
    save_pt(os.path.join(ckpt, "model_000000.pt"), {"junk": np.zeros(1, np.float32)})
    if not args.no_meta:
        for step in (0, 1):
            with open(os.path.join(ckpt, f"meta_{step:06d}.json"), "w") as fh:
                json.dump({"step": step, "model_config": cfg}, fh)
    ranks = {bytes([i]): i for i in range(256)}
    for j, m in enumerate([b"th", b"the", b" the", b"in", b"an", b"and", b" and"]):
        ranks[m] = 256 + j
    names = ["<|bos|>", "<|user_start|>", "<|user_end|>", "<|assistant_start|>", "<|assistant_end|>",
             "<|python_start|>", "<|python_end|>", "<|output_start|>", "<|output_end|>"]
    specials = {s: n_ranks + i for i, s in enumerate(names)}
    write_tiktoken_pickle(os.path.join(tokdir, "tokenizer.pkl"), export_gpt2.NANOCHAT_SPLIT, ranks, specials)
    if args.extra_key:
        return
    ids = [n_ranks] + [int(t) for t in rng.integers(0, n_ranks, 299)]
    with open(os.path.join(args.out, "tokens.json"), "w") as fh:
        json.dump(ids, fh)
    reference_logits(sd, cfg, args.variant, np.array(ids)).tofile(os.path.join(args.out, "expected.f32"))


def cmd_evil(args):
    module, name = args.call.rsplit(".", 1)
    # PROTO 2, GLOBAL module name, a string argument, TUPLE1, REDUCE, STOP
    payload = (b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\nX\x04\x00\x00\x00echo"
               b"\x85R.")
    ckpt = os.path.join(args.out, "ckpt")
    os.makedirs(ckpt, exist_ok=True)
    save_pt(os.path.join(ckpt, "model_000001.pt"), {}, pickle_bytes=payload)
    with open(os.path.join(ckpt, "meta_000001.json"), "w") as fh:
        json.dump({"model_config": {"sequence_len": 64, "vocab_size": 272, "n_layer": 1, "n_head": 1,
                                    "n_kv_head": 1, "n_embd": 64}}, fh)


def cmd_golden_check(args):
    g = args.golden_dir
    sd = load_pt(os.path.join(g, "chatsft_checkpoints/d4/model_000000.pt"))
    meta = json.load(open(os.path.join(g, "chatsft_checkpoints/d4/meta_000000.json")))
    gold = json.load(open(os.path.join(g, "golden.json")))
    ids = np.array(gold["prompt_ids"])
    want = np.fromfile(os.path.join(g, "logits.f32"), np.float32).reshape(len(ids), -1)
    got = reference_logits(sd, meta["model_config"], 4, ids)
    print(f"{np.abs(got - want).max():.3g}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tiny")
    t.add_argument("--variant", type=int, required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--bf16", action="store_true")
    t.add_argument("--prefix", default="")
    t.add_argument("--extra-key")
    t.add_argument("--no-meta", action="store_true")
    e = sub.add_parser("evil")
    e.add_argument("--out", required=True)
    e.add_argument("--call", required=True)
    c = sub.add_parser("golden-check")
    c.add_argument("golden_dir")
    args = ap.parse_args()
    {"tiny": cmd_tiny, "evil": cmd_evil, "golden-check": cmd_golden_check}[args.cmd](args)


if __name__ == "__main__":
    main()
