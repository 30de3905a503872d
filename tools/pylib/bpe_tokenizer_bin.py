"""Writer for InferPi's byte-level BPE tokenizer.bin ("IPBT", docs/formats.md, "InferPi BPE
tokenizer.bin") from a HuggingFace tokenizer.json (GPT-2 style: ByteLevel pre-tokenizer).

Header (64 bytes, little-endian): "IPBT", uint32 version 1, uint32 n_tokens, uint32
n_merges, uint32 pre-tokenizer (1 gpt2, 2 qwen2, 3 llama3, 4 smollm), uint32 flags
(bit 0 ignore_merges), int32 bos, int32 eos, zeros to 64. Then per token: uint8 type
(1 normal, 3 control, 4 user-defined), uint32 length, raw bytes. Then per merge in rank
order: uint32 left id, uint32 right id, uint32 result id.
"""
import struct

PRE_IDS = {"gpt2": 1, "qwen2": 2, "llama3": 3, "smollm": 4}
NORMAL, CONTROL, USER_DEFINED = 1, 3, 4


def byte_decoder():
    """Inverse of GPT-2's byte->unicode map (docs/formats.md §6.10)."""
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    mapping, n = {}, 0
    for b in range(256):
        if b in keep:
            mapping[chr(b)] = b
        else:
            mapping[chr(0x100 + n)] = b
            n += 1
    return mapping


def detect_pre_tokenizer(tj):
    pre = tj.get("pre_tokenizer") or {}
    parts = pre.get("pretokenizers", [pre]) if pre.get("type") == "Sequence" else [pre]
    types = [p.get("type") for p in parts]
    for p in parts:
        if p.get("type") == "ByteLevel" and p.get("add_prefix_space"):
            raise ValueError("ByteLevel add_prefix_space=true is not supported")
    if types == ["ByteLevel"] and parts[0].get("use_regex", True):
        return "gpt2"
    if types == ["Digits", "ByteLevel"] and parts[0].get("individual_digits"):
        return "smollm"
    if types == ["Split", "ByteLevel"] and not parts[1].get("use_regex", True):
        pattern = parts[0].get("pattern", {}).get("Regex", "")
        if "\\p{N}{1,3}" in pattern:
            return "llama3"
        if "\\p{N}|" in pattern or "\\p{N}|" in pattern.replace(" ", ""):
            return "qwen2"
    raise ValueError(f"unsupported byte-level pre-tokenizer {types}: we implement the gpt2, "
                     "qwen2, llama3 and smollm regexes")


def write(path, tj, vocab_size, bos_id=-1, eos_id=-1):
    model = tj["model"]
    if model.get("type") != "BPE":
        raise ValueError("tokenizer.json model is not BPE")
    pre = detect_pre_tokenizer(tj)
    dec = byte_decoder()
    vocab = model["vocab"]
    tokens = [None] * vocab_size
    for piece, i in vocab.items():
        if i >= vocab_size:
            raise ValueError(f"tokenizer.json id {i} >= vocab_size {vocab_size}")
        try:
            tokens[i] = (NORMAL, bytes(dec[ch] for ch in piece))
        except KeyError:
            raise ValueError(f"token {piece!r} is not in the GPT-2 byte alphabet")
    for added in tj.get("added_tokens", []):
        if added["id"] < vocab_size:
            tokens[added["id"]] = (CONTROL if added.get("special") else USER_DEFINED,
                                   added["content"].encode("utf-8"))
    for i in range(vocab_size):
        if tokens[i] is None:  # padding rows of the embedding (Qwen2.5)
            tokens[i] = (CONTROL, f"<|pad{i}|>".encode())
    merges = []
    for m in model["merges"]:
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        if a not in vocab or b not in vocab or a + b not in vocab:
            raise ValueError(f"merge {a!r} {b!r} names a token that is not in the vocab")
        merges.append((vocab[a], vocab[b], vocab[a + b]))
    flags = 1 if model.get("ignore_merges") else 0
    with open(path, "wb") as f:
        header = struct.pack("<4sIIIIIii", b"IPBT", 1, vocab_size, len(merges), PRE_IDS[pre],
                             flags, bos_id, eos_id)
        f.write(header + b"\0" * (64 - len(header)))
        for ttype, data in tokens:
            f.write(struct.pack("<BI", ttype, len(data)) + data)
        for a, b, t in merges:
            f.write(struct.pack("<III", a, b, t))
    return pre
