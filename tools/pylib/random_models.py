"""Building blocks of the random-weight models the tests and the benchmark generate: small
vocabularies (SentencePiece-style pieces, byte-level BPE trained on a text), raw random
quant blocks for the types our writer cannot quantize to, and random tensors for a tensor
plan (hf_llama.plan). numpy only. The same seed gives the same bytes: the benchmark's
figures and the tests' expectations depend on that, so change a builder only together
with them.

Users: tools/bench/make_bench_models.py, tests/peer/*.py, tests/llama/llama_cases.py.
"""
import re

import numpy as np

from pylib import gguf_writer as gw


# ---- vocabularies -----------------------------------------------------------------------------

def gpt2_alphabet():
    """GPT-2's byte -> unicode character map (printable bytes stand for themselves)."""
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    out, n = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(0x100 + n)
            n += 1
    return out


def train_bpe(text, n_merges, word_pattern):
    """Byte-level BPE trained on `text` (GPT-2 alphabet): 256 byte tokens, then merged tokens
    in rank order. Words are cut by `word_pattern`; merges never cross them. Ties between
    pair counts go to the larger pair, so training is deterministic."""
    alpha = gpt2_alphabet()
    words = {}
    for w in re.findall(word_pattern, text):
        key = tuple(alpha[b] for b in w.encode("utf-8"))
        words[key] = words.get(key, 0) + 1
    tokens = [alpha[b] for b in range(256)]
    merges = []
    for _ in range(n_merges):
        pairs = {}
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        merges.append(f"{a} {b}")
        tokens.append(a + b)
        new = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        words = new
    return tokens, merges


def synthetic_spm_vocab():
    """A small SentencePiece-style vocab: specials, 256 byte pieces, characters, word prefixes."""
    pieces = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [gw.UNKNOWN, gw.CONTROL, gw.CONTROL] + [gw.BYTE] * 256
    words = ("the and of to in that he said unto lord god earth heaven beginning created "
             "moses is was be it for with his them not all shall").split()
    normal = ["\u2581"] + list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                ".,;:!?'\"()-")
    for w in words:
        for k in range(1, len(w) + 1):
            for p in ("\u2581" + w[:k], w[:k]):
                if p not in normal:
                    normal.append(p)
    pieces += normal
    types += [gw.NORMAL] * len(normal)
    scores = [0.0] * 259 + [-float(i) for i in range(len(normal))]
    return pieces, scores, types


def distinct_pieces(count, prefix=b""):
    """`count` distinct printable byte strings of 2+ characters (bigrams, trigrams, ...)."""
    letters = b"abcdefghijklmnopqrstuvwxyz"
    out, width = [], 2
    while len(out) < count:
        idx = [0] * width
        while len(out) < count:
            out.append(prefix + bytes(letters[i] for i in idx))
            k = width - 1
            while k >= 0 and idx[k] == len(letters) - 1:
                idx[k] = 0
                k -= 1
            if k < 0:
                break
            idx[k] += 1
        width += 1
    return out


def spm_pieces(vocab_size):
    """A SentencePiece vocabulary of exactly `vocab_size` entries for shape-only models:
    <unk>, <s>, </s>, the 256 byte pieces, then distinct "▁xy..." pieces. Returns (texts as
    bytes, scores, types with SentencePiece's ids: 1 normal, 2 unknown, 3 control, 6 byte)."""
    texts = [b"<unk>", b"<s>", b"</s>"] + [b"<0x%02X>" % i for i in range(256)]
    types = [2, 3, 3] + [6] * 256
    pieces = distinct_pieces(vocab_size - len(texts), prefix="\u2581".encode())
    texts += pieces
    types += [1] * len(pieces)
    scores = [0.0] * 259 + [-float(i) for i in range(len(pieces))]
    return texts, scores, types


# ---- weights ------------------------------------------------------------------------------------

def small_normal(rng, shape, std=0.02):
    """N(0, std) float32, drawn in float32 (the benchmark's shape-only weights)."""
    return (rng.standard_normal(shape, dtype=np.float32) * np.float32(std)).astype(np.float32)


def small_normal_tensors(plan, rng, std=0.02):
    """(name, array) for every tensor of `plan`: norms all ones, the rest small_normal."""
    for name, _, rows, cols in plan:
        if name.endswith("norm.weight"):
            yield name, np.ones((rows, cols), np.float32)
        else:
            yield name, small_normal(rng, (rows, cols), std)


# Raw random blocks for the GGUF-only types: the quants are random bytes, the fp16 scales
# are chosen so that weights fall roughly within ±s (s ~ 2/sqrt(row length)).
KBLOCK = {3: (32, 20), 6: (32, 22), 7: (32, 24), 12: (256, 144), 13: (256, 176), 14: (256, 210)}


def random_blocks(rng, t, rows, cols, gain=1.0):
    elems, nbytes = KBLOCK[t]
    n = rows * cols // elems
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    s = gain * 2.0 / np.sqrt(cols)
    fields = {3: [(0, s / 8), (2, -s)], 6: [(0, s / 16)], 7: [(0, s / 16), (2, -s)],
              12: [(0, 2 * s / (63 * 15)), (2, s / 63)], 13: [(0, 2 * s / (63 * 31)), (2, s / 63)],
              14: [(208, s / (128 * 32))]}[t]
    for off, v in fields:
        raw[:, off:off + 2] = np.full(n, v, dtype="<f2").view(np.uint8).reshape(n, 2)
    return raw.tobytes()
