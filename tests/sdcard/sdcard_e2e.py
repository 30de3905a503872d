#!/usr/bin/python3
"""tools/make_sdcard end to end.

  sdcard_e2e.py --kernel8 KERNEL8.IMG --cli INFERPI --models DIR --scenario image|raspi4b

Both scenarios build a card image with tools/make_sdcard from the bundled demo models:
demo-llama on the boot partition (next to kernel8.img), demo-nanochat on a second FAT32
partition (--data).

  image    the MBR (two type 0x0C partitions, each starting on a 4 MiB boundary), the boot
           partition's FAT32 volume label, the boot files' SHA-256 equal to the files inside
           the Debian packages (extracted again here with dpkg-deb) and to
           sdcard/firmware.sha256, `fsck.fat -n` clean on both partitions, `inferpi disk ls`
           lists both, and `inferpi disk cat` takes out a kernel8.img equal to the build's.
           Then make_sdcard's refusals: no terminal without --yes, not a block device, this
           system's disk, --size too small (with both sizes), a path that is no model.
  raspi4b  then boots the kernel8.img taken out of the image on QEMU raspi4b (QEMU stands in
           for the firmware: it loads kernel8.img and passes the image's own DTB, with the SD
           slot moved to the controller QEMU's card sits on) with that same image as the SD
           card, and chats: both models listed with their drives, 32 greedy tokens equal to
           the host CLI's, /exit, the second model from the second partition; `sd` shows
           High Speed and the system DMA path; `sdbench 2` reads the same CRC-32 by PIO and
           by DMA as the image holds. Prints the load speed from the card.

Exit 77 = skipped: only when the firmware cannot be fetched (make_sdcard exit 3: no network
or Debian dropped the pinned version) or QEMU has no raspi4b. A hash mismatch fails.
"""
import argparse
import glob
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
sys.path.insert(0, os.path.join(ROOT, "tests", "appliance_qemu"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from pylib import debian_firmware, qemu_boards  # noqa: E402

MiB = 1 << 20
BOOT_FILES = ["kernel8.img", "config.txt", "start4.elf", "fixup4.dat", "bcm2711-rpi-4-b.dtb"]


def skip(why):
    print("SKIP:", why)
    sys.exit(77)


def fail(why):
    print("FAIL:", why)
    sys.exit(1)


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def make_card(args, img):
    r = subprocess.run([os.path.join(ROOT, "tools", "make_sdcard"), "--kernel", args.kernel8,
                        img, os.path.join(args.models, "demo-llama"),
                        "--data", os.path.join(args.models, "demo-nanochat")],
                       capture_output=True, text=True)
    print(r.stdout + r.stderr)
    if r.returncode == debian_firmware.EXIT_NOT_FETCHED:
        skip("the Pi firmware could not be fetched from Debian: " + r.stderr.strip())
    if r.returncode != 0:
        fail("make_sdcard exited %d" % r.returncode)
    if "Next steps" not in r.stdout or "dd if=" not in r.stdout:
        fail("make_sdcard printed no next steps")


def partitions(img):
    with open(img, "rb") as f:
        mbr = f.read(512)
    if mbr[510:512] != b"\x55\xaa":
        fail("no MBR signature")
    parts = []
    for i in range(4):
        e = mbr[446 + 16 * i: 446 + 16 * (i + 1)]
        ptype, = struct.unpack_from("<B", e, 4)
        start, count = struct.unpack_from("<II", e, 8)
        if ptype:
            parts.append((ptype, start, count))
    return parts


def disk(args, *words):
    r = subprocess.run([args.cli, "disk", *words], capture_output=True)
    if r.returncode != 0:
        fail("inferpi disk %s: %s" % (" ".join(words), r.stderr.decode(errors="replace")))
    return r.stdout


def debian_file(card_name):
    """The file as it is inside the cached Debian package (dpkg-deb, independently of
    make_sdcard's own extraction)."""
    rec = debian_firmware.Record(os.path.join(ROOT, "sdcard", "firmware.sha256"))
    prefix, member = debian_firmware.CARD_FILES[card_name]
    name, version, _ = rec.package(prefix)
    debs = glob.glob(os.path.join(debian_firmware.cache_root(), "debs", name + "_*.deb"))
    deb = next((d for d in debs if debian_firmware.deb_version(d) == (name, version)), None)
    if not deb:
        fail("no cached %s %s .deb" % (name, version))
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], capture_output=True, check=True)
    out = subprocess.run(["tar", "-xO", "./" + member.format(pkg=name)], input=tar.stdout,
                         capture_output=True, check=True)
    return out.stdout


