#!/usr/bin/python3
"""Whole-token instruction-count benchmark in the virt kernel (tools/bench; issue "Compute").

For each model shape x weight type it boots the virt kernel (or, --board raspi4b, the pi4
kernel8.img on QEMU's BCM2711; tools/pylib/qemu_boards.py) in QEMU with `-icount shift=0`
(exact, repeatable instruction counts), puts model.bin + tokenizer.bin straight into guest
RAM with `-device loader` (USB speed does not matter) and runs the kernel's `bench` mode
(runtime/app/kernel/icount_bench.cpp), which reads the PMU's INST_RETIRED around:
one decode step at context 64, one at context 1024, and one 64-token prefill chunk.
Models come from make_bench_models.py (random weights, the seed's two shapes). A baseline
run (impl=baseline: f16 one row at a time, one accumulator - the seed's kernel) of each
f16 model makes every figure also a ratio.

Estimated Pi 4 rate = 1 / max(bytes / 4.0 GB/s, instructions / (4 cores x 1.5 GHz)),
bytes = weight bytes streamed per token + the fp32 KV cache rows attention reads.

    token_bench.py --kernel build/host/kernels/virt/runtime/boards/virt/inferpi-virt.elf \
        [--out build/host/bench] [--models d12,supra50m] [--dtypes f16,q8_0,q4_0] [--jobs N]
        [--board virt|raspi4b]

Writes OUT/token_bench.json and OUT/token_bench.md (the table) and prints the table.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import make_bench_models  # noqa: E402
from pylib import qemu_boards  # noqa: E402

BW = 4.0e9          # usable Pi 4 DRAM bandwidth, bytes/s (docs/performance.md)
IPS = 4 * 1.5e9     # 4 cores x 1.5 GHz x 1 instruction/cycle
# Where the bench puts the model and tokenizer: under the top of the RAM the kernel is told
# about (virt: 2 GiB from 1 GiB; raspi4b: QEMU rewrites the DTB's /memory to 960 MiB).
RAM_TOP = {"virt": 0x40000000 + (2048 << 20), "raspi4b": 0x3C000000}
SEED_F16 = {"d12": "7.2", "supra50m": "14.7-16.3"}
# Attention windows per layer (positions a decode token reads at long context): nanochat
# d12 SSSL with sequence 2048 -> short window 512, last layer long; Supra-50M: full.
WINDOWS = {"d12": [512, 512, 512, 2048] * 2 + [512, 512, 512, 2048], "supra50m": [2048] * 12}
KV_DIM = {"d12": 768, "supra50m": 256}


def align_up(n, a):
    return (n + a - 1) // a * a


def run_qemu(args, timeout):
    """Runs QEMU to its end: virt exits by semihosting; the pi4 kernel halts like a real Pi
    ("kernel exit with status N"), so QEMU is ended there. Returns (exit status, output)."""
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, errors="replace")
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    lines, status = [], None
    try:
        for line in p.stdout:
            lines.append(line)
            m = re.search(r"kernel exit with status (-?\d+): halted", line)
            if m:
                status = int(m.group(1))
                p.kill()
                break
        rc = p.wait()
    finally:
        timer.cancel()
        if p.poll() is None:
            p.kill()
            p.wait()
    return (rc if status is None else status), "".join(lines)


def run_kernel(kernel, folder, impl, timeout, long_context=1024, board="virt"):
    model = os.path.join(folder, "model.bin")
    tok = os.path.join(folder, "tokenizer.bin")
    ms, ts = os.path.getsize(model), os.path.getsize(tok)
    top = RAM_TOP[board]
    maddr = top - align_up(ms, 2 << 20)        # the model at the top of RAM,
    taddr = maddr - align_up(ts, 2 << 20)      # the tokenizer under it
    loaders = ["-device", f"loader,file={model},addr={maddr:#x},force-raw=on",
               "-device", f"loader,file={tok},addr={taddr:#x},force-raw=on"]
    append = f"bench model={maddr:#x}:{ms} tokenizer={taddr:#x}:{ts} impl={impl} long={long_context}"
    with tempfile.TemporaryDirectory(prefix="inferpi-bench-") as work:
        dtb = qemu_boards.raspi4b_test_dtb(os.path.join(work, "pi4.dtb")) \
            if board == "raspi4b" else None
        args = qemu_boards.command(board, kernel, icount=True, semihosting=board == "virt",
                                   dtb=dtb, append=append, extra=loaders)
        rc, out = run_qemu(args, timeout)
    if rc != 0 or "BENCH done" not in out:
        raise RuntimeError(f"{folder} impl={impl}: exit {rc}\n{out[-3000:]}\n"
                           f"command: {' '.join(args)}")
    info = dict(kv.split("=", 1) for kv in re.search(r"BENCH model (.*)", out).group(1).split())
    phases = []
    counter = re.search(r"BENCH counter=(\S+)", out).group(1)
    rx = r"BENCH phase=(\w+) context=(\d+) tokens=(\d+) instructions=(\d+) cycles=(\d+)"
    for m in re.finditer(rx, out):
        instr, cycles = int(m.group(4)), int(m.group(5))
        # Under -icount shift=0 the cycle counter advances one per instruction; the kernel
        # uses it to count 32-bit INST_RETIRED wraps, which is only sound if they agree.
        if counter == "machine-wide" and abs(cycles - instr) > 1000:
            raise RuntimeError(f"{folder}: instructions {instr} and cycles {cycles} disagree: "
                               "is QEMU running with -icount shift=0?")
        phases.append({"phase": m.group(1), "context": int(m.group(2)), "tokens": int(m.group(3)),
                       "instructions": instr})
    return info, phases, counter


def smoke(kernel, folder, board="virt"):
    """CI check of the bench path on a small model: counts exist, are machine-wide under
    QEMU, grow with the context and repeat on a second boot (to 10 ppm: barrier spins)."""
    why = qemu_boards.unavailable(board)
    if why:
        print("SKIP:", why)
        return qemu_boards.SKIP_RETURN_CODE
    runs = [run_kernel(kernel, folder, "best", 600, long_context=256, board=board)
            for _ in range(2)]
    (info, phases, counter), (_, phases2, _) = runs
    print(f"model {info['engine']} {info['dtype']}, counter {counter}")
    for p in phases:
        print(f"  {p['phase']:8s} context {p['context']:4d}: {p['instructions']} instructions")
    d64, d256, pre = phases
    assert counter == "machine-wide", "QEMU's INST_RETIRED should be machine-wide"
    assert 0 < d64["instructions"] < d256["instructions"], "decode cost must grow with context"
    assert pre["instructions"] > d64["instructions"], "a 64-token chunk costs more than a token"
    # Repeatable to a few instructions: only core 0's spin at each barrier depends on how
    # QEMU interleaves the vCPUs (seen: 3 of 170 M apart between two boots on a busy host).
    for p, q in zip(phases, phases2):
        assert abs(p["instructions"] - q["instructions"]) <= 1e-5 * p["instructions"] + 100, \
            f"counts differ between two boots: {phases} vs {phases2}"
    print("token_bench smoke: OK")
    return 0


def kv_bytes(model, context):
    return sum(min(context, w) for w in WINDOWS[model]) * KV_DIM[model] * 2 * 4


def rate(nbytes, instr):
    return 1.0 / max(nbytes / BW, instr / IPS)


def summarize(model, dtype, impl, info, phases, weights_streamed):
    wb = int(info["weight_bytes"])
    d64 = next(p for p in phases if p["phase"] == "decode" and p["context"] == 64)
    d1k = next(p for p in phases if p["phase"] == "decode" and p["context"] == 1024)
    pre = next(p for p in phases if p["phase"] == "prefill")
    pre_tok = pre["instructions"] / pre["tokens"]
    row = {"model": model, "dtype": dtype, "kernel": impl, "weight_bytes": wb,
           "weights_streamed": weights_streamed,
           "decode64_instructions": d64["instructions"],
           "decode1024_instructions": d1k["instructions"],
           "prefill_instructions_per_token": pre_tok,
           "decode64_per_weight": d64["instructions"] / weights_streamed,
           "kv_bytes_64": kv_bytes(model, 64), "kv_bytes_1024": kv_bytes(model, 1024),
           "prefill_bytes_per_token": wb / pre["tokens"],
           "prefill_over_decode": pre_tok / d64["instructions"]}
    row["est_tok_s_64"] = rate(wb + row["kv_bytes_64"], d64["instructions"])
    row["est_tok_s_1024"] = rate(wb + row["kv_bytes_1024"], d1k["instructions"])
    row["est_prefill_tok_s"] = rate(row["prefill_bytes_per_token"], pre_tok)
    return row


def table(rows):
    base = {r["model"]: r for r in rows if r["kernel"] == "baseline"}
    head = ("| model | weights | kernel | decode@64 instr (M) | instr/weight | vs baseline | "
            "decode@1024 instr (M) | weight MB/token | KV MB @64 / @1024 | est. Pi 4 tok/s @64 | "
            "@1024 | seed f16 tok/s | prefill instr/token (M) | prefill/decode | "
            "prefill MB/token | est. Pi 4 prefill tok/s |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        b = base.get(r["model"])
        ratio = r["decode64_instructions"] / b["decode64_instructions"] if b else float("nan")
        lines.append(
            f"| {r['model']} | {r['dtype']} | {r['kernel']} | {r['decode64_instructions'] / 1e6:.1f} | "
            f"{r['decode64_per_weight']:.3f} | {ratio:.2f} | {r['decode1024_instructions'] / 1e6:.1f} | "
            f"{r['weight_bytes'] / 1e6:.1f} | {r['kv_bytes_64'] / 1e6:.1f} / {r['kv_bytes_1024'] / 1e6:.1f} | "
            f"{r['est_tok_s_64']:.1f} | {r['est_tok_s_1024']:.1f} | {SEED_F16[r['model']]} | "
            f"{r['prefill_instructions_per_token'] / 1e6:.1f} | {r['prefill_over_decode']:.2f} | "
            f"{r['prefill_bytes_per_token'] / 1e6:.2f} | {r['est_prefill_tok_s']:.0f} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", required=True,
                    help="the virt kernel ELF (--board raspi4b: the pi4 kernel8.img)")
    ap.add_argument("--board", default="virt", choices=sorted(qemu_boards.BOARDS))
    ap.add_argument("--out", default="build/host/bench")
    ap.add_argument("--models", default="d12,supra50m")
    ap.add_argument("--dtypes", default="f16,q8_0,q4_0")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--jobs", type=int, default=1, help="QEMU instances at once (each one host core)")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--smoke", metavar="MODEL_DIR",
                    help="only check the bench path on a small model folder (CI)")
    a = ap.parse_args(argv)
    if a.smoke:
        return smoke(a.kernel, a.smoke, a.board)
    models_dir = os.path.join(a.out, "models")
    runs = []
    for model in a.models.split(","):
        dtypes = a.dtypes.split(",")
        if not a.no_baseline:
            runs.append((model, "f16", "baseline"))
        runs += [(model, dt, "best") for dt in dtypes]
    for model, dt, _ in runs:  # generate first (numpy, one at a time: d12 f32 is 1.1 GB)
        make_bench_models.ensure(models_dir, model, dt)

    def one(run):
        model, dt, impl = run
        folder = os.path.join(models_dir, f"{model}-{dt}")
        print(f"token_bench: {model} {dt} {impl} ...", flush=True)
        return run, run_kernel(a.kernel, folder, impl, a.timeout, board=a.board)

    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        results = dict(pool.map(one, runs))
    rows, counters = [], set()
    for model in a.models.split(","):
        f16 = results.get((model, "f16", "best")) or results.get((model, "f16", "baseline"))
        weights = int(f16[0]["weight_bytes"]) // 2 if f16 else None
        for (m, dt, impl), (info, phases, counter) in results.items():
            if m != model:
                continue
            counters.add(counter)
            rows.append(summarize(m, dt, impl, info, phases,
                                  weights or int(info["weight_bytes"])))
    text = table(rows)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "token_bench.json"), "w") as f:
        json.dump({"pmu_counter": sorted(counters), "bandwidth": BW, "ips": IPS, "rows": rows}, f,
                  indent=1)
    with open(os.path.join(a.out, "token_bench.md"), "w") as f:
        f.write(text + "\n")
    print(text)
    print(f"(PMU counter: {', '.join(sorted(counters))}; JSON: {os.path.join(a.out, 'token_bench.json')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
