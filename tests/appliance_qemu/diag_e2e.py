#!/usr/bin/python3
"""The self-test report (issue 12 §3) in QEMU, every section checked for presence and a
plausible value.

  diag_e2e.py --kernel K --models DIR [--board virt|raspi4b]

virt: the virt kernel with a USB 3 stick (qemu-xhci) and an SD card (sdhci-pci); `!diag` at
the menu and `diag` in the debug shell. The firmware sections say why they cannot run there,
RAM/window/cores are ok, bandwidth and drive speeds are measured numbers above 0, the xHCI
port and the USB device are SuperSpeed, the SD card's CID is QEMU's, both read paths agree on
both drives.
raspi4b: the pi4 kernel8.img with QEMU's SD card (the harness's test DTB puts the Pi 4's SD
slot on QEMU's controller); `!diag`. The mailbox sections are answered by QEMU's firmware model
(board revision, firmware revision, temperature, GET_THROTTLED; not the measured clock), PCIe
and USB say why not (QEMU has no PCIe), the SD card runs at 25 MHz.
Nothing may FAIL on either. Exit 77 = skipped (reason printed).
"""
import argparse
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "qemu"))
sys.path.insert(0, HERE)
from qemu_session import BoardUnavailable, QemuSession  # noqa: E402
from appliance_e2e import MENU, make_image, sd_args, skip, usb_args  # noqa: E402

LINE = re.compile(r"^\[(.+?) *\] (ok|measured|FAIL|not run): (.*)$")
END = r"=== end of report: (\d+) ok, (\d+) measured, (\d+) FAIL, (\d+) not run ===\r?\n"

# section -> (result, regex the detail must match)
VIRT = {
    "board": ("not run", r"no VideoCore firmware mailbox"),
    "firmware": ("not run", r"no VideoCore firmware mailbox"),
    "clock": ("not run", r"no VideoCore firmware mailbox"),
    "thermal": ("not run", r"no VideoCore firmware mailbox"),
    "ram": ("ok", r"^2048 MiB in 1 range\(s\): 0x40000000-0xc0000000$"),
    "window": ("ok", r"^\d{4} MiB at 0x1000000000 in 1 segment"),
    "cores": ("ok", r"^4 of 4 online, 4 workers, SErrors reported on all$"),
    "bandwidth": ("measured", r"1 core (\d+) MB/s, 4 cores (\d+) MB/s"),
    "pcie": ("ok", r"generic ECAM host .*\d+ function"),
    "vl805": ("not run", r"1b36:000d, not a VL805"),
    "xhci": ("ok", r"xHCI 1\.\d\d, \d+ ports: 1:USB3/SuperSpeed"),
    "usb dev 0": ("ok", r"46f4:0001 USB 3\.00 .*SuperSpeed, port 1 .*mass storage"),
    # CSD's TRAN_SPEED says 25 MHz (default speed); after CMD6 High Speed the limit is 50 MHz.
    "sd": ("ok", r"bus clock (\d+) kHz High Speed \(base \d+ kHz, card max 25000 kHz\), SDSC, 64 MiB"),
    "sd cid": ("ok", r"^aa5859[0-9a-f]{26}: maker 0xaa oem XY product QEMU! .*serial 0xdeadbeef"),
    "sd csd": ("ok", r"^[0-9a-f]{32}: structure 0$"),
    "read usb0": ("measured", r"raw sequential ([\d.]+) MB/s \(\d+ KiB in 1024 KiB reads"),
    "dma usb0": ("ok", r"xHCI DMA into cached memory and through the DMA bounce buffer read the "
                       r"same 256 KiB"),
    "read sd0": ("measured", r"raw sequential ([\d.]+) MB/s"),
    "dma sd0": ("ok", r"SD DMA into cached memory and through the DMA bounce buffer read the "
                      r"same 256 KiB"),
    "fat usb0p1 INFERPI": ("measured", r"([\d.]+) MB/s through the filesystem \(demo-\w+/model\.bin"),
    "fat sd0p1 INFERPI": ("measured", r"([\d.]+) MB/s through the filesystem \(demo-nanochat/"),
}

SD_SECTIONS = {k: v for k, v in VIRT.items() if k.startswith(("sd", "read sd0", "dma sd0",
                                                                "fat sd0"))}
