#!/usr/bin/python3
"""End-to-end appliance tests: the virt kernel in QEMU with model drives attached, driven
over the UART like a person at a terminal (tests/qemu/qemu_session.py).

  appliance_e2e.py --kernel K --cli INFERPI --models DIR --scenario NAME

Scenarios:
  usb      both demo models on a GPT USB stick (qemu-xhci behind a pcie-root-port, USB 3):
           the menu lists both with their engines; model 1, one greedy turn whose text equals
           the host CLI's for the same model/prompt/settings; /exit; model 2, same; /exit;
           the menu again.
  sd       the same models on the SD card (sdhci-pci + sd-card, MBR): model 1, one turn.
  bad      no drive -> message; then broken folders (no tokenizer, bad magic, truncated) are
           listed with the reason and not selectable, 10 000 pasted characters are cut, a
           model too large for the RAM (-m 256M) is refused, and the kernel keeps going.
  hole     the model window over two RAM segments: -m 48M and `memhole=4M@10M` on the kernel
           command line leave two 10 MiB segments (banner); demo-nanochat (10.1 MiB, larger
           than either) loads over USB across the hole and chats like the host CLI; `mem`
           shows the arena's high water past the first segment; `wsum` reads the model file
           into a buffer across the segment boundary with the right CRC-32; a model larger than the
           whole window (30 MB) is refused with the sizes. Then -m 5G with a 3 GiB hole puts
           segment 1 above 4 GiB physical: `wsum` there (64-bit DMA addresses) in the shell.
  pi4      the pi4 kernel8.img on QEMU's raspi4b (--board raspi4b): the three demo models on
           the SD card (MBR, padded to a power of two; the test DTB puts the SD slot on
           QEMU's controller, qemu_boards.raspi4b_test_dtb): menu, model 1 with one greedy
           turn equal to the host CLI's, /temp (QEMU answers through the mailbox), /bench,
           /exit; the GGUF model and the nanochat model, each one turn; the menu again.
Exit 77 = skipped (a tool or a piece of the build is missing), with the reason printed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu"))
from qemu_session import QemuSession, qemu_boards  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PROMPT = "Recite Genesis 1:1"
MAX_TOKENS = 32  # greedy tokens compared with the host CLI, token for token
MENU = r"Choose a model \[1-(\d+)\]"
TURN_TIMEOUT = 900


def skip(why):
    print("SKIP:", why)
    sys.exit(77)


def make_image(path, folders, *args):
    subprocess.run([os.path.join(ROOT, "tools", "make_usb_image"), *args, path, *folders],
                   check=True, stdout=subprocess.DEVNULL)


def host_reply(cli, model_dir):
    """The host CLI's greedy reply text (before the stats lines)."""
    out = subprocess.run([cli, model_dir, "--prompt", PROMPT, "--greedy", "--max-tokens",
                          str(MAX_TOKENS)], check=True, capture_output=True, text=True).stdout
    return out.split("\nPrompt:")[0].strip()


def usb_args(img):
    return ["-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1",
            "-device", "qemu-xhci,id=xhci,bus=rp0",
            "-drive", "if=none,id=stick,format=raw,file=" + img,
            "-device", "usb-storage,bus=xhci.0,drive=stick,id=stick0"]


def sd_args(img):
    return qemu_boards.sd_args("virt", img)


def chat_turn(q, number, name, engine, expected, before_exit=None):
    q.send_line(str(number))
    q.expect(r"Loading %s: .*100%%" % re.escape(name), timeout=120)
    q.expect(r"%s: %s engine" % (re.escape(name), engine), timeout=60)
    q.expect(r"\n> ")
    for cmd in ("/set temp 0", "/set max_tokens %d" % MAX_TOKENS):
        q.send_line(cmd)
        q.expect(r"\n> ")
    start = len(q.transcript())
    q.send_line(PROMPT)
    q.expect(r"Generation: \d+ tokens in", timeout=TURN_TIMEOUT)
    text = q.transcript()[start:]
    # The echoed prompt line, then the reply, then the stats lines.
    reply = text.split("\r\n", 1)[1].split("\nPrompt:")[0].replace("\r", "").strip()
    if reply != expected:
        q.fail("%s: kernel reply differs from the host CLI's\n kernel: %r\n host:   %r"
               % (name, reply, expected))
    print("%s: kernel reply == host reply: %r" % (name, reply))
    q.expect(r"\n> ")
    if before_exit:
        before_exit(q)
    q.send_line("/exit")
    q.expect(r"Unloaded %s\." % re.escape(name))
    q.expect(MENU, timeout=120)


