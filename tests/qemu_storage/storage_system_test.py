#!/usr/bin/env python3
"""QEMU system tests of the storage hardware drivers (PCIe, xHCI, USB hub, mass storage,
SDHCI) on the virt board.

Each scenario builds a disk image (MBR + FAT32 with a multi-megabyte file of known
content, made with sfdisk/mkfs.vfat/mtools, no mounting), boots the kernel with a device
topology, sends shell commands over the serial console and checks the answers: the CRC-32
the kernel computes over what it read must equal zlib.crc32 of the image bytes, so every
byte that came over USB/SD is compared. The kernel's throughput lines are collected and
printed (they are reported, never asserted).

The kernel is the real virt kernel (build/host/kernels/virt/.../inferpi-virt.elf), booted
into its debug shell through tools/pylib/qemu_boards.py.

usage: storage_system_test.py --kernel K.elf --scenario NAME [--workdir DIR]
scenarios: superspeed, highspeed, hub, hub2 (two tiers), hubeval (the hub marked through the
Evaluate Context fallback, review item 5), sdhci, sdhc, unplug
"""
import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from pylib import qemu_boards  # noqa: E402  (the one place that knows the machine arguments)

PROMPT = "inferpi> "  # the virt kernel's debug shell (booted with `shell` on its command line)
RUNNING = []  # QEMU instances to kill if a check fails


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


