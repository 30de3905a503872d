"""The Raspberry Pi 4 boot files (start4.elf, fixup4.dat, bcm2711-rpi-4-b.dtb) from Debian.

Debian packages the VideoCore firmware as `raspi-firmware` (component non-free-firmware)
and ships the Pi 4 device tree in its arm64 kernel image package
(/usr/lib/linux-image-<abi>/broadcom/bcm2711-rpi-4-b.dtb). apt verifies both against
Debian's archive keys (/usr/share/keyrings/debian-archive-keyring.gpg): the signed
InRelease file lists the Packages index's hash, the index lists each .deb's hash.

apt runs on a private directory under the user's cache (its own sources list, lists, cache
and archives, passed with -o options): the machine's apt configuration is not read or
changed, and no root is needed. The .deb files stay in the cache, so a second run needs no
network. sdcard/firmware.sha256 pins the package versions and holds the SHA-256 of each .deb
and of every file copied to the card; every run checks them before anything is copied.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
MIRROR = os.environ.get("INFERPI_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SUITE = "bookworm"

# Card file name -> (which pinned package, path inside it). {pkg} is the package name.
FIRMWARE_PACKAGE = "raspi-firmware"
KERNEL_PREFIX = "linux-image-"
CARD_FILES = {
    "start4.elf": (FIRMWARE_PACKAGE, "usr/lib/raspi-firmware/start4.elf"),
    "fixup4.dat": (FIRMWARE_PACKAGE, "usr/lib/raspi-firmware/fixup4.dat"),
    "bcm2711-rpi-4-b.dtb": (KERNEL_PREFIX, "usr/lib/{pkg}/broadcom/bcm2711-rpi-4-b.dtb"),
}

EXIT_NOT_FETCHED = 3  # network or archive problem: callers (tests) may skip on this one
EXIT_MISMATCH = 4  # a hash differs from the record: never skip, something is wrong


class FirmwareError(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_root():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "inferpi", "debian-firmware")


class Record:
    """sdcard/firmware.sha256: '# deb NAME VERSION COMPONENT' pins, then 'HASH  NAME' lines."""

    def __init__(self, path):
        self.path = path
        self.packages = []  # (name, version, component)
        self.hashes = {}  # file name (.deb or card file) -> sha256
        if not os.path.exists(path):
            return
        with open(path) as f:
            for line in f:
                m = re.match(r"#\s*deb\s+(\S+)\s+(\S+)\s+(\S+)\s*$", line)
                if m:
                    self.packages.append(m.groups())
                    continue
                m = re.match(r"([0-9a-f]{64})  (\S+)\s*$", line)
                if m:
                    self.hashes[m.group(2)] = m.group(1)

    def package(self, prefix):
        for p in self.packages:
            if p[0] == prefix or (prefix.endswith("-") and p[0].startswith(prefix)):
                return p
        return None

    def write(self, packages, hashes):
        lines = [
            "# The Raspberry Pi 4 boot files that tools/make_sdcard copies to the card, from",
            "# Debian packages fetched with apt (signatures checked against Debian's archive",
            "# keys). '# deb NAME VERSION COMPONENT' pins each package (suite %s); the other" % SUITE,
            "# lines are sha256sum format: the .deb files as downloaded, then every file copied",
            "# to the card. make_sdcard checks all of them on every run. Maintainers move the pin",
            "# with `tools/make_sdcard --record-firmware` and review the diff.",
        ]
        lines += ["# deb %s %s %s" % p for p in packages]
        lines += ["%s  %s" % (hashes[n], n) for n in hashes]
        with open(self.path, "w") as f:
            f.write("\n".join(lines) + "\n")


class Apt:
    """apt-get/apt-cache on a private directory (no system configuration read or written)."""

    def __init__(self, root, components):
        self.root = root
        for d in ("lists/partial", "cache", "archives/partial", "etc/parts", "debs"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        sources = os.path.join(root, "etc", "sources.list")
        with open(sources, "w") as f:
            f.write("deb [arch=arm64 signed-by=%s] %s %s %s\n" %
                    (KEYRING, MIRROR, SUITE, " ".join(sorted(set(components)))))
        parts = os.path.join(root, "etc", "parts")
        self.options = [
            "-o", "Dir::Etc::SourceList=" + sources, "-o", "Dir::Etc::SourceParts=" + parts,
            "-o", "Dir::Etc::Preferences=/dev/null", "-o", "Dir::Etc::PreferencesParts=" + parts,
            "-o", "Dir::Etc::Trusted=/dev/null", "-o", "Dir::Etc::TrustedParts=" + parts,
            "-o", "Dir::State::Lists=" + os.path.join(root, "lists"),
            "-o", "Dir::State::status=/dev/null",
            "-o", "Dir::Cache=" + os.path.join(root, "cache"),
            "-o", "Dir::Cache::Archives=" + os.path.join(root, "archives"),
            "-o", "APT::Architecture=arm64", "-o", "APT::Architectures=arm64",
            "-o", "Acquire::Retries=3", "-q",
        ]
        if os.geteuid() == 0:  # apt would hand downloads to _apt, who cannot write here
            self.options += ["-o", "APT::Sandbox::User=root"]
        self.updated = False

    def run(self, tool, *args, cwd=None):
        try:
            r = subprocess.run([tool] + self.options + list(args), cwd=cwd,
                               capture_output=True, text=True)
        except FileNotFoundError:
            raise FirmwareError("%s not found (Debian/Ubuntu's apt is needed)" % tool,
                                EXIT_NOT_FETCHED)
        return r

    def update(self):
        if self.updated:
            return
        if not os.path.exists(KEYRING):
            raise FirmwareError("%s is missing: install debian-archive-keyring (tools/setup)"
                                % KEYRING, EXIT_NOT_FETCHED)
        r = self.run("apt-get", "update")
        problems = [l for l in (r.stdout + r.stderr).splitlines()
                    if l.startswith(("E:", "W:", "Err"))]
        if r.returncode != 0 or problems:
            raise FirmwareError("apt-get update from %s %s failed:\n  %s" %
                                (MIRROR, SUITE, "\n  ".join(problems or [r.stderr.strip()])),
                                EXIT_NOT_FETCHED)
        self.updated = True

    def download(self, name, version, dest):
        self.update()
        r = self.run("apt-get", "download", "%s=%s" % (name, version), cwd=dest)
        if r.returncode != 0:
            raise FirmwareError(
                "apt-get download %s=%s failed (Debian may have dropped this version from %s;"
                " a maintainer moves the pin with tools/make_sdcard --record-firmware):\n  %s"
                % (name, version, SUITE, r.stderr.strip()), EXIT_NOT_FETCHED)

    def candidate(self, name):
        self.update()
        r = self.run("apt-cache", "show", "--no-all-versions", name)
        fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", r.stdout, re.M))
        if r.returncode != 0 or "Version" not in fields:
            raise FirmwareError("apt-cache show %s: no such package in %s" % (name, SUITE),
                                EXIT_NOT_FETCHED)
        return fields


def deb_version(path):
    r = subprocess.run(["dpkg-deb", "-f", path, "Package", "Version"], capture_output=True,
                       text=True)
    return tuple(l.split(": ", 1)[1] for l in r.stdout.splitlines()) if r.returncode == 0 else None


def extract(deb, member, out):
    """One file out of a .deb (dpkg-deb --fsys-tarfile | tar), written to `out`."""
    with tempfile.TemporaryDirectory() as tmp:
        p1 = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
        r = subprocess.run(["tar", "-x", "-C", tmp, "./" + member], stdin=p1.stdout,
                           capture_output=True, text=True)
        p1.stdout.close()
        p1.wait()
        src = os.path.join(tmp, member)
        if p1.returncode != 0 or r.returncode != 0 or not os.path.isfile(src):
            raise FirmwareError("%s holds no %s (%s)" % (os.path.basename(deb), member,
                                                          r.stderr.strip()), EXIT_MISMATCH)
        shutil.move(src, out)


def cached_deb(debs_dir, name, version):
    for f in sorted(os.listdir(debs_dir)):
        if f.startswith(name + "_") and f.endswith(".deb"):
            if deb_version(os.path.join(debs_dir, f)) == (name, version):
                return os.path.join(debs_dir, f)
    return None


def fetch_deb(apt, name, version, record_hashes):
    """The pinned .deb from the cache, or downloaded; checked against the record."""
    debs = os.path.join(apt.root, "debs")
    path = cached_deb(debs, name, version)
    if path and os.path.basename(path) in record_hashes and \
            sha256(path) != record_hashes[os.path.basename(path)]:
        os.remove(path)  # a damaged cache entry: fetch it again, apt re-verifies it
        path = None
    if not path:
        print("make_sdcard: downloading %s %s from Debian (%s %s) with apt" %
              (name, version, MIRROR, SUITE))
        apt.download(name, version, debs)
        path = cached_deb(debs, name, version)
        if not path:
            raise FirmwareError("apt-get download %s=%s wrote no matching .deb" % (name, version),
                                EXIT_NOT_FETCHED)
    base = os.path.basename(path)
    if record_hashes is not None:
        want = record_hashes.get(base)
        if want is None:
            raise FirmwareError("sdcard/firmware.sha256 has no SHA-256 for %s" % base,
                                EXIT_MISMATCH)
        got = sha256(path)
        if got != want:
            raise FirmwareError("%s: SHA-256 %s, sdcard/firmware.sha256 says %s" %
                                (base, got, want), EXIT_MISMATCH)
    return path


def boot_files(record_path, record=False):
    """Returns {card name: verified local path} for the Pi 4 boot files, and the pins.

    With record=True (maintainers) the newest bookworm versions are pinned instead and
    sdcard/firmware.sha256 is rewritten."""
    rec = Record(record_path)
    root = cache_root()
    if record:
        apt = Apt(root, ["main", "non-free-firmware"])
        fw = apt.candidate(FIRMWARE_PACKAGE)
        meta = apt.candidate("linux-image-arm64")
        m = re.search(r"(linux-image-[0-9][^ ,]*-arm64) \(= ([^)]+)\)", meta.get("Depends", ""))
        if not m:
            raise FirmwareError("linux-image-arm64 depends on no kernel image package",
                                EXIT_NOT_FETCHED)
        packages = [(FIRMWARE_PACKAGE, fw["Version"], "non-free-firmware"),
                    (m.group(1), m.group(2), "main")]
    else:
        packages = rec.packages
        if not rec.package(FIRMWARE_PACKAGE) or not rec.package(KERNEL_PREFIX):
            raise FirmwareError("%s pins no raspi-firmware and linux-image package (run "
                                "tools/make_sdcard --record-firmware once)" % record_path,
                                EXIT_MISMATCH)
        apt = Apt(root, [p[2] for p in packages])
    hashes = {}
    debs = {}
    for name, version, _ in packages:
        path = fetch_deb(apt, name, version, None if record else rec.hashes)
        debs[name] = path
        hashes[os.path.basename(path)] = sha256(path)
    files_dir = os.path.join(root, "files", "_".join("%s_%s" % p[:2] for p in packages))
    os.makedirs(files_dir, exist_ok=True)
    out = {}
    for card_name, (prefix, member) in CARD_FILES.items():
        name = next(p[0] for p in packages
                    if p[0] == prefix or (prefix.endswith("-") and p[0].startswith(prefix)))
        path = os.path.join(files_dir, card_name)
        if not os.path.exists(path) or (not record and sha256(path) != rec.hashes.get(card_name)):
            extract(debs[name], member.format(pkg=name), path)
        got = sha256(path)
        if not record and got != rec.hashes.get(card_name):
            raise FirmwareError("%s from %s: SHA-256 %s, sdcard/firmware.sha256 says %s" %
                                (card_name, os.path.basename(debs[name]), got,
                                 rec.hashes.get(card_name)), EXIT_MISMATCH)
        hashes[card_name] = got
        out[card_name] = path
    if record:
        rec.write(packages, hashes)
        print("make_sdcard: pinned %s in %s; review the diff and commit it" %
              (", ".join("%s %s" % p[:2] for p in packages), record_path))
    return out, packages
