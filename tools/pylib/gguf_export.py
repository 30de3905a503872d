"""`export_llama.py --format gguf`: the exporter's (cfg, plan, tensors) plus the HF
tokenizer as a llama.cpp-compatible GGUF v3 file (docs/formats.md "GGUF in InferPi").

Tokenizers:
- tokenizer.model (SentencePiece) or a byte-fallback BPE tokenizer.json → `llama`
  (pieces keep U+2581, scores, token types, <0xHH> byte pieces);
- byte-level BPE tokenizer.json → `gpt2` (GPT-2 alphabet tokens, merges, pre-tokenizer name
  recognised from tokenizer.json's regex, or given with --gguf_pre).
"""
import json
import os

from . import gguf_writer, hf_llama, sentencepiece_model as spm, tokenizer_bin

# Pre-tokenizer names llama.cpp knows, recognised from the Split regex in tokenizer.json.
_QWEN2_RE = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
_LLAMA3_RE = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"


def _pre_tokenizers(tj):
    pt = tj.get("pre_tokenizer") or {}
    return pt.get("pretokenizers", [pt]) if pt.get("type") == "Sequence" else [pt]


def detect_pre(tj):
    """tokenizer.ggml.pre for a byte-level BPE tokenizer.json, or raise."""
    pts = _pre_tokenizers(tj)
    regexes = [p.get("pattern", {}).get("Regex") for p in pts if p.get("type") == "Split"]
    kinds = [p.get("type") for p in pts]
    if _QWEN2_RE in regexes:
        return "qwen2"
    if _LLAMA3_RE in regexes:
        return "llama-bpe"
    if not regexes and "ByteLevel" in kinds:
        digits = [p for p in pts if p.get("type") == "Digits"]
        if digits and digits[0].get("individual_digits"):
            return "smollm"
        if not digits:
            return "gpt-2"
    raise ValueError("cannot tell which llama.cpp pre-tokenizer this tokenizer.json uses; "
                     "pass --gguf_pre NAME (gpt-2, smollm, qwen2, llama-bpe)")


def _spm_vocab(model_dir, cfg, tok_cfg):
    path = os.path.join(model_dir, "tokenizer.model")
    if os.path.exists(path):
        m = spm.read(path)
        pieces = [p[0] for p in m["pieces"]]
        scores = [p[1] for p in m["pieces"]]
        types = [p[2] for p in m["pieces"]]
        prefix = m["add_dummy_prefix"]
    else:
        with open(os.path.join(model_dir, "tokenizer.json")) as f:
            tj = json.load(f)
        texts, scores, types, prefix = tokenizer_bin.spm_entries_from_tokenizer_json(
            tj, cfg["vocab_size"])
        pieces = [t.decode("utf-8").replace(" ", "\u2581") for t in texts]
    unk = types.index(spm.UNKNOWN) if spm.UNKNOWN in types else -1

    def add(w):
        gguf_writer.spm_vocab_metadata(w, pieces, scores, types, cfg["bos_id"], cfg["eos_id"],
                                       unk, add_bos=cfg["add_bos"], add_space_prefix=prefix)
    return add


def _bpe_vocab(tj, cfg, pre):
    V = cfg["vocab_size"]
    vocab = tj["model"]["vocab"]
    tokens = [f"[PAD{i}]" for i in range(V)]
    types = [gguf_writer.UNUSED] * V
    for text, i in vocab.items():
        if i < V:
            tokens[i], types[i] = text, gguf_writer.NORMAL
    for added in tj.get("added_tokens", []):
        i = added["id"]
        if i < V:
            tokens[i] = added["content"]
            types[i] = gguf_writer.CONTROL if added.get("special") else gguf_writer.USER_DEFINED
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    eos = cfg["eos_id"]
    stops = [s for s in cfg["stop_ids"] if s != eos]

    def add(w):
        gguf_writer.bpe_vocab_metadata(w, tokens, types, merges, pre or detect_pre(tj),
                                       bos=cfg["bos_id"], eos=eos,
                                       eot=stops[0] if stops else None, add_bos=cfg["add_bos"])
    return add


def write(path, model_dir, cfg, ckpt, dtype, chat_template, pre=None, name=None):
    """Writes the GGUF; returns its size."""
    tj_path = os.path.join(model_dir, "tokenizer.json")
    tj = {}
    if os.path.exists(tj_path):
        with open(tj_path) as f:
            tj = json.load(f)
    byte_level = (not os.path.exists(os.path.join(model_dir, "tokenizer.model")) and tj and
                  tj["model"]["type"] == "BPE" and not tj["model"].get("byte_fallback"))
    vocab = _bpe_vocab(tj, cfg, pre) if byte_level else _spm_vocab(model_dir, cfg, {})
    return gguf_writer.write_model(path, cfg, hf_llama.plan(cfg, dtype),
                                   hf_llama.tensors(cfg, ckpt), vocab, chat_template,
                                   name or os.path.basename(os.path.normpath(model_dir)))