def check_image(args, img, work):
    parts = partitions(img)
    print("partitions:", parts)
    if len(parts) != 2:
        fail("expected 2 partitions, found %d" % len(parts))
    for ptype, start, count in parts:
        if ptype != 0x0C:
            fail("partition type 0x%02x, want 0x0C (FAT32 LBA)" % ptype)
        if (start * 512) % (4 * MiB) or (count * 512) % (4 * MiB):
            fail("partition at sector %d (%d sectors) is not 4 MiB aligned" % (start, count))
    with open(img, "rb") as f:
        f.seek(parts[0][1] * 512)
        bpb = f.read(512)
    if bpb[71:82] != b"INFERPI    " or bpb[82:90] != b"FAT32   ":
        fail("boot partition: label %r, type %r" % (bpb[71:82], bpb[82:90]))
    # fsck.fat on each partition, copied out (fsck.fat has no offset option).
    for i, (_, start, count) in enumerate(parts):
        part = os.path.join(work, "p%d.img" % (i + 1))
        with open(img, "rb") as src, open(part, "wb") as dst:
            src.seek(start * 512)
            dst.write(src.read(count * 512))
        r = subprocess.run(["fsck.fat", "-n", part], capture_output=True, text=True,
                           env=dict(os.environ, PATH=os.environ["PATH"] + ":/usr/sbin:/sbin"))
        print(r.stdout.strip())
        if r.returncode != 0:
            fail("fsck.fat -n on partition %d: exit %d\n%s%s" % (i + 1, r.returncode, r.stdout,
                                                                 r.stderr))
    listing = disk(args, "ls", img).decode()
    print(listing)
    for name in BOOT_FILES + ["demo-llama"]:
        if not re.search(r"\b%s\b" % re.escape(name), listing):
            fail("inferpi disk ls: %s missing" % name)
    listing2 = disk(args, "ls", img, "2:").decode()
    print(listing2)
    if "demo-nanochat" not in listing2:
        fail("inferpi disk ls IMG 2: does not list demo-nanochat")
    # Boot files: as in the Debian packages, as recorded, and kernel8.img as built.
    rec = debian_firmware.Record(os.path.join(ROOT, "sdcard", "firmware.sha256"))
    for name in debian_firmware.CARD_FILES:
        on_card = sha256_bytes(disk(args, "cat", img, name))
        in_deb = sha256_bytes(debian_file(name))
        if not (on_card == in_deb == rec.hashes[name]):
            fail("%s: card %s, Debian package %s, firmware.sha256 %s" %
                 (name, on_card, in_deb, rec.hashes[name]))
        print("%s: %s (= Debian package = firmware.sha256)" % (name, on_card))
    kernel = disk(args, "cat", img, "kernel8.img")
    with open(args.kernel8, "rb") as f:
        if kernel != f.read():
            fail("kernel8.img taken out of the image differs from the build's")
    with open(os.path.join(ROOT, "sdcard", "config.txt"), "rb") as f:
        if disk(args, "cat", img, "config.txt") != f.read():
            fail("config.txt on the card differs from sdcard/config.txt")
    out = os.path.join(work, "kernel8.img")
    with open(out, "wb") as f:
        f.write(kernel)
    dtb = os.path.join(work, "card.dtb")
    with open(dtb, "wb") as f:
        f.write(disk(args, "cat", img, "bcm2711-rpi-4-b.dtb"))
    print("kernel8.img taken out with inferpi disk cat equals the build's (%d bytes)" %
          len(kernel))
    return out, dtb


