"""How to start each InferPi board in QEMU: the one place that knows the machine arguments,
the kernel file, the device tree, the drives and instruction counting (stdlib only).

Boards:
  virt     QEMU `virt` with EL2 (virtualization=on), 4 x Cortex-A72, 2 GiB by default: the
           virt kernel (an ELF, entered at 0x40200000). Storage on PCI (qemu-xhci, sdhci-pci).
  raspi4b  QEMU's BCM2711 (QEMU >= 9): the real pi4 kernel8.img, loaded at 0x80000 and
           entered at EL2 with the DTB address in x0, cores 1-3 on the firmware spin table.
           Only `-m 2G` is accepted. QEMU wires its SD card to the legacy EMMC (Arasan)
           controller at 0x7e300000, not to EMMC2 (0x7e340000) where a real Pi 4's slot is:
           raspi4b_test_dtb() writes a copy of the Pi 4 DTB that says so (see docs/boot.md,
           "The Pi 4 image under QEMU raspi4b").

    from pylib import qemu_boards
    why = qemu_boards.unavailable("raspi4b")      # None, or how to get such a QEMU
    args = qemu_boards.command("raspi4b", "kernel8.img", dtb="pi4.dtb", sd_image="sd.img")

Tests that cannot run for lack of QEMU or the machine exit with SKIP_RETURN_CODE (CTest
SKIP_RETURN_CODE) after printing unavailable()'s message.
"""
import functools
import os
import shutil
import subprocess

QEMU = "qemu-system-aarch64"
SKIP_RETURN_CODE = 77
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURE_DTB = os.path.join(ROOT, "tests", "fixtures", "dtb", "pi4-upstream.dtb")

# The Pi 4 DTB's SD slot node (Linux bcm2711-rpi-4-b.dts: /emmc2bus, 2 address cells) and
# the bus address of the controller QEMU's raspi4b attaches its card to.
EMMC2_NODE = "/emmc2bus/mmc@7e340000"
LEGACY_EMMC_BUS = 0x7E300000

RASPI4B_HINT = ("QEMU >= 9 with -M raspi4b is needed: on Debian 12 run tools/setup (it installs "
                "qemu-system-arm 10 from Debian's bookworm-backports, tools/setup.d/"
                "qemu-raspi4b.sh); elsewhere install your distribution's QEMU 9 or later")


class Board:
    def __init__(self, name, machine, ram, ram_base, kernel, accepts_ram=None):
        self.name = name
        self.machine = machine        # -M and whatever else fixes the machine
        self.ram = ram                # default -m
        self.ram_base = ram_base      # physical address of the first RAM byte
        self.kernel = kernel          # the kernel file under build/host/kernels
        self.accepts_ram = accepts_ram  # the only -m the machine takes (None: any)


BOARDS = {
    "virt": Board("virt", ["-M", "virt,virtualization=on", "-cpu", "cortex-a72", "-smp", "4"],
                  "2G", 0x40000000, "virt/runtime/boards/virt/inferpi-virt.elf"),
    # raspi4b: 4 cores are the machine's own; EL2 entry is QEMU's default for this board.
    "raspi4b": Board("raspi4b", ["-M", "raspi4b"], "2G", 0x0,
                     "pi4/runtime/boards/pi4/kernel8.img", accepts_ram="2G"),
}


def board(name):
    if name not in BOARDS:
        raise ValueError(f"unknown board {name!r} (known: {', '.join(BOARDS)})")
    return BOARDS[name]


@functools.lru_cache(maxsize=None)
def _machines(qemu):
    try:
        out = subprocess.run([qemu, "-M", "help"], capture_output=True, text=True,
                             timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(line.split()[0] for line in out.splitlines()[1:] if line.strip())


def unavailable(name, qemu=QEMU):
    """None when this QEMU can start the board; otherwise what is missing and how to get it."""
    b = board(name)
    if shutil.which(qemu) is None:
        hint = RASPI4B_HINT if name == "raspi4b" else "install qemu-system-arm (tools/setup)"
        return f"{qemu} not found: {hint}"
    machine = b.machine[1].split(",")[0]
    if machine not in _machines(qemu):
        hint = RASPI4B_HINT if name == "raspi4b" else "install qemu-system-arm (tools/setup)"
        return f"this {qemu} has no -M {machine}: {hint}"
    if name == "raspi4b" and shutil.which("fdtput") is None:
        return "fdtput not found (device-tree-compiler; tools/setup installs it)"
    return None


def command(name, kernel, *, qemu=QEMU, ram=None, smp=None, semihosting=False, monitor=None,
            icount=False, dtb=None, sd_image=None, append=None, extra=()):
    """The QEMU command line that boots `kernel` on board `name`.

    monitor: None (no monitor) or a unix socket path. icount: -icount shift=0 (one
    instruction = one ns; exact, repeatable instruction counts for the bench mode).
    dtb: a DTB file for -dtb (raspi4b: without one the kernel gets x0 = 0). sd_image: a raw
    image as the board's SD card (virt: sdhci-pci + sd-card; raspi4b: the machine's own
    card, if=sd; its size must be a power of two). append: the kernel command line (on
    raspi4b QEMU writes it into the DTB's /chosen, so it needs a dtb)."""
    b = board(name)
    ram = ram or b.ram
    if b.accepts_ram and ram != b.accepts_ram:
        raise ValueError(f"-M {name} only accepts -m {b.accepts_ram}, not {ram}")
    args = [qemu] + b.machine + ["-m", ram]
    if smp:
        args += ["-smp", str(smp)]
    args += ["-display", "none", "-serial", "stdio", "-nic", "none", "-no-reboot"]
    if icount:
        args += ["-icount", "shift=0"]
    if semihosting:  # virt: the guest's exit status (without it: PSCI off, status 0)
        args.append("-semihosting")
    args += ["-monitor", f"unix:{monitor},server,nowait" if monitor else "none"]
    args += ["-kernel", kernel]
    if dtb:
        args += ["-dtb", dtb]
    if sd_image:
        args += sd_args(name, sd_image)
    if append is not None:
        if name == "raspi4b" and not dtb:
            raise ValueError("raspi4b: -append needs a dtb (QEMU puts it in /chosen)")
        args += ["-append", append]
    return args + list(extra)


def sd_args(name, image):
    if name == "virt":
        return ["-device", "sdhci-pci", "-drive", f"if=none,id=sd,format=raw,file={image}",
                "-device", "sd-card,drive=sd"]
    size = os.path.getsize(image)
    if size & (size - 1):
        raise ValueError(f"{image}: {size} bytes; QEMU's SD card must be a power of two "
                         "(make_usb_image --pow2, or truncate -s)")
    return ["-drive", f"if=sd,format=raw,file={image}"]


def raspi4b_test_dtb(out, source=FIXTURE_DTB, sd_controller=LEGACY_EMMC_BUS):
    """Writes `out`: the Pi 4 DTB (Linux's bcm2711-rpi-4-b) with the SD slot node
    (compatible brcm,bcm2711-emmc2) moved to the controller QEMU's card sits on. Everything
    else - the kernel's driver, its lookup by `compatible`, the firmware power-up through
    the mailbox - stays as on a real Pi 4; only the address is QEMU's wiring."""
    shutil.copyfile(source, out)
    subprocess.run(["fdtput", "-t", "x", out, EMMC2_NODE, "reg", "0", f"{sd_controller:x}", "100"],
                   check=True)
    return out


def kernel_path(build_dir, name):
    """The board's kernel under a host build tree (build/host)."""
    return os.path.join(build_dir, "kernels", board(name).kernel)
