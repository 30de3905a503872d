#!/usr/bin/python3
"""GPT2 (nanochat) models through the host CLI's scriptable interface (`inferpi tokenize |
logits | generate | perplexity`, and a one-shot chat with --prompt). Each case exports with
tools/export_gpt2.py and compares with nanochat's golden outputs. Exit 77 = skipped
(../shared absent), 1 = failed.

    gpt2_cli_cases.py --inferpi BIN --work DIR --shared DIR CASE
"""
import json
import os
import re
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from pylib.cli_cases import Fail, parse_args, run as run_case, skip  # noqa: E402


def run(args, check=True):
    p = subprocess.run(args, capture_output=True, text=True, timeout=1400)
    if check and p.returncode != 0:
        raise Fail(f"{' '.join(args[:3])}... exited {p.returncode}: {p.stderr.strip()[:300]}")
    return p


def export(a, ckpt, tokdir, name, extra=()):
    out = os.path.join(a.work, name)
    run([sys.executable, os.path.join(ROOT, "tools", "export_gpt2.py"), "--checkpoint-dir", ckpt,
         "--tokenizer-dir", tokdir, "--output_dir", out, *extra])
    return out


def golden(a):
    g = os.path.join(a.shared, "golden", "nanochat_gqa_sssl")
    if not os.path.exists(os.path.join(g, "golden.json")):
        skip(f"{g}/golden.json absent (reference material ../shared not available)")
    return g, json.load(open(os.path.join(g, "golden.json")))


def demo(a):
    d = os.path.join(a.shared, "models", "demo-nanochat")
    if not os.path.exists(os.path.join(d, "tokenizer", "tokenizer.pkl")):
        skip(f"{d}/tokenizer/tokenizer.pkl absent (reference material ../shared not available)")
    return export(a, os.path.join(d, "chatsft_checkpoints", "d6"), os.path.join(d, "tokenizer"), "demo")


def case_logits(a):
    g, gold = golden(a)
    model = export(a, os.path.join(g, "chatsft_checkpoints", "d4"), os.path.join(g, "tokenizer"), "golden")
    ids = gold["prompt_ids"]
    out = os.path.join(a.work, "logits.f32")
    # f32 KV cache: the golden logits are nanochat's f32 forward; the default f16 cache's
    # rounding alone moves them by ~3e-4 (Gpt2Golden.F16KvCacheStaysClose).
    run([a.inferpi, "logits", model, "--ids", ",".join(map(str, ids)), "--out", out, "--kv", "f32"])
    got = np.fromfile(out, np.float32)
    want = np.fromfile(os.path.join(g, "logits.f32"), np.float32)
    if got.size == want.size:
        diff = float(np.abs(got - want).max())
    elif got.size * len(ids) == want.size:  # the CLI wrote the last position only
        diff = float(np.abs(got - want[-got.size:]).max())
    else:
        raise Fail(f"logits file has {got.size} floats, expected {want.size} or {want.size // len(ids)}")
    print(f"inferpi logits vs nanochat golden: max abs error {diff:.3g} ({got.size} values)")
    if diff > 1e-4:
        raise Fail(f"logits differ by {diff}")


def case_generate(a):
    g, gold = golden(a)
    model = export(a, os.path.join(g, "chatsft_checkpoints", "d4"), os.path.join(g, "tokenizer"), "golden")
    p = run([a.inferpi, "generate", model, "--ids", ",".join(map(str, gold["prompt_ids"])),
             "--max-tokens", str(len(gold["greedy_ids"]))])
    got = [int(x) for x in p.stdout.split()]
    if got != gold["greedy_ids"]:
        raise Fail(f"greedy ids differ:\n got  {got}\n want {gold['greedy_ids']}")
    print(f"inferpi generate: {len(got)} greedy tokens identical to nanochat")


def case_tokenize(a):
    t = os.path.join(a.shared, "golden", "nanochat_tokenizer", "golden.json")
    g, _ = golden(a)
    if not os.path.exists(t):
        skip(f"{t} absent (reference material ../shared not available)")
    model = export(a, os.path.join(g, "chatsft_checkpoints", "d4"), os.path.join(g, "tokenizer"), "golden")
    cases = json.load(open(t))["cases"]
    bad = 0
    for c in cases:
        if c["text"] == "":
            continue  # an empty argument: nothing to tokenize
        got = [int(x) for x in run([a.inferpi, "tokenize", model, "--text", c["text"]]).stdout.split()]
        if got != c["ids"]:
            bad += 1
            print(f"differs: {c['text']!r}: {got} vs {c['ids']}")
    if bad:
        raise Fail(f"{bad} tokenizer cases differ")
    print(f"inferpi tokenize: {len(cases) - 1} golden cases identical")


def case_perplexity(a):
    model = demo(a)
    corpus = os.path.join(a.shared, "corpus", "kjv-heldout.txt")
    p = run([a.inferpi, "perplexity", model, corpus, "--window", "512"])
    print(p.stdout.strip())
    m = re.search(r"perplexity ([0-9.]+)", p.stdout)
    if not m:
        raise Fail(f"no perplexity in output: {p.stdout[:200]}")
    ppl = float(m.group(1))
    if abs(ppl - 31.09) > 31.09 * 0.005:
        raise Fail(f"perplexity {ppl} is not within 0.5% of nanochat's 31.09")
    if "19700 predicted" not in p.stdout:
        raise Fail("expected 19700 predicted tokens")


def case_chat(a):
    model = demo(a)
    p = run([a.inferpi, model, "--prompt", "Recite Genesis 1:1", "--greedy", "--max-tokens", "40"])
    print(p.stdout.strip())
    want = "And the LORD said unto him, Go, and tell me thy servant"
    if want not in p.stdout:
        raise Fail(f"reply lacks the recorded text {want!r}")
    q = run([a.inferpi, model, "--prompt", "Recite Genesis 1:1", "--greedy", "--max-tokens", "40"])
    reply = lambda out: [l for l in out.splitlines() if not l.startswith(("Prompt:", "Generation:"))]  # noqa: E731
    if reply(q.stdout) != reply(p.stdout):
        raise Fail("the same greedy chat gave different output")


def main():
    a = parse_args()
    return run_case(lambda: globals()["case_" + a.case](a))


if __name__ == "__main__":
    sys.exit(main())