def scenario_usb(args, work):
    img = os.path.join(work, "usb.img")
    make_image(img, [os.path.join(args.models, m) for m in ("demo-llama", "demo-nanochat")])
    want1 = host_reply(args.cli, os.path.join(args.models, "demo-llama"))
    want2 = host_reply(args.cli, os.path.join(args.models, "demo-nanochat"))
    with QemuSession(args.kernel, usb_args(img)) as q:
        q.expect(r"InferPi on ", timeout=120)
        q.expect(r"Models on usb0p1 INFERPI:", timeout=120)
        q.expect(r"1  demo-llama +Llama ")
        q.expect(r"2  demo-nanochat +GPT2 ")
        q.expect(MENU)
        chat_turn(q, 1, "demo-llama", "Llama", want1)
        chat_turn(q, 2, "demo-nanochat", "GPT2", want2)
        print(q.transcript())


# A tiny random gemma3 (sliding-window + global layers, GeGLU, sandwich norms), f32, 1 MB.
TINY_GEMMA3 = dict(arch="gemma3", D=64, F=128, L=6, H=2, KV=1, hs=32, theta=1e6, eps=1e-6,
                   tied=True, vocab="spm", window=4, linear=8.0)


def scenario_gguf(args, work):
    """llama.cpp GGUF files on the stick: demo-llama (q8_0, written by export_llama.py
    --format gguf) and a tiny random gemma3 written by our GGUF writer at test time. Both are
    listed as GGUF models of their architecture and chat token for token like the host CLI."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "peer"))
    from family_models import write_family
    folder = os.path.join(args.models, "demo-llama-gguf")
    tiny = os.path.join(work, "tiny-gemma3")
    write_family("gemma3", 0, os.path.join(tiny, "model.gguf"), TINY_GEMMA3, readable=True)
    img = os.path.join(work, "gguf.img")
    make_image(img, [folder, tiny])
    want = host_reply(args.cli, folder)
    want_tiny = host_reply(args.cli, tiny)
    with QemuSession(args.kernel, usb_args(img)) as q:
        q.expect(r"Models on usb0p1 INFERPI:", timeout=120)
        q.expect(r"1  demo-llama-gguf +GGUF +llama +q8_0 ")
        q.expect(r"2  tiny-gemma3 +GGUF +gemma3 +f32 ")
        q.expect(MENU)
        chat_turn(q, 1, "demo-llama-gguf", r"\w+", want)
        chat_turn(q, 2, "tiny-gemma3", r"\w+", want_tiny)
        print(q.transcript())


def scenario_sd(args, work):
    img = os.path.join(work, "sd.img")
    make_image(img, [os.path.join(args.models, m) for m in ("demo-llama", "demo-nanochat")],
               "--mbr", "--pow2")
    want1 = host_reply(args.cli, os.path.join(args.models, "demo-llama"))
    with QemuSession(args.kernel, sd_args(img)) as q:
        q.expect(r"Models on sd0p1 INFERPI:", timeout=120)
        q.expect(r"1  demo-llama +Llama ")
        q.expect(MENU)
        chat_turn(q, 1, "demo-llama", "Llama", want1)


def scenario_pi4(args, work):
    names = ("demo-llama", "demo-llama-gguf", "demo-nanochat")
    img = os.path.join(work, "sd.img")
    make_image(img, [os.path.join(args.models, m) for m in names], "--mbr", "--pow2")
    want = {m: host_reply(args.cli, os.path.join(args.models, m)) for m in names}

    def temp_and_bench(q):
        q.send_line("/temp")
        q.expect(r"SoC temperature: \d+\.\d C \(hottest since boot: \d+\.\d C\)")
        q.expect(r"Throttling now: none")
        q.expect(r"\n> ")
        q.send_line("/bench")
        q.expect(r"read bandwidth \(\d+ MiB buffer\): 1 core \d+ MB/s, all cores \d+ MB/s",
                 timeout=120)
        q.expect(r"decode at context 64: 16 tokens in [\d.]+ ms", timeout=TURN_TIMEOUT)
        q.expect(r"\n> ")

    with QemuSession(args.kernel, board="raspi4b", sd_image=img) as q:
        q.expect(r"InferPi kernel, build", timeout=120)
        q.expect(r"board +: pi4 \(Raspberry Pi 4 / BCM2711\)")
        q.expect(r"Models on sd0p1 INFERPI:", timeout=120)
        q.expect(r"1  demo-llama +Llama ")
        q.expect(r"2  demo-llama-gguf +GGUF +llama +q8_0 ")
        q.expect(r"3  demo-nanochat +GPT2 ")
        q.expect(MENU)
        chat_turn(q, 1, "demo-llama", "Llama", want["demo-llama"], temp_and_bench)
        chat_turn(q, 2, "demo-llama-gguf", r"\w+", want["demo-llama-gguf"])
        chat_turn(q, 3, "demo-nanochat", "GPT2", want["demo-nanochat"])
        print(q.transcript())


def scenario_bad(args, work):
    # 1. No drive at all: a message, Enter rescans, still running.
    with QemuSession(args.kernel, []) as q:
        q.expect(r"No drive found", timeout=120)
        q.expect(r"Press Enter to rescan drives")
        q.send_line("")
        q.expect(r"No drive found", timeout=60)
        q.send_line("7")
        q.expect(r"There is no model to choose")
    # 2. Broken folders, a pasted 10 000 characters, a model too big for the RAM.
    src = os.path.join(work, "src")
    llama = os.path.join(args.models, "demo-llama")
    for name in ("no-tokenizer", "bad-magic", "truncated", "huge"):
        os.makedirs(os.path.join(src, name))
    shutil.copy(os.path.join(llama, "model.bin"), os.path.join(src, "no-tokenizer"))
    with open(os.path.join(src, "bad-magic", "model.bin"), "wb") as f:
        f.write(b"\x00" * 4096)
    shutil.copy(os.path.join(llama, "tokenizer.bin"), os.path.join(src, "bad-magic"))
    with open(os.path.join(llama, "model.bin"), "rb") as f:
        head = f.read(100000)
    with open(os.path.join(src, "truncated", "model.bin"), "wb") as f:
        f.write(head)
    shutil.copy(os.path.join(llama, "tokenizer.bin"), os.path.join(src, "truncated"))
    # "huge": a valid header whose tensors need more than the RAM QEMU gets (-m 256M):
    # the demo model padded to 300 MB (sparse in the image).
    shutil.copy(os.path.join(llama, "tokenizer.bin"), os.path.join(src, "huge"))
    shutil.copy(os.path.join(llama, "model.bin"), os.path.join(src, "huge"))
    with open(os.path.join(src, "huge", "model.bin"), "r+b") as f:
        f.truncate(300 * 1000 * 1000)
    img = os.path.join(work, "bad.img")
    make_image(img, [os.path.join(src, n) for n in sorted(os.listdir(src))] +
               [os.path.join(args.models, "demo-nanochat")])
    with QemuSession(args.kernel, usb_args(img) + ["-m", "256M"]) as q:
        q.expect(r"Models on usb0p1 INFERPI:", timeout=180)
        q.expect(r"-  bad-magic +cannot load: .*", timeout=60)
        q.expect(r"-  no-tokenizer +cannot load: no tokenizer.bin next to model.bin")
        q.expect(MENU)
        menu = q.transcript()
        # A truncated model.bin may pass the header check (the header is whole): then the
        # load must refuse it with a message and come back to the menu.
        trunc = re.search(r"(\d+)  truncated ", menu)
        if trunc:
            q.send_line(trunc.group(1))
            q.expect(r"Cannot load truncated: ", timeout=120)
            q.expect(r"Back to the menu")
            q.expect(MENU)
        else:
            if not re.search(r"-  truncated +cannot load: ", menu):
                q.fail("the truncated model is neither refused in the list nor at load")
        q.send_raw(b"x" * 10000 + b"\r")
        q.expect(r"Input cut: \d+ characters over the limit", timeout=120)
        q.expect(MENU)
        menu = q.transcript()
        huge = re.search(r"(\d+)  huge ", menu)
        if huge:  # listed as usable: loading must refuse it with the sizes
            q.send_line(huge.group(1))
            q.expect(r"Cannot load huge: model needs 300 MB, largest free block is \d+ MB",
                     timeout=120)
            q.expect(r"Back to the menu")
            q.expect(MENU)
        else:
            q.expect(r"-  huge +cannot load: ")
        nano = re.search(r"(\d+)  demo-nanochat ", menu).group(1)
        q.send_line(nano)
        q.expect(r"\n> ", timeout=120)
        # Digits: one or two per token, so the 2047 kept characters exceed the 512-token
        # context and the chat refuses the message instead of a long prefill.
        q.send_raw(b"1234567890" * 1000 + b"\r")
        q.expect(r"\[input cut: the line had \d+ characters more than the limit", timeout=120)
        q.expect(r"(message is \d+ tokens, the context holds 512|error: encode: output buffer full)",
                 timeout=TURN_TIMEOUT)
        q.expect(r"\n> ", timeout=TURN_TIMEOUT)
        q.send_line("/exit")
        q.expect(MENU, timeout=120)
        print(q.transcript()[-3000:])


def check_wsum(q, size, want_crc, where):
    """The debug shell's `wsum` of the demo model file (read into the model window) must
    have the file's size and CRC."""
    q.send_line("wsum usb0 /demo-nanochat/model.bin")
    m = q.expect(r"fsum \S+: (\d+) bytes crc32 ([0-9a-f]{8})", timeout=120)
    if int(m.group(1)) != size or int(m.group(2), 16) != want_crc:
        q.fail("wsum %s: %s bytes crc32 %s, the file has %d bytes crc32 %08x"
               % (where, m.group(1).decode(), m.group(2).decode(), size, want_crc))
    print("wsum %s: crc32 %08x == the file's" % (where, want_crc))