def boot_raspi4b(args, img, kernel, card_dtb, work):
    from appliance_e2e import chat_turn, host_reply, MENU  # noqa: E402
    from qemu_session import QemuSession  # noqa: E402
    why = qemu_boards.unavailable("raspi4b")
    if why:
        skip(why)
    want1 = host_reply(args.cli, os.path.join(args.models, "demo-llama"))
    want2 = host_reply(args.cli, os.path.join(args.models, "demo-nanochat"))
    # QEMU plays the firmware: it gets the card's own DTB, with the SD slot node moved to the
    # controller QEMU wires its card to (qemu_boards.raspi4b_test_dtb).
    dtb = qemu_boards.raspi4b_test_dtb(os.path.join(work, "qemu-sd.dtb"), source=card_dtb)
    with QemuSession(kernel, board="raspi4b", dtb=dtb, sd_image=img) as q:
        q.expect(r"InferPi on pi4", timeout=180)
        q.expect(r"Models on sd0p1 INFERPI:", timeout=180)
        q.expect(r"1  demo-llama +Llama ")
        q.expect(r"Models on sd0p2 MODELS:", timeout=60)
        q.expect(r"2  demo-nanochat +GPT2 ")
        q.expect(MENU)
        chat_turn(q, 1, "demo-llama", "Llama", want1)
        chat_turn(q, 2, "demo-nanochat", "GPT2", want2)
        speeds = re.findall(r"Loaded ([\d.]+ MB in [\d.]+ s \([\d.]+ MB/s\))", q.transcript())
        print("load from the card:", "; ".join(speeds))
        # The loads above went through the DMA path; PIO and DMA read the same bytes.
        q.send_line("!shell")
        q.expect(r"inferpi> ", timeout=60)
        q.send_line("sd")
        q.expect(r"sd: High Speed \(50 MHz class\), system DMA, up to 65535 blocks", timeout=60)
        q.send_line("sdbench 2")
        pio = q.expect(r"sdbench: PIO .* crc32 ([0-9a-f]{8})", timeout=300)
        dma = q.expect(r"sdbench: system DMA .* crc32 ([0-9a-f]{8})", timeout=300)
        with open(img, "rb") as f:
            want = "%08x" % zlib.crc32(f.read(2 * MiB))
        got_pio, got_dma = pio.group(1).decode(), dma.group(1).decode()
        if got_pio != want or got_dma != want:
            q.fail("sdbench crc32: PIO %s, DMA %s, image %s" % (got_pio, got_dma, want))
        print(q.transcript())


def check_refusals(args, work):
    """make_sdcard refuses what it must, before writing anything, with a message."""
    tool = [os.path.join(ROOT, "tools", "make_sdcard"), "--kernel", args.kernel8]
    llama = os.path.join(args.models, "demo-llama")

    def refused(extra, pattern, code=None, stdin=subprocess.DEVNULL):
        r = subprocess.run(tool + extra, capture_output=True, text=True, stdin=stdin)
        if r.returncode == debian_firmware.EXIT_NOT_FETCHED:
            skip("the Pi firmware could not be fetched from Debian: " + r.stderr.strip())
        if r.returncode == 0 or (code is not None and r.returncode != code) or \
                not re.search(pattern, r.stderr):
            fail("make_sdcard %s: exit %d, stderr %r (wanted /%s/)" %
                 (" ".join(extra), r.returncode, r.stderr, pattern))
        print("refused as expected: %s" % r.stderr.strip())

    refused(["--device", "/dev/null", llama], r"without a terminal to confirm", 2)
    refused(["--device", "/dev/null", "--yes", llama], r"not a block device")
    refused(["--size", "40M", os.path.join(work, "small.img"), llama,
             os.path.join(args.models, "demo-nanochat")], r"too small: .* need \d+ MiB")
    refused([os.path.join(work, "x.img"), os.path.join(ROOT, "README.md")],
            r"not a model folder or a \.gguf file")
    refused(["/dev/sdz9", llama], r"use --device", 2)
    with open("/proc/mounts") as f:
        root = next((l.split()[0] for l in f if l.split()[1] == "/"), "")
    if root.startswith("/dev/") and os.path.exists(root):
        disk_name = os.path.basename(os.path.realpath(root))
        sys_path = os.path.realpath("/sys/class/block/" + disk_name)
        if os.path.exists(os.path.join(sys_path, "partition")):
            sys_path = os.path.dirname(sys_path)
        refused(["--device", "/dev/" + os.path.basename(sys_path), "--yes", llama],
                r"holds this system's root|is mounted")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel8", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--scenario", choices=["image", "raspi4b"], required=True)
    args = ap.parse_args()
    for tool in ("mcopy", "dpkg-deb", "apt-get"):
        if shutil.which(tool) is None:
            fail("%s not found: run tools/setup" % tool)
    if not os.path.isfile(args.kernel8):
        fail("%s was not built" % args.kernel8)
    with tempfile.TemporaryDirectory(prefix="sdcard-e2e-") as work:
        img = os.path.join(work, "card.img")
        make_card(args, img)
        kernel, dtb = check_image(args, img, work)
        if args.scenario == "image":
            check_refusals(args, work)
        if args.scenario == "raspi4b":
            boot_raspi4b(args, img, kernel, dtb, work)
    print("PASS")


if __name__ == "__main__":
    main()
