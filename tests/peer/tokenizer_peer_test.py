#!/usr/bin/python3
"""Tokenizers and chat templates of the families issue 14 adds, against their references.

    tokenizer_peer_test.py INFERPI_BIN SOURCE_DIR WORK_DIR

Three small GGUF models are generated here, one per tokenizer family, each carrying the
real chat template of that family (tests/fixtures/chat_templates):
  - llama-bpe: byte-level BPE, Llama 3 pre-tokenizer (ignore_merges), Llama 3 control tokens,
    the Llama 3.2 Instruct template;
  - qwen2:     byte-level BPE, Qwen2 pre-tokenizer, ChatML control tokens, <think>/</think>
    as user-defined tokens (as Qwen3's GGUFs have them), the Qwen3 template;
  - gemma-spm: SentencePiece as Gemma's (no dummy-prefix space, byte fallback, multi-space
    pieces, user-defined pieces, <start_of_turn>/<end_of_turn> control), the Gemma 3 template.
Checks:
  1. tokenization identical to llama.cpp's (node-llama-cpp 3.21.1, vocabulary only) on tricky
     strings, both as typed text (parse_special off) and with special tokens parsed;
  2. the prompt our built-in template renders for a 3-turn conversation with a system message
     (and without one) equals the Jinja template's rendering (@huggingface/jinja) byte for
     byte; for Qwen3 with thinking on, and with thinking off for the first turn;
  3. the token ids our chat session feeds for that conversation equal llama.cpp's (and our
     own) tokenization of the Jinja rendering with special tokens parsed;
  4. BOS/EOS ids and add_bos agree with llama.cpp's reading of the file.
Prints "SKIP: <reason>" when node or the npm packages are missing (CTest marks it skipped).
"""
import os
import shutil
import sys

import numpy as np

INFERPI, SRC, WORK = sys.argv[1:4]
sys.path.insert(0, os.path.join(SRC, "tools"))
from pylib import gguf_writer as gw, quant, random_models  # noqa: E402
from peer_checks import (check, configure, finish, has_package, node, ours,  # noqa: E402
                         our_tokens, require_node, skip)

configure(INFERPI, WORK)
TEMPLATES = os.path.join(SRC, "tests", "fixtures", "chat_templates")

TRICKY = [
    "Hello world", " leading space", "two  spaces and trailing ", "   ", "        eight",
    "tabs\tand\nnew\nlines\n\n", "\n\n\nx", "line\r\nbreak", "héllo wörld ½ 日本語 🤖 👍🏽",
    "numbers 1234567890 3.14159 12,345", "punct!?.,;:'\"()[]{}<>", "I'm can't WE'LL they've",
    "\u00a0no-break\u00a0space", "x" * 40, "日本語のテキスト、中文文本。", "emoji🤖🤖 mixed😀text",
    "\u2581already\u2581marked", "a", "<s> and </s> stay text",
    "<|im_start|>user\nhi<|im_end|>\n", "<think>\nhmm\n</think>\n\nok",
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nx<|eot_id|>",
    "<bos><start_of_turn>user\nhello<end_of_turn>\n<start_of_turn>model\n",
    "<table><td>cell</td></table>", "<unk> and <pad>",
    # Longer than one SentencePiece segment (16 KB): cut where no merge can cross.
    ("the capital  of   france " * 800)[:-1],
]
TRAIN_TEXT = ("In the beginning God created the heaven and the earth. And God said, Let there be "
              "light: and there was light. Hello world, héllo wörld! I'm sure they've said we'll "
              "go. Numbers 1234567890, 3.14159 and 12,345. 日本語のテキスト、中文文本。 🤖 emoji "
              "\n\n  indented code:\n    return x ** 2  # square\n") * 3
SYSTEM = "You are a concise assistant."
TURNS = ["What is the capital of France?", "Paris.", "And of Japan?", "Tokyo.",
         "Thanks! Which city is bigger?"]


def chat_args(system, turns, think=None):
    args = ["--system", system] if system else []
    if think is not None:
        args += ["--think", think]
    for i, t in enumerate(turns):
        args += ["--user" if i % 2 == 0 else "--reply", t]
    return args


# ---- vocabularies ---------------------------------------------------------------------------

def train_bpe(n_merges=400):
    """Byte-level BPE trained here (GPT-2 alphabet) on TRAIN_TEXT: 256 byte tokens, merged
    tokens in rank order. Words are cut by a simple regex; merges never cross them."""
    return random_models.train_bpe(TRAIN_TEXT, n_merges, r" ?[^\W\d_]+| ?\d{1,3}| ?[^\s\w]+|\s+")


