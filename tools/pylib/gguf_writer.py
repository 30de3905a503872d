"""GGUF v3 writer (docs/formats.md §6 and "GGUF in InferPi"), numpy only.

    w = GGUFWriter()
    w.add("general.architecture", "llama")            # type inferred (str/bool/int/float/list)
    w.add("llama.block_count", 6, U32)                 # or explicit
    w.add_tensor("token_embd.weight", array_2d, quant.F16)
    w.write("model.gguf")

Layout written: magic "GGUF", version 3, u64 tensor count, u64 KV count, KV pairs, tensor
infos (name, n_dims, ne[] innermost first, ggml type, offset), zero padding to
`general.alignment` (32), tensor data, each tensor padded to the alignment.

`write_model()` turns the exporter's (cfg, plan, tensors) plus tokenizer metadata into a
llama/qwen2 GGUF with the key names llama.cpp's converter writes. Q/K rows must already be
in the order the architecture wants (llama: interleaved pairs, qwen2: HF order) — the
exporter's tensor generator does that.
"""
import struct

import numpy as np

from . import quant

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
_SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
           BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}
ALIGNMENT = 32

# ggml's llama_ftype ("general.file_type") for files that are mostly one type.
# general.file_type by the most common matrix type (K-quants: the _M mixes' ids, Q6_K 18).
FILE_TYPE = {quant.F32: 0, quant.F16: 1, quant.Q4_0: 2, quant.Q8_0: 7, quant.BF16: 32,
             quant.Q4_K: 15, quant.Q5_K: 17, quant.Q6_K: 18}

# SentencePiece / llama.cpp token types.
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def _string(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


def _infer_type(v):
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return U32 if 0 <= v < 2**32 else I64
    if isinstance(v, float):
        return F32
    if isinstance(v, (str, bytes)):
        return STRING
    if isinstance(v, (list, tuple, np.ndarray)):
        return ARRAY
    raise TypeError(f"no GGUF type for {type(v)}")


def encode_value(value, vtype, elem_type=None):
    if vtype == STRING:
        return _string(value)
    if vtype == ARRAY:
        items = list(value)
        if elem_type is None:
            elem_type = _infer_type(items[0]) if items else U32
        if elem_type == ARRAY:
            raise ValueError("nested arrays are not written (ggml rejects them)")
        head = struct.pack("<IQ", elem_type, len(items))
        if elem_type == STRING:
            return head + b"".join(_string(s) for s in items)
        return head + np.asarray(items, dtype=np.dtype(_SCALAR[elem_type])).tobytes()
    return struct.pack(_SCALAR[vtype], value)


class GGUFWriter:
    def __init__(self, alignment=ALIGNMENT):
        self.kv = []          # (key, type, encoded value)
        self.tensors = []     # (name, ne list, ggml type, bytes)
        self.alignment = alignment
        if alignment != ALIGNMENT:
            self.add("general.alignment", alignment, U32)

    def add(self, key, value, vtype=None, elem_type=None):
        vtype = _infer_type(value) if vtype is None else vtype
        if any(k == key for k, _, _ in self.kv):
            raise ValueError(f"duplicate key {key}")
        self.kv.append((key, vtype, encode_value(value, vtype, elem_type)))

    def add_tensor(self, name, array, dtype, ne=None):
        """array: float data (last dim contiguous) or already-encoded bytes with `ne` given.
        GGUF ne is the shape reversed (innermost first)."""
        if isinstance(array, (bytes, bytearray)):
            data = bytes(array)
        else:
            a = np.asarray(array, dtype=np.float32)
            ne = ne or [int(d) for d in reversed(a.shape)]
            data = quant.encode(a, dtype)
        if len(name.encode()) > 63:
            raise ValueError(f"tensor name too long: {name}")
        self.tensors.append((name, list(ne), dtype, data))

    def header_bytes(self):
        out = bytearray(b"GGUF")
        out += struct.pack("<IQQ", 3, len(self.tensors), len(self.kv))
        for key, vtype, enc in self.kv:
            out += _string(key) + struct.pack("<I", vtype) + enc
        offset = 0
        for name, ne, dtype, data in self.tensors:
            out += _string(name) + struct.pack("<I", len(ne))
            out += struct.pack(f"<{len(ne)}Q", *ne) + struct.pack("<IQ", dtype, offset)
            offset += _align(len(data), self.alignment)
        out += b"\0" * (_align(len(out), self.alignment) - len(out))
        return bytes(out)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.header_bytes())
            for _, _, _, data in self.tensors:
                f.write(data)
                f.write(b"\0" * (_align(len(data), self.alignment) - len(data)))
            return f.tell()


def _align(n, a):
    return (n + a - 1) // a * a


def spm_vocab_metadata(w, pieces, scores, types, bos, eos, unk, add_bos=True, add_eos=False,
                       add_space_prefix=True):
    """SentencePiece vocabulary as llama.cpp's `llama` tokenizer model: pieces keep their
    U+2581 (▁) spaces and <0xHH> byte pieces."""
    w.add("tokenizer.ggml.model", "llama")
    w.add("tokenizer.ggml.pre", "default")
    w.add("tokenizer.ggml.tokens", list(pieces), ARRAY, STRING)
    w.add("tokenizer.ggml.scores", [float(s) for s in scores], ARRAY, F32)
    w.add("tokenizer.ggml.token_type", [int(t) for t in types], ARRAY, I32)
    if bos is not None and bos >= 0:
        w.add("tokenizer.ggml.bos_token_id", bos, U32)
    if eos is not None and eos >= 0:
        w.add("tokenizer.ggml.eos_token_id", eos, U32)
    if unk is not None and unk >= 0:
        w.add("tokenizer.ggml.unknown_token_id", unk, U32)
    w.add("tokenizer.ggml.add_bos_token", bool(add_bos))
    w.add("tokenizer.ggml.add_eos_token", bool(add_eos))
    w.add("tokenizer.ggml.add_space_prefix", bool(add_space_prefix))


