#!/usr/bin/python3
"""Export a HuggingFace Llama/Qwen2 folder to InferPi's model.bin + tokenizer.bin.

  /usr/bin/python3 tools/export_llama.py --model_dir HF_DIR --output_dir OUT [--dtype f32|f16|bf16|q8_0|q4_0|q4_k_m|q5_k_m|q6_k]
  /usr/bin/python3 tools/export_llama.py --model_dir HF_DIR --output_dir OUT --format llama2c [--dtype f32|f16]

HF_DIR holds config.json, model.safetensors (or a sharded index), tokenizer.model and/or
tokenizer.json, tokenizer_config.json and optionally chat_template.jinja. numpy only;
tensors are streamed one at a time. Formats: docs/formats.md ("InferPi llama model.bin",
"InferPi llama tokenizer.bin").
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pylib import chat_template_detect, hf_llama, model_bin, quant, tokenizer_bin  # noqa: E402


def _read_json(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def chat_template_text(model_dir, tok_cfg):
    path = os.path.join(model_dir, "chat_template.jinja")
    if os.path.exists(path):
        with open(path) as f:
            return f.read()
    t = tok_cfg.get("chat_template")
    if isinstance(t, list):  # [{name, template}, ...]
        t = next((x["template"] for x in t if x.get("name") == "default"), t[0]["template"])
    return t


def export_tokenizer(model_dir, cfg, tok_cfg, out_path):
    """Writes tokenizer.bin; returns (tokenizer_type, add_bos_default)."""
    spm_path = os.path.join(model_dir, "tokenizer.model")
    tj_path = os.path.join(model_dir, "tokenizer.json")
    tj = _read_json(tj_path)
    V = cfg["vocab_size"]
    if os.path.exists(spm_path):
        texts, scores, types, prefix = tokenizer_bin.spm_entries_from_model(spm_path)
    elif tj and tj["model"]["type"] == "BPE" and tj["model"].get("byte_fallback"):
        texts, scores, types, prefix = tokenizer_bin.spm_entries_from_tokenizer_json(tj, V)
    elif tj and tj["model"]["type"] == "BPE":
        from pylib import bpe_tokenizer_bin
        bpe_tokenizer_bin.write(out_path, tj, V, cfg["bos_id"], cfg["eos_id"])
        return model_bin.TOKENIZER_BYTE_BPE, False
    else:
        raise ValueError("no supported tokenizer (need tokenizer.model or a BPE tokenizer.json)")
    if len(texts) != V:
        raise ValueError(f"tokenizer has {len(texts)} pieces but config vocab_size is {V}")
    tokenizer_bin.write_spm(out_path, texts, scores, types, prefix)
    return model_bin.TOKENIZER_SPM, True


def dtype_arg(name):
    """A type id, or a K-quant mix name (quant.SCHEMES: q4_k_m, q5_k_m, q6_k) that
    hf_llama.plan() resolves per matrix."""
    return quant.NAMES.get(name, name)


def export_gguf(args, cfg, ckpt, tok_cfg):
    from pylib import gguf_export
    tj = _read_json(os.path.join(args.model_dir, "tokenizer.json"))
    spm = (os.path.exists(os.path.join(args.model_dir, "tokenizer.model")) or
           bool(tj and tj["model"].get("byte_fallback")))
    cfg["add_bos"] = bool(tok_cfg.get("add_bos_token", spm))  # SentencePiece adds BOS
    if args.context_length:
        cfg["context_length"] = min(cfg["context_length"], args.context_length)
    path = os.path.join(args.output_dir, "model.gguf")
    size = gguf_export.write(path, args.model_dir, cfg, ckpt, dtype_arg(args.dtype),
                             chat_template_text(args.model_dir, tok_cfg), args.gguf_pre)
    print(f"wrote {path} ({size} bytes, {cfg['arch']}, {args.dtype})")
    return 0


def export_llama2c(args, cfg, ckpt, tok_cfg):
    """llama2.c v0 model.bin (fp32, or fp16 as the seed publishes it) + a SentencePiece
    tokenizer.bin in llama2.c's layout (docs/formats.md "llama2.c model.bin")."""
    from pylib import llama2c
    if args.dtype not in ("f32", "f16"):
        raise ValueError("--format llama2c writes f32 or f16 (--dtype)")
    # run.c (and our reader) hardcode theta 10000, eps 1e-5, BOS 1, EOS 2: refuse a model
    # that would silently run with other numbers.
    if cfg["arch"] != "llama" or abs(cfg["rope_theta"] - 10000.0) > 1e-3 or \
            abs(cfg["rms_eps"] - 1e-5) > 1e-9:
        raise ValueError("llama2.c files imply arch llama, rope_theta 10000 and rms_norm_eps 1e-5; "
                         f"this model has {cfg['arch']}, {cfg['rope_theta']}, {cfg['rms_eps']}")
    tok_type, _ = export_tokenizer(args.model_dir, cfg, tok_cfg,
                                   os.path.join(args.output_dir, "tokenizer.bin"))
    if tok_type != model_bin.TOKENIZER_SPM:
        raise ValueError("llama2.c files need a SentencePiece tokenizer")
    if args.context_length:
        cfg["context_length"] = min(cfg["context_length"], args.context_length)
    path = os.path.join(args.output_dir, "model.bin")
    llama2c.write_v0(path, cfg, hf_llama.tensors(cfg, ckpt), args.dtype)
    print(f"wrote {path} ({os.path.getsize(path)} bytes, llama2.c v0, {args.dtype}) and tokenizer.bin")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model_dir", required=True)
    ap.add_argument("--output_dir", required=True)
    ap.add_argument("--dtype", default="f16", choices=sorted(quant.NAMES) + sorted(quant.SCHEMES))
    ap.add_argument("--chat_template", choices=sorted(model_bin.CHAT_TEMPLATES),
                    help="override the template detected from the tokenizer config")
    ap.add_argument("--context_length", type=int, help="record a smaller context than the model's")
    ap.add_argument("--format", default="bin", choices=["bin", "gguf", "llama2c"],
                    help="bin: model.bin + tokenizer.bin; gguf: one model.gguf llama.cpp also reads; "
                         "llama2c: llama2.c v0 model.bin (f32/f16) + tokenizer.bin")
    ap.add_argument("--gguf_pre", help="GGUF pre-tokenizer name for byte-level BPE tokenizers")
    args = ap.parse_args(argv)
    try:
        cfg, ckpt = hf_llama.load(args.model_dir)
        tok_cfg = _read_json(os.path.join(args.model_dir, "tokenizer_config.json"))
        os.makedirs(args.output_dir, exist_ok=True)
        if args.format == "gguf":
            return export_gguf(args, cfg, ckpt, tok_cfg)
        if args.format == "llama2c":
            return export_llama2c(args, cfg, ckpt, tok_cfg)
        tok_type, add_bos = export_tokenizer(args.model_dir, cfg, tok_cfg,
                                             os.path.join(args.output_dir, "tokenizer.bin"))
        cfg["tokenizer_type"] = tok_type
        cfg["add_bos"] = bool(tok_cfg.get("add_bos_token", add_bos))
        cfg["chat_template"] = args.chat_template or chat_template_detect.detect(
            chat_template_text(args.model_dir, tok_cfg))
        if args.context_length:
            cfg["context_length"] = min(cfg["context_length"], args.context_length)
        dtype = dtype_arg(args.dtype)
        path = os.path.join(args.output_dir, "model.bin")
        size = model_bin.write(path, cfg, hf_llama.plan(cfg, dtype), hf_llama.tensors(cfg, ckpt))
    except (ValueError, KeyError, OSError) as e:
        print(f"export_llama: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({size} bytes, {cfg['arch']}, {args.dtype}, template "
          f"{cfg['chat_template']}) and tokenizer.bin")
    return 0


if __name__ == "__main__":
    sys.exit(main())
