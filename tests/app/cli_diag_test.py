#!/usr/bin/python3
"""`!diag` in the host CLI's menu, over a disk image and a folder: the hardware sections say
why they cannot run on the host, bandwidth and read speeds are measured numbers above 0, both
read paths agree on the image, nothing FAILs, and the menu comes back.

  cli_diag_test.py INFERPI MAKE_USB_IMAGE MODELS_DIR WORK_DIR
"""
import os
import re
import subprocess
import sys

LINE = re.compile(r"^\[(.+?) *\] (ok|measured|FAIL|not run): (.*)$")


def main():
    cli, make_image, models, work = sys.argv[1:5]
    folder = os.path.join(models, "demo-llama")
    if not os.path.isfile(os.path.join(folder, "model.bin")):
        print("SKIP: %s missing" % folder)
        return 77
    os.makedirs(work, exist_ok=True)
    img = os.path.join(work, "stick.img")
    subprocess.run([make_image, img, os.path.join(models, "demo-nanochat")], check=True,
                   stdout=subprocess.DEVNULL)
    out = subprocess.run([cli, img, folder, "--memory", "256"], input="!diag\nq\n", text=True,
                         capture_output=True, timeout=300).stdout
    found = {}
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            found[m.group(1)] = (m.group(2), m.group(3))
    want = {
        "board": ("not run", r"host CLI"), "ram": ("not run", r"host CLI"),
        "pcie": ("not run", r"folders and disk images"), "sd": ("not run", r"disk images"),
        "bandwidth": ("measured", r"1 core ([\d.]+) MB/s, \d+ cores ([\d.]+) MB/s"),
        "read image": ("measured", r"raw sequential ([\d.]+) MB/s"),
        "dma image": ("ok", r"read the same 256 KiB"),
        "fat imagep1 INFERPI": ("measured", r"([\d.]+) MB/s through the filesystem "
                                            r"\(demo-nanochat/model\.bin"),
        "fat " + folder: ("measured", r"([\d.]+) MB/s through the filesystem \(model\.bin"),
    }
    errors = []
    for section, (result, pattern) in want.items():
        if section not in found:
            errors.append("section [%s] missing" % section)
            continue
        got, detail = found[section]
        m = re.search(pattern, detail)
        if got != result or not m:
            errors.append("[%s] %s: %s (want %s, %r)" % (section, got, detail, result, pattern))
        elif any(float(x) <= 0 for x in m.groups()):
            errors.append("[%s] measured nothing: %s" % (section, detail))
    if not re.search(r"=== end of report: \d+ ok, \d+ measured, 0 FAIL, \d+ not run ===", out):
        errors.append("no end line with 0 FAIL")
    if out.count("Choose a model") < 2:
        errors.append("the menu did not come back after the report")
    if errors:
        print(out)
        print("\n".join(errors))
        return 1
    print("cli_diag: every section present and plausible")
    return 0


if __name__ == "__main__":
    sys.exit(main())