def llama3_vocab():
    tokens, merges = train_bpe()
    types = [gw.NORMAL] * len(tokens)
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>"]
    base = len(tokens)
    tokens += specials
    types += [gw.CONTROL] * len(specials)

    def vocab(w):
        gw.bpe_vocab_metadata(w, tokens, types, merges, "llama-bpe", bos=base,
                              eos=base + 6, add_bos=True)
    # The template prints today's date; the Pi has no clock, so we render its fallback date.
    return len(tokens), vocab, {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
                                "date_string": "26 Jul 2024"}


def qwen3_vocab():
    tokens, merges = train_bpe()
    types = [gw.NORMAL] * len(tokens)
    base = len(tokens)
    tokens += ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"]
    types += [gw.CONTROL] * 3 + [gw.USER_DEFINED] * 2

    def vocab(w):
        gw.bpe_vocab_metadata(w, tokens, types, merges, "qwen2", bos=base, eos=base + 2,
                              add_bos=False)
    return len(tokens), vocab, {"bos_token": "<|endoftext|>", "eos_token": "<|im_end|>"}


def gemma_vocab():
    """Gemma-style SentencePiece: ids 0-3 <pad> <eos> <bos> <unk>, turn markers, byte pieces,
    user-defined pieces, then normal pieces by score (no dummy prefix)."""
    pieces = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>"]
    types = [gw.CONTROL, gw.CONTROL, gw.CONTROL, gw.UNKNOWN, gw.USER_DEFINED, gw.CONTROL,
             gw.CONTROL]
    pieces += [f"<0x{b:02X}>" for b in range(256)]
    types += [gw.BYTE] * 256
    user = ["<table>", "<td>", "</td>", "</table>", "\u2581" * 8]
    pieces += user
    types += [gw.USER_DEFINED] * len(user)
    normal = ["\u2581", "\n", "\n\n", "\u2581\u2581", "\u2581\u2581\u2581\u2581", "\t"]
    normal += list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?'\"()-")
    normal += list("日本語中文テキスト、。éöü½") + ["🤖"]
    words = ("the and of to in he said hello world is be it capital france japan thanks which "
             "city bigger paris tokyo what you are concise assistant user model").split()
    for wd in words:
        for k in range(2, len(wd) + 1):
            for p in ("\u2581" + wd[:k], wd[:k]):
                if p not in normal:
                    normal.append(p)
    normal += ["\u2581" + c for c in "abcdefghijklmnopqrstuvwxyz" if "\u2581" + c not in normal]
    pieces += normal
    types += [gw.NORMAL] * len(normal)
    scores = [0.0] * (len(pieces) - len(normal)) + [-float(i) for i in range(len(normal))]

    def vocab(w):
        gw.spm_vocab_metadata(w, pieces, scores, types, 2, 1, 3, add_bos=True,
                              add_space_prefix=False)
    return len(pieces), vocab, {"bos_token": "<bos>", "eos_token": "<eos>"}


def write_model(path, V, vocab, template, always=None):
    """Random weights; with `always` = a token id, weights that make greedy decoding emit
    that token every step (residual dimension 0 held large and positive, the classifier
    reading only it for that token)."""
    rng = np.random.default_rng(5)
    D, F, H, KV = 32, 64, 2, 1
    hs = D // H
    cfg = {"arch": "llama", "dim": D, "hidden_dim": F, "n_layers": 1, "n_heads": H,
           "n_kv_heads": KV, "head_dim": hs, "vocab_size": V, "context_length": 1024,
           "rope_theta": 10000.0, "rms_eps": 1e-5}
    b = "blk.0."
    plan = [("token_embd.weight", quant.F32, V, D), (b + "attn_norm.weight", quant.F32, 1, D),
            (b + "attn_q.weight", quant.F32, H * hs, D), (b + "attn_k.weight", quant.F32, KV * hs, D),
            (b + "attn_v.weight", quant.F32, KV * hs, D), (b + "attn_output.weight", quant.F32, D, H * hs),
            (b + "ffn_norm.weight", quant.F32, 1, D), (b + "ffn_gate.weight", quant.F32, F, D),
            (b + "ffn_up.weight", quant.F32, F, D), (b + "ffn_down.weight", quant.F32, D, F),
            ("output_norm.weight", quant.F32, 1, D)]
    if always is not None:
        plan.append(("output.weight", quant.F32, V, D))

    def tensor(name, rows, cols):
        a = rng.standard_normal((rows, cols)) / np.sqrt(cols)
        if always is not None:
            if name == "token_embd.weight":
                a[:, 0] = 50.0
            elif name == "output.weight":
                a = np.zeros((rows, cols))
                a[always, 0] = 10.0
            elif not name.endswith("norm.weight"):
                a *= 0.01
        return a
    tensors = ((n, tensor(n, r, c)) for n, _, r, c in plan)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    gw.write_model(path, cfg, plan, tensors, vocab, template, os.path.basename(os.path.dirname(path)))


# ---- checks ---------------------------------------------------------------------------------

