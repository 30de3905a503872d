#!/usr/bin/env python3
"""Instruction-count benchmark of the matrix kernels (tools/bench).

Runs tests/neon/project/kernel_bench (aarch64, static) under `qemu-aarch64 -cpu cortex-a72`
with our TCG plugin (tools/bench/icount_plugin.c), which reports guest instructions summed
over all threads between icount_mark() calls. Prints a table and writes JSON.

What is counted: the matrix-vector / matrix-matrix kernels of one decode token (one layer's
matrices x n_layers + lm_head) and of a 64-token prefill chunk (layer matrices per token;
lm_head once per chunk, for the last token), with the host thread pool (4 workers) and its
synchronisation. Attention, norms and sampling are NOT included (see docs/performance.md).
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = {"d12": {"layers": 12, "seed_f16": "7.2"}, "supra50m": {"layers": 12, "seed_f16": "14.7-16.3"},
          "k768": {"layers": 12, "seed_f16": "-"}}
DTYPES = ("baseline", "f16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k")  # kernel_bench's names
BW = 4.0e9          # usable DRAM bandwidth, bytes/s (docs/performance.md §1)
IPS = 4 * 1.5e9     # 4 cores x 1.5 GHz x 1 instruction/cycle


def build_plugin(out_dir):
    so = os.path.join(out_dir, "libicount.so")
    src = os.path.join(HERE, "icount_plugin.c")
    if not os.path.exists(so) or os.path.getmtime(so) < os.path.getmtime(src):
        subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", so, src], check=True)
    return so


def check_qemu(qemu):
    """qemu-user must take TCG plugins; Debian's static builds (qemu-user 10 from
    bookworm-backports) do not, Debian 12's own 7.2 does."""
    try:
        helptext = subprocess.run([qemu, "-h"], capture_output=True, text=True).stdout
    except OSError as e:
        sys.exit(f"{qemu}: {e}")
    if "-plugin" not in helptext:
        sys.exit(f"{qemu} has no TCG plugin support (-plugin), so instructions cannot be counted: "
                 "use Debian 12's qemu-user 7.2 (or another build with plugins) via --qemu PATH")


def run(qemu, binary, plugin, model, dtype, threads):
    nm = subprocess.run(["aarch64-linux-gnu-nm", binary], check=True, capture_output=True, text=True).stdout
    mark = next(l.split()[0] for l in nm.splitlines() if l.endswith(" icount_mark"))
    env = dict(os.environ, INFERPI_THREADS=str(threads))
    p = subprocess.run([qemu, "-cpu", "cortex-a72", "-plugin", f"{plugin},mark=0x{mark}",
                        "-d", "plugin", binary, model, dtype], env=env, capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"kernel_bench {model} {dtype} failed: {p.stderr[-2000:]}")
    out = p.stdout + p.stderr
    regions = [l.split()[1:] for l in out.splitlines() if l.startswith("region ")]
    totals = [int(m.group(1)) for m in re.finditer(r"icount mark \d+ vcpu \d+ total (\d+)", out)]
    if len(totals) != len(regions) + 1:
        sys.exit(f"expected {len(regions) + 1} marks, got {len(totals)}")
    res = []
    for i, (phase, name, rows, cols, n, nbytes) in enumerate(regions):
        res.append({"phase": phase, "name": name, "rows": int(rows), "cols": int(cols), "tokens": int(n),
                    "bytes": int(nbytes), "instructions": totals[i + 1] - totals[i]})
    return res