def bpe_vocab_metadata(w, tokens, types, merges, pre, bos=None, eos=None, eot=None,
                       add_bos=False):
    """Byte-level BPE (GPT-2 alphabet) as llama.cpp's `gpt2` tokenizer model."""
    w.add("tokenizer.ggml.model", "gpt2")
    w.add("tokenizer.ggml.pre", pre)
    w.add("tokenizer.ggml.tokens", list(tokens), ARRAY, STRING)
    w.add("tokenizer.ggml.token_type", [int(t) for t in types], ARRAY, I32)
    w.add("tokenizer.ggml.merges", list(merges), ARRAY, STRING)
    for key, v in (("bos", bos), ("eos", eos), ("eot", eot)):
        if v is not None and v >= 0:
            w.add(f"tokenizer.ggml.{key}_token_id", v, U32)
    w.add("tokenizer.ggml.add_bos_token", bool(add_bos))


def _check_llama_cpp_expressible(cfg):
    """llama.cpp fixes some Gemma3 numbers instead of reading them (src/llama-model.cpp):
    every 6th layer global, local RoPE base 10000, q scaled by 1/sqrt(head_dim). A model that
    differs cannot be written as a GGUF that means the same thing."""
    if cfg["arch"] != "gemma3":
        return
    hd = int(cfg["head_dim"])
    if cfg.get("sliding_window") and (cfg["sliding_pattern"] != 6 or
                                      cfg["rope_theta_local"] != 10000.0):
        raise ValueError("gemma3 GGUF needs sliding_window_pattern 6 and rope_local_base_freq "
                         "10000 (llama.cpp's fixed values)")
    if abs(cfg.get("attn_scale", 0.0) * hd ** 0.5 - 1.0) > 1e-6:
        raise ValueError("gemma3 GGUF needs query_pre_attn_scalar = head_dim (llama.cpp's "
                         "fixed attention scale)")


def write_model(path, cfg, plan, tensors, vocab, chat_template=None, name="model"):
    """cfg: the exporter's config dict (arch, dim, hidden_dim, n_layers, n_heads,
    n_kv_heads, head_dim, vocab_size, context_length, rope_theta, rms_eps); plan: list of
    (name, dtype, rows, cols); tensors: generator of (name, float32 [rows, cols]) in plan
    order, float arrays or already-encoded bytes; vocab(w): adds the tokenizer metadata.
    Returns the file size."""
    arch = cfg["arch"]
    if arch not in ("llama", "qwen2", "qwen3", "gemma3"):
        raise ValueError(f"GGUF export supports llama, qwen2, qwen3 and gemma3, not {arch}")
    _check_llama_cpp_expressible(cfg)
    w = GGUFWriter()
    w.add("general.architecture", arch)
    w.add("general.name", name)
    w.add(f"{arch}.context_length", int(cfg["context_length"]), U32)
    w.add(f"{arch}.embedding_length", int(cfg["dim"]), U32)
    w.add(f"{arch}.block_count", int(cfg["n_layers"]), U32)
    w.add(f"{arch}.feed_forward_length", int(cfg["hidden_dim"]), U32)
    w.add(f"{arch}.attention.head_count", int(cfg["n_heads"]), U32)
    w.add(f"{arch}.attention.head_count_kv", int(cfg["n_kv_heads"]), U32)
    w.add(f"{arch}.attention.layer_norm_rms_epsilon", float(cfg["rms_eps"]), F32)
    w.add(f"{arch}.rope.freq_base", float(cfg["rope_theta"]), F32)
    hd = int(cfg["head_dim"])
    if hd * int(cfg["n_heads"]) != int(cfg["dim"]) or arch in ("qwen3", "gemma3"):
        w.add(f"{arch}.attention.key_length", hd, U32)
        w.add(f"{arch}.attention.value_length", hd, U32)
    w.add(f"{arch}.rope.dimension_count", hd, U32)
    if cfg.get("rope_freq_scale", 1.0) != 1.0:
        w.add(f"{arch}.rope.scaling.type", "linear")
        w.add(f"{arch}.rope.scaling.factor", 1.0 / float(cfg["rope_freq_scale"]), F32)
    if arch == "gemma3" and cfg.get("sliding_window"):
        w.add("gemma3.attention.sliding_window", int(cfg["sliding_window"]), U32)
    if arch == "llama":
        w.add("llama.vocab_size", int(cfg["vocab_size"]), U32)
    main_types = [d for _, d, rows, _ in plan if rows > 1]
    w.add("general.file_type", FILE_TYPE.get(max(set(main_types), key=main_types.count), 1), U32)
    if any(d in (quant.Q8_0, quant.Q4_0, quant.Q4_K, quant.Q5_K, quant.Q6_K) for d in main_types):
        w.add("general.quantization_version", 2, U32)
    vocab(w)
    if chat_template:
        w.add("tokenizer.chat_template", chat_template)
    kinds = {n: (d, rows, cols) for n, d, rows, cols in plan}
    for tname, array in tensors:
        dtype, rows, cols = kinds[tname]
        if isinstance(array, (bytes, bytearray)):  # blocks already encoded (e.g. K-quants)
            w.add_tensor(tname, array, dtype, ne=[cols, rows])
            continue
        a = np.asarray(array, dtype=np.float32).reshape(rows, cols)
        if rows == 1 and dtype in (quant.F32, quant.F16, quant.BF16):
            w.add_tensor(tname, a.reshape(cols), dtype)  # vectors are 1-D in GGUF
        else:
            w.add_tensor(tname, a, dtype)
    return w.write(path)