def messages(system, turns):
    out = [{"role": "system", "content": system}] if system else []
    return out + [{"role": "user" if i % 2 == 0 else "assistant", "content": t}
                  for i, t in enumerate(turns)]


def check_templates(label, d, template, specials, have_llama, think_switch):
    cases = [(SYSTEM, TURNS, None), (None, TURNS, None), (SYSTEM, TURNS[:1], None)]
    if think_switch:
        cases += [(SYSTEM, TURNS[:1], "off"), (None, TURNS[:1], "off"), (SYSTEM, TURNS, "on")]
    reqs = []
    for system, turns, think in cases:
        r = {"template": template, "messages": messages(system, turns),
             "add_generation_prompt": True, **specials}
        if think is not None:
            r["enable_thinking"] = think == "on"
        reqs.append(r)
    rendered = node("render_jinja.mjs", reqs)
    peer_ids = None
    if have_llama:
        peer_ids = node("tokenizer_peer.mjs", {"model": os.path.join(d, "model.gguf"),
                                               "texts": [[t, True] for t in rendered]})["tokens"]
    for k, ((system, turns, think), jinja) in enumerate(zip(cases, rendered)):
        what = (f"{label} template, {len(turns) // 2 + 1} user turn(s), "
                f"{'system' if system else 'no system'}{'' if think is None else ', think ' + think}")
        text = ours("chat-render", d, "--text", *chat_args(system, turns, think))
        check(f"{what}: text", text == jinja,
              f"{len(text)} bytes identical" if text == jinja else
              f"\n  ours  {text!r}\n  jinja {jinja!r}")
        ids = [int(t) for t in ours("chat-render", d, *chat_args(system, turns, think)).split()]
        mine = our_tokens(d, jinja, special=True)
        check(f"{what}: ids = our tokenize(jinja, special)", ids == mine,
              f"{len(ids)} ids" if ids == mine else f"\n  session {ids}\n  tokenize {mine}")
        if peer_ids is not None:
            check(f"{what}: ids = llama.cpp tokenize(jinja, special)", ids == peer_ids[k],
                  f"{len(ids)} ids" if ids == peer_ids[k] else f"\n  ours {ids}\n  llama.cpp {peer_ids[k]}")


def check_tokenizer(label, d, V):
    texts = [[t, s] for t in TRICKY for s in (False, True)]
    p = node("tokenizer_peer.mjs", {"model": os.path.join(d, "model.gguf"), "texts": texts})
    for (text, special), theirs in zip(texts, p["tokens"]):
        mine = our_tokens(d, text, special)
        check(f"{label} tokenize{' special' if special else ''} {text[:28]!r}", mine == theirs,
              "identical" if mine == theirs else f"ours {mine} llama.cpp {theirs}")
    return p


def check_thinking_display(V, vocab, template):
    """A model that only ever says <think>: the reply is shown dimmed (SGR 2) from the
    <think> token and the terminal is reset (SGR 0) at the end of the reply."""
    d = os.path.join(WORK, "qwen3-thinks")
    write_model(os.path.join(d, "model.gguf"), V, vocab, template, always=V - 2)
    out = ours(d, "--prompt", "hello", "--greedy", "--max-tokens", "3")
    want = "\x1b[2m<think><think><think>\x1b[0m"
    check("thinking shown dimmed", want in out, repr(out[:200]))


def main():
    require_node("@huggingface/jinja")
    have_llama = has_package("node-llama-cpp")
    if not have_llama:
        print("note: node-llama-cpp absent: llama.cpp tokenization checks skipped")
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    families = [("llama-bpe", llama3_vocab, "llama-3.2-instruct.jinja", False),
                ("qwen2", qwen3_vocab, "qwen3.jinja", True),
                ("gemma-spm", gemma_vocab, "gemma-3-it.jinja", False)]
    for label, make_vocab, template_file, think in families:
        V, vocab, specials = make_vocab()
        with open(os.path.join(TEMPLATES, template_file), encoding="utf-8") as f:
            template = f.read()
        d = os.path.join(WORK, label)
        write_model(os.path.join(d, "model.gguf"), V, vocab, template)
        if have_llama:
            try:
                p = check_tokenizer(label, d, V)
            except RuntimeError as e:
                skip(f"the prebuilt llama.cpp from node-llama-cpp cannot run here: {e}")
            bos_tok = our_tokens(d, specials["bos_token"], special=True)
            check(f"{label} BOS id", bos_tok == [p["bos"]], f"ours {bos_tok} llama.cpp {p['bos']}")
            check(f"{label} add_bos", p["add_bos"] == (label != "qwen2"),
                  f"llama.cpp prepends BOS: {p['add_bos']}")
        check_templates(label, d, template, specials, have_llama, think)
        if think:
            check_thinking_display(V, vocab, template)
    return finish("tokenizer and template checks")


if __name__ == "__main__":
    sys.exit(main())