def summarize(model, dtype, regions, threads):
    L = MODELS[model]["layers"]
    dec = [r for r in regions if r["phase"] == "decode"]
    pre = [r for r in regions if r["phase"] == "prefill"]
    head = next(r for r in dec if r["name"] == "lm_head")
    layer = [r for r in dec if r["name"] != "lm_head"]
    weights = L * sum(r["rows"] * r["cols"] for r in layer) + head["rows"] * head["cols"]
    d_instr = L * sum(r["instructions"] for r in layer) + head["instructions"]
    d_bytes = L * sum(r["bytes"] for r in layer) + head["bytes"]
    big = [r for r in dec if r["rows"] * r["cols"] >= 2_000_000]
    big_per_w = sum(r["instructions"] for r in big) / sum(r["rows"] * r["cols"] for r in big)
    s = {"model": model, "dtype": dtype, "threads": threads, "weights_per_token": weights,
         "decode_instructions_per_token": d_instr, "decode_instructions_per_weight": d_instr / weights,
         "big_matrices_instructions_per_weight": big_per_w, "decode_bytes_per_token": d_bytes,
         "regions": regions}
    s["decode_est_tok_s"] = 1 / max(d_bytes / BW, d_instr / IPS)
    if pre:
        n = pre[0]["tokens"]
        p_instr = (L * sum(r["instructions"] for r in pre) + head["instructions"]) / n
        p_bytes = d_bytes / n
        s.update({"prefill_chunk": n, "prefill_instructions_per_token": p_instr,
                  "prefill_over_decode_instructions": p_instr / d_instr,
                  "prefill_bytes_per_token": p_bytes,
                  "prefill_est_tok_s": 1 / max(p_bytes / BW, p_instr / IPS)})
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, "build/host/tests/neon/neon-build/kernel_bench"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build/host/bench"))
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--qemu", default="qemu-aarch64", help="qemu-user binary with TCG plugin support")
    ap.add_argument("--models", default="d12,supra50m")
    ap.add_argument("--dtypes", default="baseline,f16,q8_0,q4_0")
    a = ap.parse_args()
    for name in a.dtypes.split(","):
        if name not in DTYPES:
            sys.exit(f"unknown dtype {name!r}: one of {', '.join(DTYPES)}")
    for name in a.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model {name!r}: one of {', '.join(MODELS)}")
    if not os.path.exists(a.binary):
        sys.exit(f"{a.binary} not found: build the host preset first (cmake --build build/host)")
    os.makedirs(a.out, exist_ok=True)
    check_qemu(a.qemu)
    plugin = build_plugin(a.out)
    results = []
    for model in a.models.split(","):
        for dtype in a.dtypes.split(","):
            print(f"running {model} {dtype} ...", file=sys.stderr, flush=True)
            results.append(summarize(model, dtype, run(a.qemu, a.binary, plugin, model, dtype, a.threads), a.threads))
    base = {r["model"]: r for r in results if r["dtype"] == "baseline"}
    hdr = ("| model | kernel | instr/token (M) | instr/weight | big matrices instr/weight | vs baseline | "
           "MB/token | est. Pi 4 decode tok/s | seed f16 tok/s | prefill instr/token (M) | prefill/decode | "
           "prefill MB/token |")
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    for r in results:
        b = base.get(r["model"])
        ratio = f"{r['decode_instructions_per_token'] / b['decode_instructions_per_token']:.2f}" if b else "-"
        print(f"| {r['model']} | {r['dtype']} | {r['decode_instructions_per_token'] / 1e6:.1f} | "
              f"{r['decode_instructions_per_weight']:.3f} | {r['big_matrices_instructions_per_weight']:.3f} | {ratio} | "
              f"{r['decode_bytes_per_token'] / 1e6:.1f} | {r['decode_est_tok_s']:.1f} | {MODELS[r['model']]['seed_f16']} | "
              f"{r.get('prefill_instructions_per_token', 0) / 1e6:.1f} | {r.get('prefill_over_decode_instructions', 0):.2f} | "
              f"{r.get('prefill_bytes_per_token', 0) / 1e6:.2f} |")
    path = os.path.join(a.out, "kernel_bench.json")
    with open(path, "w") as f:
        json.dump({"bandwidth_bytes_per_s": BW, "instructions_per_s": IPS, "results": results}, f, indent=1)
    print(f"JSON: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
