"""Writers for tokenizer.bin (docs/formats.md, "InferPi llama tokenizer.bin").

SentencePiece models: llama2.c's layout (uint32 max_token_length, then per id: float32
score, uint32 length, bytes) followed by an optional InferPi trailer that llama2.c's
run.c never reads: "IPTX", uint32 version 1, uint32 n_tokens, uint32 flags
(bit 0 add_dummy_prefix), then one uint8 SentencePiece piece type per token.
"""
import struct

from . import sentencepiece_model as spm

SPM_TRAILER_MAGIC = b"IPTX"


def spm_entries_from_model(path):
    """(pieces as bytes, scores, types, add_dummy_prefix) from a tokenizer.model."""
    m = spm.read(path)
    texts, scores, types = [], [], []
    for text, score, ptype in m["pieces"]:
        texts.append(text.replace("\u2581", " ").encode("utf-8"))
        scores.append(score)
        types.append(ptype)
    if m["remove_extra_whitespaces"]:
        raise ValueError("tokenizer.model normalizes whitespace (remove_extra_whitespaces); "
                         "our SentencePiece encoder does not implement that normalizer")
    return texts, scores, types, m["add_dummy_prefix"]


def spm_entries_from_tokenizer_json(tj, vocab_size):
    """Llama-style SentencePiece BPE in HF tokenizer.json (byte_fallback): scores from the
    merge ranks (docs/formats.md §2.5 step 4)."""
    model = tj["model"]
    vocab = model["vocab"]
    texts = [b""] * vocab_size
    types = [spm.NORMAL] * vocab_size
    scores = [0.0] * vocab_size
    for piece, i in vocab.items():
        if i >= vocab_size:
            raise ValueError(f"tokenizer.json id {i} >= vocab_size {vocab_size}")
        texts[i] = piece.replace("\u2581", " ").encode("utf-8")
        if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
            types[i] = spm.BYTE
    for added in tj.get("added_tokens", []):
        i = added["id"]
        if i < vocab_size:
            texts[i] = added["content"].encode("utf-8")
            types[i] = spm.CONTROL if added.get("special") else spm.USER_DEFINED
    unk = model.get("unk_token")
    if unk in vocab:
        types[vocab[unk]] = spm.UNKNOWN
    seen = set()
    for rank, merge in enumerate(model["merges"]):
        a, b = merge.split(" ", 1) if isinstance(merge, str) else merge
        t = vocab.get(a + b)
        if t is not None and t not in seen:
            scores[t] = -float(rank)
            seen.add(t)
    return texts, scores, types, True


def write_spm(path, texts, scores, types, add_dummy_prefix):
    with open(path, "wb") as f:
        f.write(struct.pack("<I", max(len(t) for t in texts)))
        for text, score in zip(texts, scores):
            f.write(struct.pack("<fI", score, len(text)))
            f.write(text)
        f.write(SPM_TRAILER_MAGIC)
        f.write(struct.pack("<III", 1, len(texts), 1 if add_dummy_prefix else 0))
        f.write(bytes(types))
