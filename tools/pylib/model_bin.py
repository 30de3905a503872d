"""Writer for InferPi's llama model.bin, version 1 (docs/formats.md, "InferPi llama model.bin").

Little-endian. A 256-byte header, a table of 64-byte tensor entries, then the tensor data,
each tensor starting at a multiple of ALIGNMENT (64) from the start of the file. Tensor
bytes are produced by quant.encode (GGUF block layouts, dtype ids = ggml type ids).
"""
import struct

from . import quant

MAGIC = b"IPLM"
VERSION = 1
HEADER_SIZE = 256
ENTRY_SIZE = 64
ALIGNMENT = 64
NAME_BYTES = 32

ARCH_IDS = {"llama": 1, "qwen2": 2, "qwen3": 3, "gemma3": 4}
ROPE_INTERLEAVED, ROPE_HALF_SPLIT = 0, 1
FLAG_TIED, FLAG_QKV_BIAS, FLAG_ADD_BOS = 1, 2, 4
FLAG_QK_NORM, FLAG_POST_NORMS, FLAG_SCALE_EMBEDDINGS = 8, 16, 32
TOKENIZER_SPM, TOKENIZER_BYTE_BPE = 1, 2
CHAT_TEMPLATES = {"completion": 0, "alpaca": 1, "alpaca-stanford": 2, "chatml": 3, "llama2": 4,
                  "zephyr": 5, "llama3": 6, "chatml-qwen2.5": 7, "chatml-smollm2": 8,
                  "llama3.1": 9, "chatml-qwen3": 10, "gemma": 11}


def _align(n):
    return (n + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


def header_bytes(cfg, n_tensors, data_offset, file_size):
    stops = list(cfg["stop_ids"])[:4]
    stops += [-1] * (4 - len(stops))
    flags = ((FLAG_TIED if cfg["tied"] else 0) | (FLAG_QKV_BIAS if cfg["qkv_bias"] else 0) |
             (FLAG_ADD_BOS if cfg["add_bos"] else 0) |
             (FLAG_QK_NORM if cfg.get("qk_norm") else 0) |
             (FLAG_POST_NORMS if cfg.get("post_norms") else 0) |
             (FLAG_SCALE_EMBEDDINGS if cfg.get("scale_embeddings") else 0))
    h = struct.pack(
        "<4sIII" "IIIIIIII" "ff" "II" "ii4i" "II" "II" "QQQ" "IffIIf",
        MAGIC, VERSION, HEADER_SIZE, ARCH_IDS[cfg["arch"]],
        cfg["dim"], cfg["hidden_dim"], cfg["n_layers"], cfg["n_heads"], cfg["n_kv_heads"],
        cfg["head_dim"], cfg["vocab_size"], cfg["context_length"],
        cfg["rope_theta"], cfg["rms_eps"],
        cfg["rope_pairing"], flags,
        cfg["bos_id"], cfg["eos_id"], *stops,
        cfg["tokenizer_type"], CHAT_TEMPLATES[cfg["chat_template"]],
        n_tensors, ALIGNMENT,
        HEADER_SIZE, data_offset, file_size,
        cfg.get("ffn_activation", 0), cfg.get("attn_scale", 0.0), cfg.get("rope_freq_scale", 1.0),
        cfg.get("sliding_window", 0), cfg.get("sliding_pattern", 0),
        cfg.get("rope_theta_local", 0.0))
    assert len(h) <= HEADER_SIZE
    return h + b"\0" * (HEADER_SIZE - len(h))


# GGUF names longer than the 31 bytes a table entry holds (blk.NN.post_attention_norm.weight)
# are stored under llama.cpp's enum names instead (docs/formats.md).
SHORT_NAMES = {"post_attention_norm.weight": "attn_post_norm.weight",
               "post_ffw_norm.weight": "ffn_post_norm.weight"}


def bin_name(name):
    for long, short in SHORT_NAMES.items():
        if name.endswith("." + long):
            return name[:-len(long)] + short
    return name


def write(path, cfg, specs, tensors):
    """specs: list of (name, dtype_id, rows, cols) in file order; tensors: an iterator that
    yields (name, float32 array [rows, cols]) in the same order (streamed, one at a time)."""
    table_end = HEADER_SIZE + ENTRY_SIZE * len(specs)
    offset = _align(table_end)
    entries = []
    for name, dtype, rows, cols in specs:
        if len(bin_name(name).encode()) >= NAME_BYTES:
            raise ValueError(f"tensor name too long: {name}")
        nbytes = quant.row_bytes(dtype, cols) * rows
        entries.append((name, dtype, rows, cols, offset, nbytes))
        offset = _align(offset + nbytes)
    file_size = entries[-1][4] + entries[-1][5]
    data_offset = entries[0][4]
    with open(path, "wb") as f:
        f.write(header_bytes(cfg, len(specs), data_offset, file_size))
        for name, dtype, rows, cols, off, nbytes in entries:
            f.write(struct.pack("<32sIIIIQQ", bin_name(name).encode(), dtype, rows, cols, 0, off,
                                nbytes))
        for (name, dtype, rows, cols, off, nbytes), (tname, array) in zip(entries, tensors):
            if tname != name or tuple(array.shape) != (rows, cols):
                raise ValueError(f"tensor {tname} {array.shape} does not match the plan "
                                 f"{name} ({rows}, {cols})")
            f.write(b"\0" * (off - f.tell()))
            data = quant.encode(array, dtype)
            assert len(data) == nbytes
            f.write(data)
        assert f.tell() == file_size
    return file_size