RASPI4B = dict(SD_SECTIONS, **{
    "board": ("ok", r"^revision 0x[0-9a-f]{6} \(Pi 4 Model B rev 1\.\d, 2 GB RAM, BCM2711"),
    "firmware": ("ok", r"^revision 0x[0-9a-f]{8}, 0 late mailbox replies$"),
    # QEMU 10's firmware model does not answer GET_CLOCK_RATE_MEASURED (0x00030047).
    "clock": ("not run", r"^ARM set (\d+) MHz \(max \d+ MHz\); measured clock not answered"),
    "thermal": ("ok", r"^\d+\.\d C; throttled 0x00000: now none"),
    "ram": ("ok", r"^960 MiB in 1 range\(s\): 0x0-0x3c000000$"),
    "window": ("ok", r"^9\d\d MiB at 0x1000000000 in 2 segment"),
    "cores": VIRT["cores"],
    "bandwidth": VIRT["bandwidth"],
    "pcie": ("not run", r"PCIe did not come up"),
    "vl805": ("not run", r"^no PCIe$"),
    "xhci": ("not run", r"USB not started \(no PCIe\)"),
    "usb": ("not run", r"USB not started"),
    "sd": ("ok", r"bus clock (50000) kHz High Speed \(base \d+ kHz, card max 25000 kHz\), SDSC, 64 MiB"),
})


def check_report(q, start, expected):
    m = q.expect(END, timeout=300)
    text = q.transcript()[start:].replace("\r", "")
    found = {}
    for line in text.split("\n"):
        lm = LINE.match(line)
        if lm:
            found[lm.group(1)] = (lm.group(2), lm.group(3))
    for section, (result, pattern) in expected.items():
        if section not in found:
            q.fail("diag: section [%s] missing" % section)
        got_result, detail = found[section]
        if got_result != result:
            q.fail("diag: [%s] is '%s: %s', expected '%s'" % (section, got_result, detail, result))
        dm = re.search(pattern, detail)
        if not dm:
            q.fail("diag: [%s] detail %r does not match %r" % (section, detail, pattern))
        for number in dm.groups():
            if float(number) <= 0:
                q.fail("diag: [%s] measured %s, not above 0" % (section, number))
    sd_khz = int(re.search(expected["sd"][1], found["sd"][1]).group(1))
    if not 100 <= sd_khz <= 50000:
        q.fail("diag: SD bus clock %u kHz outside 100..50000 (High Speed)" % sd_khz)
    extra = set(found) - set(expected)
    if extra:
        q.fail("diag: unexpected sections %s" % sorted(extra))
    if int(m.group(3)) != 0:
        q.fail("diag: %s FAIL line(s)" % m.group(3))
    return found


def run_virt(args, work):
    usb = os.path.join(work, "usb.img")
    sd = os.path.join(work, "sd.img")
    make_image(usb, [os.path.join(args.models, m) for m in ("demo-llama", "demo-nanochat")])
    make_image(sd, [os.path.join(args.models, "demo-nanochat")], "--mbr", "--pow2")
    with QemuSession(args.kernel, usb_args(usb) + sd_args(sd)) as q:
        q.expect(MENU, timeout=180)
        start = len(q.transcript())
        q.send_line("!diag")
        found = check_report(q, start, VIRT)
        q.expect(MENU, timeout=60)  # back at the menu
        # The debug shell's `diag` prints the same report.
        q.send_line("!shell")
        q.expect(r"inferpi> ")
        start = len(q.transcript())
        q.send_line("diag")
        again = check_report(q, start, VIRT)
        if set(again) != set(found):
            q.fail("diag in the shell lists other sections than !diag")
        q.expect(r"inferpi> ")
        q.send_line("menu")
        q.expect(MENU, timeout=120)
        print(q.transcript())


def run_raspi4b(args, work):
    sd = os.path.join(work, "sd.img")
    make_image(sd, [os.path.join(args.models, "demo-nanochat")], "--mbr", "--pow2")
    try:
        with QemuSession(args.kernel, board="raspi4b", sd_image=sd) as q:
            q.expect(MENU, timeout=240)
            start = len(q.transcript())
            q.send_line("!diag")
            check_report(q, start, RASPI4B)
            q.expect(MENU, timeout=60)
            print(q.transcript())
    except BoardUnavailable as e:
        skip(str(e))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--board", default="virt", choices=["virt", "raspi4b"])
    args = ap.parse_args()
    for m in ("demo-llama", "demo-nanochat"):
        if not os.path.isfile(os.path.join(args.models, m, "model.bin")):
            skip("model %s missing in %s" % (m, args.models))
    with tempfile.TemporaryDirectory() as work:
        (run_raspi4b if args.board == "raspi4b" else run_virt)(args, work)
    print("diag_e2e (%s): every section present and plausible" % args.board)


if __name__ == "__main__":
    main()