def scenario_hole(args, work):
    src = os.path.join(work, "src")
    huge = os.path.join(src, "huge")
    os.makedirs(huge)
    llama = os.path.join(args.models, "demo-llama")
    shutil.copy(os.path.join(llama, "tokenizer.bin"), huge)
    shutil.copy(os.path.join(llama, "model.bin"), huge)
    with open(os.path.join(huge, "model.bin"), "r+b") as f:
        f.truncate(30 * 1000 * 1000)  # > the 20 MiB window (21.0 MB), < the 48 MiB of RAM
    nano = os.path.join(args.models, "demo-nanochat")
    img = os.path.join(work, "hole.img")
    make_image(img, [nano, huge])
    want = host_reply(args.cli, nano)
    segment = 10 << 20
    with QemuSession(args.kernel, usb_args(img) + ["-m", "48M", "-append",
                                                   "memhole=4M@10M"]) as q:
        q.expect(r"memhole: RAM 0x[0-9a-f]+-0x[0-9a-f]+ \(4 MiB\) left out", timeout=120)
        window = int(q.expect(r"model window    : (\d+) MiB at 0x1000000000 in 2 segment\(s\)")
                     .group(1))
        q.expect(r"segment 0     : 0x1000000000 -> RAM 0x[0-9a-f]+-0x[0-9a-f]+ +10 MiB")
        q.expect(r"segment 1     : 0x1000a00000 -> RAM 0x[0-9a-f]+-0x[0-9a-f]+ +10 MiB")
        if window != 20:
            q.fail("model window is %d MiB, expected 20 (two 10 MiB segments)" % window)
        q.expect(r"Models on usb0p1 INFERPI:", timeout=120)
        q.expect(r"1  demo-nanochat +GPT2 ")
        q.expect(MENU)
        size = os.path.getsize(os.path.join(nano, "model.bin"))
        if size <= segment:
            q.fail("demo-nanochat (%d bytes) fits one segment: the test proves nothing" % size)
        chat_turn(q, 1, "demo-nanochat", "GPT2", want)
        # The arena went past the first segment: the model's bytes lie on both sides of the
        # hole (the arena starts at the window's first byte).
        q.send_line("!shell")
        q.expect(r"inferpi> ", timeout=60)
        q.send_line("mem")
        high = int(q.expect(r"high water (\d+) KiB").group(1))
        straddles = int(q.expect(r"(\d+) transfer\(s\) bounced for straddling").group(1))
        if high * 1024 <= segment + 1024 * 1024:
            q.fail("arena high water %d KiB does not reach past the first segment" % high)
        print("arena high water %d KiB (segment 0: %d KiB), %d read(s) straddled the hole"
              % (high, segment >> 10, straddles))
        # USB reads of up to 1 MiB into the model's bytes: one of them runs across the end of
        # segment 0 and must have been bounced (dma_bus_address refuses it), not DMA'd to a
        # wrong physical address. (If a layout change ever makes the reads end exactly on
        # the boundary, move the hole by 1 MiB rather than dropping this check.)
        if straddles < 1:
            q.fail("no USB read straddled the two segments: the bounce path was not exercised")
        # The bytes themselves: the model file read in 4 MiB pieces into a window buffer that
        # runs across the end of segment 0 (wsum); every piece lands partly on each side of
        # the hole, so a wrong translation or a DMA across the hole changes the CRC.
        with open(os.path.join(nano, "model.bin"), "rb") as f:
            want_crc = zlib.crc32(f.read())
        check_wsum(q, size, want_crc, "across the segment boundary")
        q.send_line("menu")
        q.expect(MENU, timeout=120)
        menu = q.transcript()
        m = re.search(r"(\d+)  huge ", menu)
        if m:
            q.send_line(m.group(1))
            free = int(q.expect(r"Cannot load huge: model needs 30 MB, largest free block is "
                                r"(\d+) MB", timeout=120).group(1))
            if not 17 <= free <= 21:  # the window (21.0 MB) minus the menu's own buffers
                q.fail("reported %d MB free: not the model window's size" % free)
            q.expect(r"Back to the menu")
        else:
            q.expect(r"-  huge +cannot load: ")
        q.expect(MENU)
        print(q.transcript()[-4000:])
    # Segment 1 above 4 GiB physical (-m 5G, a 3 GiB hole): 64-bit DMA addresses into the
    # window, in the debug shell.
    with QemuSession(args.kernel, usb_args(img) + ["-m", "5G", "-append",
                                                   "shell memhole=3G@10M"]) as q:
        m = q.expect(r"segment 1     : 0x1000a00000 -> RAM 0x([0-9a-f]+)-", timeout=120)
        if int(m.group(1), 16) < 1 << 32:
            q.fail("segment 1 starts at 0x%s, not above 4 GiB" % m.group(1).decode())
        q.expect(r"inferpi> ")
        q.send_line("usb")
        q.expect(r"usb: ready in", timeout=120)
        check_wsum(q, size, want_crc, "into RAM above 4 GiB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--scenario", required=True,
                    choices=["usb", "sd", "bad", "gguf", "hole", "pi4"])
    args = ap.parse_args()
    why = qemu_boards.unavailable("raspi4b" if args.scenario == "pi4" else "virt")
    if why:
        skip(why)
    for tool in ("sfdisk", "mkfs.vfat", "mcopy"):
        if not shutil.which(tool):
            skip("%s not installed" % tool)
    for path in (args.kernel, args.cli):
        if not os.path.exists(path):
            skip("%s was not built" % path)
    for m, f in (("demo-llama", "model.bin"), ("demo-nanochat", "model.bin"),
                 ("demo-llama-gguf", "model.gguf")):
        if not os.path.exists(os.path.join(args.models, m, f)):
            skip("bundled model %s missing" % m)
    work = tempfile.mkdtemp(prefix="inferpi-appliance-")
    try:
        {"usb": scenario_usb, "sd": scenario_sd, "bad": scenario_bad,
         "gguf": scenario_gguf, "hole": scenario_hole,
         "pi4": scenario_pi4}[args.scenario](args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("PASS", args.scenario)
    return 0


if __name__ == "__main__":
    sys.exit(main())
