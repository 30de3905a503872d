#!/usr/bin/python3
"""Writes the committed seed corpus of storage_fuzz (tests/fuzz/seeds/): small FAT32 disks
(superfloppy, MBR, GPT, 4 KiB sectors) made with mkfs.vfat/mtools/sfdisk and stored in the
fuzzer's sparse format (see storage_fuzz.cpp): flags, sector count, then (lba, sector) for
every non-zero sector. Run again only to regenerate the seeds."""
import os
import struct
import subprocess
import sys
import tempfile

ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", LC_ALL="C.UTF-8",
           PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args, stdin=None):
    subprocess.run(args, input=stdin, env=ENV, check=True, capture_output=True)


def to_seed(img, sector, out):
    data = open(img, "rb").read()
    n = len(data) // sector
    blob = bytearray([1 if sector == 4096 else 0]) + struct.pack("<I", n)
    for lba in range(n):
        s = data[lba * sector:(lba + 1) * sector]
        if s.count(0) != len(s):
            blob += struct.pack("<I", lba) + s
    with open(out, "wb") as f:
        f.write(blob)
    print(out, len(blob), "bytes")


def fill(spec, tmp):
    src = os.path.join(tmp, "src")
    with open(src, "wb") as f:
        f.write(bytes(range(256)) * 5 + b"tail")
    run("mmd", "-i", spec, "::/Models")
    run("mmd", "-i", spec, "::/Models/demo")
    run("mcopy", "-i", spec, src, "::/Models/demo/model.bin")
    run("mcopy", "-i", spec, src, "::/Long file name café 日本.txt")
    open(src, "wb").close()
    run("mcopy", "-i", spec, src, "::/EMPTY.TXT")


def main():
    out = os.path.join(HERE, "seeds")
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, "d.img")
        # superfloppy, 512-byte sectors
        open(img, "wb").truncate(34 * 1024 * 1024)
        run("mkfs.vfat", "-F", "32", "-s", "1", "-n", "SEED", img)
        fill(img, tmp)
        to_seed(img, 512, os.path.join(out, "superfloppy.bin"))
        # MBR
        os.remove(img)
        open(img, "wb").truncate(36 * 1024 * 1024)
        run("sfdisk", "-q", img, stdin=b"label: dos\nstart=2048, type=c\n")
        run("mkfs.vfat", "-F", "32", "-s", "1", "--offset", "2048", img, str(35 * 1024))
        fill(img + "@@1M", tmp)
        to_seed(img, 512, os.path.join(out, "mbr.bin"))
        # GPT
        os.remove(img)
        open(img, "wb").truncate(37 * 1024 * 1024)
        run("sfdisk", "-q", img, stdin=b"label: gpt\nstart=2048, size=71680, "
            b"type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n")
        run("mkfs.vfat", "-F", "32", "-s", "1", "--offset", "2048", img, str(35 * 1024))
        fill(img + "@@1M", tmp)
        to_seed(img, 512, os.path.join(out, "gpt.bin"))
        # 4 KiB sectors, superfloppy
        os.remove(img)
        open(img, "wb").truncate(260 * 1024 * 1024)
        run("mkfs.vfat", "-F", "32", "-S", "4096", "-s", "1", img)
        fill(img, tmp)
        to_seed(img, 4096, os.path.join(out, "superfloppy4k.bin"))


if __name__ == "__main__":
    sys.exit(main())
