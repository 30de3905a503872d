#!/usr/bin/python3
"""CTest for tools/make_usb_image: builds images from two small model folders (GPT and
MBR + power-of-two size), reads every file back with our own `disk` code (inferpi_disk)
and with mtools, and checks the refusals (device without a terminal, too-small --size,
a file of 4 GiB).

usage: make_usb_image_test.py TOOL INFERPI_DISK WORKDIR"""
import os
import random
import shutil
import subprocess
import sys

TOOL, DISK, WORK = sys.argv[1:4]
ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", LC_ALL="C.UTF-8")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, stdin=subprocess.DEVNULL):
    r = subprocess.run(args, env=ENV, capture_output=True, stdin=stdin)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
rng = random.Random(5)
models = {
    "demo-llama": {"model.bin": rng.randbytes(2 * 1024 * 1024 + 17), "tokenizer.bin":
                   rng.randbytes(40000)},
    "Café nanochat": {"model.bin": rng.randbytes(700000), "tokenizer.bin": b"",
                      "extra/notes.txt": b"nested\n"},
}
dirs = []
for name, files in models.items():
    for rel, data in files.items():
        p = os.path.join(WORK, name, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    dirs.append(os.path.join(WORK, name))

for flags, label in (([], "gpt"), (["--mbr", "--pow2"], "mbr")):
    img = os.path.join(WORK, label + ".img")
    code, out, err = run(sys.executable, TOOL, *flags, img, *dirs)
    check(code == 0, "%s: make_usb_image exit %d: %s" % (label, code, err))
    if code:
        continue
    size = os.path.getsize(img)
    if label == "mbr":
        check(size & (size - 1) == 0, "mbr: --pow2 size %d" % size)
    code, out, err = run(DISK, "ls", img)
    text = out.decode()
    check(code == 0 and ("GPT" if label == "gpt" else "MBR") in text, "%s: ls: %s%s" %
          (label, text, err))
    check("demo-llama/" in text and "Café nanochat/" in text, "%s: folders listed: %s" %
          (label, text))
    for name, files in models.items():
        for rel, data in files.items():
            code, out, err = run(DISK, "cat", img, "%s/%s" % (name, rel))
            check(code == 0 and out == data, "%s: inferpi disk cat %s/%s (%s)" %
                  (label, name, rel, err.strip()))
            code, out, err = run("mcopy", "-i", img + "@@1M", "::/%s/%s" % (name, rel), "-")
            check(code == 0 and out == data, "%s: mcopy %s/%s (%s)" % (label, name, rel,
                                                                      err.strip()))

code, out, err = run(sys.executable, TOOL, "/dev/sdzz-not-a-disk", dirs[0])
check(code != 0 and "refusing to write" in err, "device without a tty refused: %s" % err)
code, out, err = run(sys.executable, TOOL, "--size", "8M", os.path.join(WORK, "small.img"), dirs[0])
check(code != 0 and "too small" in err, "too-small --size refused: %s" % err)
big_dir = os.path.join(WORK, "big")
os.makedirs(big_dir)
with open(os.path.join(big_dir, "model.bin"), "wb") as f:
    f.truncate(1 << 32)  # sparse, 4 GiB
code, out, err = run(sys.executable, TOOL, os.path.join(WORK, "big.img"), big_dir)
check(code != 0 and "smaller than 4 GiB" in err, "4 GiB file refused: %s" % err)

shutil.rmtree(WORK, ignore_errors=True)
if failures:
    sys.exit("%d check(s) failed" % len(failures))
print("make_usb_image: all checks passed")
