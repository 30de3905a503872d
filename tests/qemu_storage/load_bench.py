#!/usr/bin/env python3
"""Loading through FAT32 against the raw rate of the same drive (issue 16 §4), in one QEMU
virt run with the real virt kernel: three USB sticks on one qemu-xhci, FAT32 with 512-byte,
4 KiB and 32 KiB clusters, each holding one contiguous file of random bytes. For each stick
the kernel's `readspeed DEV PATH` (drivers/block/read_speed.h) reads the whole file through
FAT32 (open included, 4 MiB reads like the model loader) and the same sectors raw with the
same buffer, interleaved chunk by chunk (so both see the same host load); repeated --rounds
times, alternating sticks. Both CRC-32s are checked every time (the file is one run, so raw
and FAT read the same bytes). Prints the table (medians): a benchmark (CTest label bench),
never a pass/fail on speed. --before KERNEL runs the same in a second QEMU run with another
kernel (e.g. main's) and prints both tables.

usage: load_bench.py --kernel inferpi-virt.elf [--before OLD.elf] [--mib 128] [--rounds 3]
                     [--workdir DIR]
"""
import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import storage_system_test as sst  # noqa: E402  (the Qemu console driver)

# cluster bytes -> image MiB: FAT32 needs >= 65525 clusters, so 32 KiB clusters need a
# 2 GiB+ volume (sparse files: only what is written takes disk space). Distinct sizes
# also tell the sticks apart in `blk`.
STICKS = {512: 160, 4096: 400, 32768: 2200}


def make_image(path, size_mib, cluster, payload):
    with open(path, "wb") as f:
        f.truncate(size_mib << 20)
    sst.run(["sfdisk", "-q", path], input=b"label: dos\nstart=2048, type=c\n")
    kib = ((size_mib << 20) // 512 - 2048) // 2
    sst.run(["mkfs.vfat", "-F", "32", "-s", str(cluster // 512), "-n", "LOADBENCH", "--offset",
             "2048", path, str(kib)])
    src = path + ".payload"
    with open(src, "wb") as f:
        f.write(payload)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    sst.run(["mcopy", "-i", path + "@@1M", src, "::/MODEL.BIN"], env=env)
    os.remove(src)


def measure(kernel, devices, workdir, rounds, want_crc):
    """One QEMU run: {cluster: [(raw MB/s, FAT MB/s), ...]} over `rounds` rounds."""
    q = sst.Qemu(kernel, devices, workdir)
    q.wait_for(re.escape(sst.PROMPT), 60)
    q.command("usb", timeout=120)
    out = q.command("blk")
    names = {}
    for cluster, mib in STICKS.items():
        m = sst.expect(out, r"(usb\d): %d sectors of 512 bytes" % ((mib << 20) // 512),
                       "stick with %d-byte clusters" % cluster)
        names[cluster] = m.group(1)
    runs = {c: [] for c in STICKS}
    for _ in range(rounds):
        for cluster, dev in names.items():
            out = q.command("readspeed %s /MODEL.BIN" % dev, timeout=900)
            m = sst.expect(out, r"file \((\d+)-byte clusters, crc32 ([0-9a-f]{8})\): .* = "
                           r"([0-9.]+) MB/s", "readspeed file line")
            if int(m.group(1)) != cluster or int(m.group(2), 16) != want_crc:
                raise AssertionError("readspeed %s: cluster %s crc %s, want %d crc %08x" % (
                    dev, m.group(1), m.group(2), cluster, want_crc))
            fat = float(m.group(3))
            m = sst.expect(out, r"raw \(crc32 ([0-9a-f]{8})\): .* = ([0-9.]+) MB/s", "raw line")
            if int(m.group(1), 16) != want_crc:
                raise AssertionError("readspeed %s: raw crc %s, want %08x" % (dev, m.group(1), want_crc))
            runs[cluster].append((float(m.group(2)), fat))
    q.finish(0)
    return runs


def table(title, runs, mib):
    rounds = len(next(iter(runs.values())))
    print("\n%s\n" % title)
    print("| FAT32 clusters | file MiB | raw MB/s | through FAT32 MB/s | FAT/raw |")
    print("|---|---|---|---|---|")
    for cluster, pairs in runs.items():
        raw = statistics.median(r for r, _ in pairs)
        fat = statistics.median(f for _, f in pairs)
        ratio = statistics.median(f / r for r, f in pairs)
        name = "%d B" % cluster if cluster < 1024 else "%d KiB" % (cluster // 1024)
        print("| %s | %d | %.0f | %.0f | %.2f |" % (name, mib, raw, fat, ratio))
    print("(medians of %d rounds; FAT/raw = median of the per-round ratios; all (raw, FAT): %s)"
          % (rounds, runs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--before", help="a second kernel measured the same way (e.g. main's)")
    ap.add_argument("--mib", type=int, default=128, help="file size per stick")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workdir")
    a = ap.parse_args()
    why = sst.unavailable()
    if why:
        print("SKIP: " + why)
        return 77
    workdir = a.workdir or tempfile.mkdtemp(prefix="inferpi-loadbench-")
    os.makedirs(workdir, exist_ok=True)
    payload = random.Random(16).randbytes(a.mib << 20)
    want_crc = zlib.crc32(payload)
    devices = ["-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1",
               "-device", "qemu-xhci,id=xhci,bus=rp0"]
    for i, (cluster, mib) in enumerate(STICKS.items()):
        img = os.path.join(workdir, "stick%d.img" % cluster)
        make_image(img, mib, cluster, payload)
        devices += ["-drive", "if=none,id=s%d,format=raw,file=%s" % (i, img),
                    "-device", "usb-storage,bus=xhci.0,port=%d,drive=s%d" % (i + 1, i)]
    try:
        results = []
        if a.before:
            results.append(("before: " + a.before, measure(a.before, devices, workdir, a.rounds, want_crc)))
        results.append(("after: " + a.kernel, measure(a.kernel, devices, workdir, a.rounds, want_crc)))
    finally:
        for inst in sst.RUNNING:
            inst.kill()
        if not a.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    for title, runs in results:
        table(title, runs, a.mib)
    return 0


if __name__ == "__main__":
    sys.exit(main())