def make_fat_image(path, size_mib, payload_mib, seed):
    """MBR with one FAT32 partition at 1 MiB holding BIG.BIN (payload) and a small text file."""
    rng = random.Random(seed)
    payload = rng.randbytes(payload_mib << 20)
    with open(path, "wb") as f:
        f.truncate(size_mib << 20)
    run(["sfdisk", "-q", path], input=b"label: dos\nstart=2048, type=c\n")
    kib = ((size_mib << 20) // 512 - 2048) // 2
    run(["mkfs.vfat", "-F", "32", "-n", "INFERPI", "-s", "1", "--offset", "2048", path, str(kib)])
    d = os.path.dirname(path)
    big = os.path.join(d, "big.bin")
    with open(big, "wb") as f:
        f.write(payload)
    with open(os.path.join(d, "readme.txt"), "w") as f:
        f.write("InferPi storage test image\n")
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    run(["mmd", "-i", path + "@@1M", "::/Model-Files-With-Long-Name"], env=env)
    run(["mcopy", "-i", path + "@@1M", big, "::/Model-Files-With-Long-Name/big-weights.bin"], env=env)
    run(["mcopy", "-i", path + "@@1M", os.path.join(d, "readme.txt"), "::/README.TXT"], env=env)
    return payload


def crc_of_prefix(path, nbytes):
    crc = 0
    with open(path, "rb") as f:
        left = nbytes
        while left > 0:
            chunk = f.read(min(left, 1 << 22))
            if not chunk:
                break
            crc = zlib.crc32(chunk, crc)
            left -= len(chunk)
    return crc


class Qemu:
    def __init__(self, kernel, devices, workdir, qmp=False):
        self.qmp_path = os.path.join(workdir, "qmp.sock") if qmp else None
        cmd = qemu_boards.command("virt", kernel, semihosting=True, append="shell",
                                  extra=devices)
        if qmp:
            cmd += ["-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        self.log = []
        self.buf = ""
        self.lock = threading.Condition()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        RUNNING.append(self)
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            b = self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") else self.proc.stdout.read(1)
            if not b:
                break
            text = b.decode("utf-8", "replace").replace("\r", "")
            sys.stdout.write(text)
            sys.stdout.flush()
            with self.lock:
                self.buf += text
                self.lock.notify_all()

    def wait_for(self, pattern, timeout):
        deadline = time.time() + timeout
        with self.lock:
            while True:
                m = re.search(pattern, self.buf)
                if m:
                    out = self.buf[:m.end()]
                    self.buf = self.buf[m.end():]
                    return out
                left = deadline - time.time()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError("timed out waiting for %r; output so far:\n%s" % (pattern, self.buf))
                self.lock.wait(min(left, 0.5))

    def command(self, line, timeout=60):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        out = self.wait_for(r"\n" + re.escape(PROMPT), timeout)
        return out[:-len(PROMPT)]

    def qmp(self, command, arguments=None):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.qmp_path)
        f = s.makefile("rw")
        f.readline()  # greeting
        for msg in ({"execute": "qmp_capabilities"}, {"execute": command, "arguments": arguments or {}}):
            f.write(json.dumps(msg) + "\n")
            f.flush()
            reply = json.loads(f.readline())
            while "event" in reply:
                reply = json.loads(f.readline())
            if "error" in reply:
                raise AssertionError("QMP %s: %s" % (command, reply["error"]))
        s.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def finish(self, code=0):
        self.proc.stdin.write(("exit %d\n" % code).encode())
        self.proc.stdin.flush()
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("kernel did not exit")
        if rc != code:
            raise AssertionError("QEMU exit code %d, expected %d" % (rc, code))


def expect(text, pattern, what):
    m = re.search(pattern, text)
    if not m:
        raise AssertionError("%s: expected /%s/ in:\n%s" % (what, pattern, text))
    return m


def report_rate(name, text):
    m = re.search(r"= ([0-9.]+) MB/s", text)
    if m:
        print("THROUGHPUT %s %s MB/s" % (name, m.group(1)))


def check_files(q, dev, payload, label):
    """Root folder listing (LFN folder, 8.3 file) and a whole-file read through FAT32."""
    out = q.command("ls " + dev)
    expect(out, r"partition 1: FAT32 LBA \(0x0C\)", "partition table")
    expect(out, r"<dir>  Model-Files-With-Long-Name/", "root folder listing (long name)")
    expect(out, r"27  README.TXT", "root folder listing (file)")
    out = q.command("ls %s /model-files-with-long-name" % dev)
    expect(out, r"%d  big-weights.bin" % len(payload), "sub-folder listing")
    out = q.command("fsum %s /Model-Files-With-Long-Name/BIG-WEIGHTS.BIN" % dev, timeout=120)
    m = expect(out, r"fsum \S+: (\d+) bytes crc32 ([0-9a-f]{8})", "file read")
    if int(m.group(1)) != len(payload) or int(m.group(2), 16) != zlib.crc32(payload):
        raise AssertionError("fsum: got %s bytes crc %s, want %d crc %08x" % (
            m.group(1), m.group(2), len(payload), zlib.crc32(payload)))
    report_rate(label + "-file", out)


USB_TOPOLOGY = {
    "superspeed": (["-device", "qemu-xhci,id=xhci,bus=rp0"],
                   ["-device", "usb-storage,bus=xhci.0,drive=stick,id=stick0"], r"SuperSpeed"),
    "highspeed": (["-device", "qemu-xhci,id=xhci,bus=rp0,p3=0"],
                  ["-device", "usb-storage,bus=xhci.0,drive=stick,id=stick0"], r"high speed"),
    "hub": (["-device", "qemu-xhci,id=xhci,bus=rp0"],
            ["-device", "usb-hub,bus=xhci.0,port=2,id=hub0",
             "-device", "usb-storage,bus=xhci.0,port=2.1,drive=stick,id=stick0"], r"route 1 full speed"),
    "hub2": (["-device", "qemu-xhci,id=xhci,bus=rp0"],
             ["-device", "usb-hub,bus=xhci.0,port=2,id=hub0",
              "-device", "usb-hub,bus=xhci.0,port=2.3,id=hub1",
              "-device", "usb-storage,bus=xhci.0,port=2.3.2,drive=stick,id=stick0"], r"route 23 full speed"),
}
USB_TOPOLOGY["hubeval"] = USB_TOPOLOGY["hub"]


def check_readtest(q, img, dev, lba, count, what, unaligned=False):
    """`readtest DEV LBA COUNT [unaligned]`: the CRC the kernel prints must be the CRC of
    those sectors of the image. Returns it."""
    out = q.command("readtest %s %d %d%s" % (dev, lba, count, " unaligned" if unaligned else ""))
    m = expect(out, r"crc32 ([0-9a-f]{8})", what)
    with open(img, "rb") as f:
        f.seek(lba * 512)
        want = zlib.crc32(f.read(count * 512))
    if int(m.group(1), 16) != want:
        raise AssertionError("%s crc %s != %08x" % (what, m.group(1), want))
    return want


# Storage shell lines with bad arguments and what each must answer (the command table's
# word counts and usage lines, and the device lookup), the shell staying usable.
BAD_ARGUMENTS = [
    ("readtest sd0 1", r"usage: readtest DEV LBA COUNT \[unaligned\]"),
    ("readtest sd0 0 1 aligned", r"usage: readtest DEV LBA COUNT \[unaligned\]"),
    ("readtest sd0 0x 1", r"usage: readtest DEV LBA COUNT \[unaligned\]"),
    ("readtest sd9 0 1", r"no block device 'sd9' \(see blk\)"),
    ("sum sd0 lots", r"usage: sum DEV \[MIB\]"),
    ("readloop", r"usage: readloop DEV"),
    ("scsiread usb0 0 513", r"usage: scsiread usbN LBA COUNT \(COUNT <= 512\)"),
    ("ls", r"usage: ls DEV \[PATH\]"),
    ("fsum sd0", r"usage: fsum DEV PATH"),
    ("readspeed sd0 / extra", r"usage: readspeed DEV \[PATH\]"),
    ("sd fast", r"usage: sd \[auto\|pio\|dma\]"),
]


def check_bad_arguments(q):
    for line, answer in BAD_ARGUMENTS:
        out = q.command(line)
        expect(out, answer, "answer to '%s'" % line)


def usb_scenario(kernel, workdir, name):
    img = os.path.join(workdir, "stick.img")
    payload = make_fat_image(img, 64, 6, seed=1)
    size = os.path.getsize(img)
    hc, dev, speed = USB_TOPOLOGY[name]
    q = Qemu(kernel, ["-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1"] + hc +
             ["-drive", "if=none,id=stick,format=raw,file=" + img] + dev, workdir)
    q.wait_for(re.escape(PROMPT), 30)
    out = q.command("pci")
    expect(out, r"01:00\.0 1b36:000d class 0c0330 BAR0 0x1[0-9a-f]+", "xHCI behind the root port")
    out = q.command("usb hub-evaluate" if name == "hubeval" else "usb")
    expect(out, speed + r".*usb0 'QEMU QEMU HARDDISK' 131072 x 512 bytes \[ok\]", "USB enumeration")
    if name == "hubeval":
        expect(out, r"usb: hub: Configure Endpoint refused \(skipped by the test hook\): trying "
                    r"Evaluate Context", "hub flag through Evaluate Context")
    if name.startswith("hub"):
        expect(out, r"full speed .* hub \[ok\]", "hub")
    out = q.command("blk")
    expect(out, r"usb0: 131072 sectors of 512 bytes", "block device")
    out = q.command("sum usb0", timeout=120)
    m = expect(out, r"sum usb0: (\d+) bytes crc32 ([0-9a-f]{8})", "sum")
    want = crc_of_prefix(img, size)
    if int(m.group(1)) != size or int(m.group(2), 16) != want:
        raise AssertionError("sum usb0: got %s bytes crc %s, want %d crc %08x" % (m.group(1), m.group(2), size, want))
    report_rate("usb-" + name, out)
    check_files(q, "usb0", payload, "usb-" + name)
    # A read at an odd LBA through the bounce path and past-the-end handling.
    want3 = check_readtest(q, img, "usb0", 2049, 3, "readtest")
    # A read into a buffer that is not cache-line aligned goes through the bounce buffer
    # (256 KiB), here in several pieces.
    check_readtest(q, img, "usb0", 100, 1500, "unaligned readtest", unaligned=True)
    out = q.command("readtest usb0 131071 2")
    expect(out, r"past the end", "read past the end")
    # The device itself refuses a READ past its end (CHECK CONDITION; QEMU also stalls the
    # data phase): the error names the sense data and the stick keeps working afterwards.
    out = q.command("scsiread usb0 131070 4")
    expect(out, r"illegal request \(ASC/ASCQ 21/00\)", "SCSI error with sense data")
    out = q.command("readtest usb0 2049 3")
    expect(out, r"crc32 %08x" % want3, "read after a failed command")
    # Re-initialisation (the appliance does this on /exit) finds the same stick again.
    out = q.command("usb")
    expect(out, r"usb0 'QEMU QEMU HARDDISK'.*\[ok\]", "USB re-initialisation")
    q.finish(0)


def sd_scenario(kernel, workdir, name):
    img = os.path.join(workdir, "sd.img")
    payload = None
    if name == "sdhci":
        payload = make_fat_image(img, 64, 4, seed=2)  # <= 2 GiB: SDSC, byte addressing
        want_kind = "SDSC"
    else:
        # > 2 GiB sparse image: QEMU reports an SDHC card (block addressing).
        with open(img, "wb") as f:
            f.truncate(4 << 30)
            f.write(random.Random(3).randbytes(4 << 20))
        want_kind = "SDHC/SDXC"
    q = Qemu(kernel, ["-device", "sdhci-pci", "-drive", "if=none,id=sd,format=raw,file=" + img,
                      "-device", "sd-card,drive=sd"], workdir)
    q.wait_for(re.escape(PROMPT), 30)
    out = q.command("sd")
    expect(out, r"sd: %s card, (\d+) blocks" % re.escape(want_kind), "SD init")
    if name == "sdhci":
        check_bad_arguments(q)
    out = q.command("sum sd0 4", timeout=120)
    m = expect(out, r"sum sd0: (\d+) bytes crc32 ([0-9a-f]{8})", "sum")
    want = crc_of_prefix(img, 4 << 20)
    if int(m.group(2), 16) != want:
        raise AssertionError("sum sd0: crc %s, want %08x" % (m.group(2), want))
    report_rate("sd-" + name, out)
    if payload is not None:
        check_files(q, "sd0", payload, "sd-" + name)
    check_readtest(q, img, "sd0", 7, 1, "single-block readtest")
    q.finish(0)


def unplug_scenario(kernel, workdir, name):
    img = os.path.join(workdir, "stick.img")
    make_fat_image(img, 64, 6, seed=4)
    q = Qemu(kernel, ["-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1",
                      "-device", "qemu-xhci,id=xhci,bus=rp0",
                      "-drive", "if=none,id=stick,format=raw,file=" + img,
                      "-device", "usb-storage,bus=xhci.0,drive=stick,id=stick0"], workdir, qmp=True)
    q.wait_for(re.escape(PROMPT), 30)
    q.command("usb")
    q.proc.stdin.write(b"readloop usb0\n")
    q.proc.stdin.flush()
    q.wait_for(r"readloop: pass 1 crc32", 60)
    q.qmp("device_del", {"id": "stick0"})
    t0 = time.time()
    out = q.wait_for(r"readloop: pass \d+ failed: [^\n]*\n" + re.escape(PROMPT), 60)
    print("UNPLUG detected after %.2f s" % (time.time() - t0))
    expect(out, r"unplugged|transaction error|no completion|not ready", "unplug reported")
    # The kernel keeps running: re-initialise USB, nothing is attached any more.
    out = q.command("usb")
    expect(out, r"0 device\(s\)", "USB after unplug")
    out = q.command("blk")
    expect(out, r"no block devices", "no block devices after unplug")
    out = q.command("cores")
    expect(out, r"cores online: 4 of 4", "kernel still running on all cores")
    q.finish(0)


SCENARIOS = {"superspeed": usb_scenario, "highspeed": usb_scenario, "hub": usb_scenario,
             "hub2": usb_scenario, "hubeval": usb_scenario,
             "sdhci": sd_scenario, "sdhc": sd_scenario, "unplug": unplug_scenario}


def unavailable():
    """None when QEMU virt and the image tools are there; otherwise what is missing."""
    why = qemu_boards.unavailable("virt")
    if why:
        return why
    for tool in ("sfdisk", "mkfs.vfat", "mcopy"):
        if not shutil.which(tool):
            return "%s not installed (tools/setup installs it)" % tool
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    ap.add_argument("--workdir")
    args = ap.parse_args()
    why = unavailable()
    if why:
        print("SKIP: " + why)
        return qemu_boards.SKIP_RETURN_CODE
    workdir = args.workdir or tempfile.mkdtemp(prefix="inferpi-storage-")
    os.makedirs(workdir, exist_ok=True)
    try:
        SCENARIOS[args.scenario](args.kernel, workdir, args.scenario)
    finally:
        for q in RUNNING:
            q.kill()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print("PASS", args.scenario)
    return 0


if __name__ == "__main__":
    sys.exit(main())
