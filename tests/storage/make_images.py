#!/usr/bin/python3
"""Builds the disk images the storage tests read, with sfdisk, mkfs.vfat and mtools (no
mounting, no root), plus a little byte patching for what those tools cannot make: emoji
long names, a 1 GiB sparse file, 4 KiB-sector GPT disks and deliberately broken images.

usage: make_images.py OUTDIR

For every image IMG it writes IMG.manifest, one line per expected entry:
    F <size> <crc32 hex> <path>     a file and the CRC-32 of its bytes
    D <path>                         a folder
and images.txt listing every image with the sector size to open it with. The tests check
every byte of every manifest file through the C++ FAT32 code."""
import os
import random
import shutil
import struct
import subprocess
import sys
import uuid
import zlib

OUT = None
ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", LC_ALL="C.UTF-8", LANG="C.UTF-8")
MiB = 1 << 20
BASIC_DATA = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
LINUX_FS = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"


def run(*args, stdin=None):
    r = subprocess.run(args, input=stdin, env=ENV, capture_output=True)
    if r.returncode != 0:
        sys.exit("make_images: %s failed:\n%s%s" % (" ".join(map(str, args)),
                                                   r.stdout.decode(), r.stderr.decode()))
    return r.stdout.decode()


def path_of(name):
    return os.path.join(OUT, name)


def new_image(name, size):
    p = path_of(name)
    if os.path.exists(p):
        os.remove(p)
    with open(p, "wb") as f:
        f.truncate(size)  # sparse
    return p


def content(seed, size):
    return random.Random(seed).randbytes(size)


class Fs:
    """A FAT32 filesystem inside an image at byte offset `off`: mtools access plus the
    manifest of what went in."""

    def __init__(self, img, off):
        self.img, self.off = img, off
        self.manifest = []
        self.tmp = path_of("_src.bin")

    @property
    def spec(self):
        return "%s@@%d" % (self.img, self.off)

    def mkdir(self, path):
        run("mmd", "-D", "s", "-i", self.spec, "::/" + path)
        self.manifest.append("D %s" % path)

    def put(self, path, data, record=True):
        with open(self.tmp, "wb") as f:
            f.write(data)
        run("mcopy", "-D", "o", "-i", self.spec, self.tmp, "::/" + path)
        if record:
            self.manifest.append("F %d %08x %s" % (len(data), zlib.crc32(data), path))

    def put_many(self, folder, files):
        """Copies many files into `folder` with one mcopy (one process instead of hundreds)."""
        tmpdir = path_of("_many")
        shutil.rmtree(tmpdir, ignore_errors=True)
        os.makedirs(tmpdir)
        srcs = []
        for name, data in files:
            with open(os.path.join(tmpdir, name), "wb") as f:
                f.write(data)
            srcs.append(os.path.join(tmpdir, name))
            self.manifest.append("F %d %08x %s/%s" % (len(data), zlib.crc32(data), folder, name))
        run("mcopy", "-D", "o", "-i", self.spec, *srcs, "::/" + folder + "/")
        shutil.rmtree(tmpdir)

    def delete(self, path):
        run("mdel", "-i", self.spec, "::/" + path)
        self.manifest = [m for m in self.manifest if not m.endswith(" " + path)]

    def write_manifest(self, extra=()):
        with open(self.img + ".manifest", "w", encoding="utf-8") as f:
            for line in self.manifest + list(extra):
                f.write(line + "\n")
        if os.path.exists(self.tmp):
            os.remove(self.tmp)


class Raw:
    """Just enough FAT32 parsing in Python to patch what the tools cannot make."""

    def __init__(self, img, off):
        self.f = open(img, "r+b")
        self.off = off
        b = self.pread(0, 512)
        self.bps = struct.unpack_from("<H", b, 11)[0]
        self.spc = b[13]
        self.rsvd = struct.unpack_from("<H", b, 14)[0]
        self.nfats = b[16]
        self.fatsz = struct.unpack_from("<I", b, 36)[0]
        self.root = struct.unpack_from("<I", b, 44)[0]
        self.fsinfo = struct.unpack_from("<H", b, 48)[0]
        tot = struct.unpack_from("<I", b, 32)[0]
        self.cb = self.bps * self.spc
        self.data = (self.rsvd + self.nfats * self.fatsz) * self.bps
        self.clusters = (tot - self.rsvd - self.nfats * self.fatsz) // self.spc

    def close(self):
        self.f.close()

    def pread(self, pos, n):
        self.f.seek(self.off + pos)
        return self.f.read(n)

    def pwrite(self, pos, data):
        self.f.seek(self.off + pos)
        self.f.write(data)

    def fat_get(self, c):
        return struct.unpack("<I", self.pread(self.rsvd * self.bps + 4 * c, 4))[0] & 0x0FFFFFFF

    def fat_set(self, c, v):
        for k in range(self.nfats):
            self.pwrite((self.rsvd + k * self.fatsz) * self.bps + 4 * c, struct.pack("<I", v))

    def fat_set_run(self, first, values):
        blob = struct.pack("<%dI" % len(values), *values)
        for k in range(self.nfats):
            self.pwrite((self.rsvd + k * self.fatsz) * self.bps + 4 * first, blob)

    def chain(self, c):
        out = []
        while 2 <= c < 0x0FFFFFF8 and len(out) <= self.clusters:
            out.append(c)
            c = self.fat_get(c)
        return out

    def cluster_pos(self, c):
        return self.data + (c - 2) * self.cb

    def dir_entries(self, first):
        """(byte position, 32-byte entry) of every slot of a directory."""
        for c in self.chain(first):
            blob = self.pread(self.cluster_pos(c), self.cb)
            for i in range(0, self.cb, 32):
                yield self.cluster_pos(c) + i, blob[i:i + 32]

    def named_entries(self, dir_cluster):
        """(position, 8.3 entry, [(position, entry) of the LFN entries in front of it, in disk
        order]) for every entry of a directory up to its end marker."""
        lfns = []
        for pos, e in self.dir_entries(dir_cluster):
            if e[0] == 0:
                return
            if e[11] == 0x0F:
                if e[0] & 0x40:  # the last piece of a long name is stored first
                    lfns = []
                lfns.append((pos, e))
                continue
            yield pos, e, lfns
            lfns = []

    def find_sfn(self, dir_cluster, sfn11):
        """Position of the 8.3 entry and of the LFN entries in front of it."""
        for pos, e, lfns in self.named_entries(dir_cluster):
            if e[:11] == sfn11:
                return pos, [p for p, _ in lfns]
        raise SystemExit("make_images: %r not found" % sfn11)

    def sfn_of(self, dir_cluster, long_name):
        """8.3 bytes of the entry whose long name (mtools made) is `long_name`."""
        for _, e, lfns in self.named_entries(dir_cluster):
            units = []
            for _, lfn in reversed(lfns):
                units += [struct.unpack_from("<H", lfn, o)[0]
                          for o in (1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30)]
            name = units[:units.index(0)] if 0 in units else units
            if bytes(struct.pack("<%dH" % len(name), *name)).decode("utf-16-le") == long_name:
                return e[:11]
        raise SystemExit("make_images: %r not found" % long_name)

    def set_fsinfo_next_free(self, v):
        self.pwrite(self.fsinfo * self.bps + 492, struct.pack("<I", v))

    def invalidate_fsinfo(self):
        self.pwrite(self.fsinfo * self.bps + 488, struct.pack("<II", 0xFFFFFFFF, 0xFFFFFFFF))

    def rename_lfn(self, dir_cluster, placeholder, new_name):
        """Rewrites the LFN entries of `placeholder` to spell `new_name` (same number of
        UTF-16 units, so the same number of entries; the 8.3 entry and checksum stay)."""
        sfn = self.sfn_of(dir_cluster, placeholder)
        _, lfns = self.find_sfn(dir_cluster, sfn)
        units = list(struct.unpack("<%dH" % (len(new_name.encode("utf-16-le")) // 2),
                                   new_name.encode("utf-16-le")))
        assert len(units) == len(placeholder.encode("utf-16-le")) // 2, new_name
        units = units + [0] + [0xFFFF] * 260
        for k, pos in enumerate(reversed(lfns)):  # the last LFN slot holds ordinal 1
            e = bytearray(self.pread(pos, 32))
            for i, o in enumerate((1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30)):
                struct.pack_into("<H", e, o, units[k * 13 + i])
            self.pwrite(pos, bytes(e))


def fsck(img, off, size):
    """fsck.vfat -n on the partition (copied out sparsely is too slow: use a tiny wrapper
    image only for small partitions)."""
    if size > 400 * MiB:
        return
    part = path_of("_fsck.img")
    with open(img, "rb") as src, open(part, "wb") as dst:
        src.seek(off)
        left = size
        while left:
            blob = src.read(min(left, 4 * MiB))
            if not blob:
                break
            if blob.count(0) == len(blob):
                dst.seek(len(blob), 1)
            else:
                dst.write(blob)
            left -= len(blob)
        dst.truncate(size)
    r = subprocess.run(["fsck.vfat", "-n", part], env=ENV, capture_output=True)
    os.remove(part)
    if r.returncode != 0:
        sys.exit("make_images: fsck.vfat -n %s:\n%s%s" % (img, r.stdout.decode(),
                                                          r.stderr.decode()))


def mkfs(img, off_bytes, size_bytes, sector=512, spc=1, label="INFERPI", fat=32):
    run("mkfs.vfat", "-F", str(fat), "-S", str(sector), "-s", str(spc), "-n", label,
        "--offset", str(off_bytes // sector), img, str(size_bytes // 1024))
    return Fs(img, off_bytes)


def write_gpt(img, sector, parts, disk_bytes):
    """A GPT written by hand (sfdisk 2.38 has no --sector-size): protective MBR, primary
    header at LBA 1, entries at LBA 2, backup entries + header at the end."""
    n = disk_bytes // sector
    ent_sectors = (128 * 128 + sector - 1) // sector
    entries = bytearray(128 * 128)
    for i, (first, last, type_guid, name) in enumerate(parts):
        e = uuid.UUID(type_guid).bytes_le + uuid.uuid4().bytes_le
        e += struct.pack("<QQQ", first, last, 0) + name.encode("utf-16-le").ljust(72, b"\0")
        entries[i * 128:(i + 1) * 128] = e
    ecrc = zlib.crc32(entries)
    disk_guid = uuid.uuid4().bytes_le

    def header(my, alt, ent_lba):
        h = bytearray(b"EFI PART" + struct.pack("<IIII", 0x10000, 92, 0, 0))
        h += struct.pack("<QQQQ", my, alt, 2 + ent_sectors, n - 2 - ent_sectors)
        h += disk_guid + struct.pack("<QIII", ent_lba, 128, 128, ecrc)
        struct.pack_into("<I", h, 16, zlib.crc32(h))
        return bytes(h)

    mbr = bytearray(sector)
    mbr[446:462] = bytes([0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF]) + struct.pack(
        "<II", 1, min(n - 1, 0xFFFFFFFF))
    mbr[510:512] = b"\x55\xaa"
    with open(img, "r+b") as f:
        f.seek(0)
        f.write(mbr)
        f.seek(sector)
        f.write(header(1, n - 1, 2))
        f.seek(2 * sector)
        f.write(entries)
        f.seek((n - 1 - ent_sectors) * sector)
        f.write(entries)
        f.seek((n - 1) * sector)
        f.write(header(n - 1, 1, n - 1 - ent_sectors))


def sparse_copy(src, dst):
    run("cp", "--sparse=always", src, dst)


def sfdisk(img, script):
    run("sfdisk", "-q", img, stdin=script.encode())


# ---------------------------------------------------------------------------------------
# The images


def fill_rich(fs, raw_after, seed):
    """The main content: many files, nested folders, LFNs in several scripts, a 0-byte
    file, a file ending on a cluster boundary and a fragmented one."""
    cb = raw_after.cb
    raw_after.close()
    fs.put("README.TXT", b"InferPi storage test image\n")
    fs.put("empty.bin", b"")
    fs.put("cluster_exact.bin", content(seed + 1, 7 * cb))
    fs.put("one_byte_over.bin", content(seed + 2, 2 * cb + 1))
    fs.mkdir("Models")
    fs.mkdir("Models/demo-llama")
    fs.put("Models/demo-llama/model.bin", content(seed + 3, 3 * MiB + 123))
    fs.put("Models/demo-llama/tokenizer.bin", content(seed + 4, 100 * 1024 + 7))
    for d in ("a", "a/b", "a/b/c", "a/b/c/d", "a/b/c/d/e"):
        fs.mkdir(d)
    fs.put("a/b/c/d/e/deep file.txt", b"five levels down\n")
    fs.mkdir("many")
    many = []
    for i in range(300):  # a directory spanning many clusters
        name = "file_%03d.txt" % i if i % 3 else "A long file name number %03d.data" % i
        many.append((name, content(seed * 1000 + i, (i * 37) % 1500)))
    fs.put_many("many", many)
    fs.put("Café crème.txt", "café crème\n".encode())
    fs.put("日本語のファイル名.txt", "日本語\n".encode())
    fs.put("Ünïcödé Ñame.bin", content(seed + 5, 1000))
    fs.put("Привет мир.txt", "Привет\n".encode())
    # Emoji are outside the BMP; mtools drops them, so write a placeholder with the same
    # number of UTF-16 units and patch its LFN entries.
    emoji = {"party XX time.txt": "party 🎉 time.txt", "XX llama.txt": "🦙 llama.txt"}
    for placeholder, real in emoji.items():
        data = content(seed + len(real), 555)
        fs.put(placeholder, data, record=False)
        fs.manifest.append("F %d %08x %s" % (len(data), zlib.crc32(data), real))
    # Fragmentation: fill, punch holes, reset the next-free hint so mtools fills them.
    blk = content(seed + 6, 3 * cb)
    for i in range(12):
        fs.put("filler_%02d.bin" % i, blk)
    for i in range(0, 12, 2):
        fs.delete("filler_%02d.bin" % i)
    raw = Raw(fs.img, fs.off)
    raw.set_fsinfo_next_free(2)
    raw.close()
    fs.put("fragmented.bin", content(seed + 7, 40 * cb + 100))
    raw = Raw(fs.img, fs.off)
    for placeholder, real in emoji.items():
        raw.rename_lfn(raw.root, placeholder, real)
    raw.close()


def image_mbr512():
    size, start = 80 * MiB, 1 * MiB
    img = new_image("mbr512.img", size)
    sfdisk(img, "label: dos\nstart=2048, type=c, bootable\n")
    fs = mkfs(img, start, size - start)
    fill_rich(fs, Raw(img, start), 100)
    fsck(img, start, size - start)
    fs.write_manifest()
    return img


def punch_holes(fs, cb, prefix, count, clusters, seed):
    """Writes `count` fillers of `clusters` clusters, deletes every other one and points the
    next-free hint at the start, so the next file mtools writes fills the holes first."""
    blk = content(seed, clusters * cb)
    for i in range(count):
        fs.put("%s_%03d.bin" % (prefix, i), blk)
    for i in range(0, count, 2):
        fs.delete("%s_%03d.bin" % (prefix, i))
    raw = Raw(fs.img, fs.off)
    raw.set_fsinfo_next_free(2)
    raw.close()


# FAT32 with 512-byte, 4 KiB and 32 KiB clusters (FAT32 needs >= 65525 clusters: the 32 KiB
# one is a 2 GiB+ sparse image), each with the same three files: contiguous.bin (one run),
# mixed.bin (6 three-cluster runs, then one long run) and many_runs.bin (41 runs: more than
# Fat32Volume remembers, so its reads walk the FAT). The tests check the bytes and how many
# device reads each file takes (StorageImages.ClusterRuns*).
CLUSTER_IMAGES = {512: 48, 4096: 300, 32768: 2112}  # cluster bytes -> image MiB


def image_clusters(cb, size_mib):
    size, start = size_mib * MiB, 1 * MiB
    img = new_image("clusters%d.img" % cb, size)
    sfdisk(img, "label: dos\nstart=2048, type=c\n")
    fs = mkfs(img, start, size - start, spc=cb // 512, label="CLUSTERS")
    fs.put("contiguous.bin", content(cb + 1, 5 * MiB + 321))
    punch_holes(fs, cb, "fill", 12, 3, cb + 2)
    fs.put("mixed.bin", content(cb + 3, 18 * cb + 2 * MiB + 77))
    punch_holes(fs, cb, "one", 80, 1, cb + 4)
    fs.put("many_runs.bin", content(cb + 5, 40 * cb + MiB + 5))
    fsck(img, start, size - start)  # (skipped for the 2 GiB one: too big to copy out)
    fs.write_manifest()
    return img


def image_superfloppy():
    img = new_image("superfloppy.img", 40 * MiB)
    fs = mkfs(img, 0, 40 * MiB, label="FLOPPY")
    fs.put("hello.txt", b"no partition table here\n")
    fs.mkdir("models")
    fs.put("models/weights.bin", content(7, 2 * MiB + 5))
    fsck(img, 0, 40 * MiB)
    fs.write_manifest()
    return img


BIG_SIZE = (1 << 30) + 12345


def big_pattern(o, n):
    """Content of the islands of BIG.BIN: byte at file offset x = (x*31 + (x>>11)) & 0xFF.
    storage tests compute the same."""
    return bytes(((x * 31 + (x >> 11)) & 0xFF) for x in range(o, o + n))


BIG_ISLANDS = [(0, 65536), (4096 * 1000 + 123, 70000), (300 * MiB - 5000, 10000),
               (512 * MiB, 65536), (700 * MiB + 1, 4096), (BIG_SIZE - 65536 - 99, 65536 + 99)]


def add_big_file(fs):
    """A 1 GiB + 12345-byte file, sparse in the image: its clusters are allocated in the FAT
    in three runs but only a few islands of data are written (the rest reads as zeros)."""
    fs.put("BIG.BIN", b"x", record=False)
    raw = Raw(fs.img, fs.off)
    pos, _ = raw.find_sfn(raw.root, b"BIG     BIN")
    old = struct.unpack_from("<H", raw.pread(pos + 26, 2))[0]
    raw.fat_set(old, 0)
    need = (BIG_SIZE + raw.cb - 1) // raw.cb
    used = max(c for c in range(2, 4096) if raw.fat_get(c) != 0)
    # three runs with gaps of 16 clusters between them
    runs, first = [], used + 64
    sizes = [need // 3, need // 3, need - 2 * (need // 3)]
    for s in sizes:
        runs.append((first, s))
        first += s + 16
    assert first < raw.clusters + 2, "partition too small for BIG.BIN"
    chain = [c for (f, s) in runs for c in range(f, f + s)]
    for i, (f, s) in enumerate(runs):
        nxt = [c + 1 for c in range(f, f + s)]
        nxt[-1] = runs[i + 1][0] if i + 1 < len(runs) else 0x0FFFFFFF
        raw.fat_set_run(f, nxt)
    e = bytearray(raw.pread(pos, 32))
    struct.pack_into("<HH", e, 20, chain[0] >> 16, 0)
    struct.pack_into("<H", e, 26, chain[0] & 0xFFFF)
    struct.pack_into("<I", e, 28, BIG_SIZE)
    raw.pwrite(pos, bytes(e))
    for off, n in BIG_ISLANDS:
        data = big_pattern(off, n)
        while data:  # write cluster piece by cluster piece
            c = chain[off // raw.cb]
            inside = off % raw.cb
            k = min(len(data), raw.cb - inside)
            raw.pwrite(raw.cluster_pos(c) + inside, data[:k])
            data, off = data[k:], off + k
    raw.invalidate_fsinfo()
    raw.close()


def image_gpt512():
    size = 1280 * MiB
    img = new_image("gpt512.img", size)
    sfdisk(img, "label: gpt\nstart=2048, size=%d, type=%s, name=\"models\"\n"
                "size=16384, type=%s, name=\"linux\"\n" % (1200 * 2048, BASIC_DATA, LINUX_FS))
    start = 1 * MiB
    fs = mkfs(img, start, 1200 * MiB, spc=8, label="GPTDISK")
    fs.put("notes.txt", b"GPT disk with a 1 GiB sparse file\n")
    fs.mkdir("models")
    fs.put("models/small.bin", content(9, 300 * 1024 + 1))
    add_big_file(fs)
    fs.write_manifest(["B %d BIG.BIN" % BIG_SIZE])
    return img


def image_4k():
    """4 KiB logical sectors: a GPT (written by hand) with a FAT32 made with -S 4096,
    opened with a 4096-byte-sector device."""
    size, start, psize = 320 * MiB, 1 * MiB, 300 * MiB
    img = new_image("gpt4k.img", size)
    write_gpt(img, 4096, [(start // 4096, (start + psize) // 4096 - 1, BASIC_DATA, "4k")], size)
    fs = mkfs(img, start, psize, sector=4096, spc=1, label="FOURK")
    fill_rich(fs, Raw(img, start), 200)
    fs.write_manifest()
    # The same kind of filesystem without a table, read through a 512-byte-sector device
    # (FAT sector 4096 on a 512-byte disk is legal: each FAT sector is 8 device sectors).
    img2 = new_image("superfloppy4k.img", 300 * MiB)
    fs2 = mkfs(img2, 0, 300 * MiB, sector=4096, spc=1, label="SF4K")
    fs2.put("odd_size.bin", content(11, 3 * 4096 + 777))
    fs2.put("x.txt", b"4k\n")
    fs2.write_manifest()
    return img


def image_mbr_types():
    """MBR with a FAT32 partition typed 0x0E, a FAT16 (0x06), an exFAT and an NTFS boot
    sector (both type 0x07)."""
    size = 64 * MiB
    img = new_image("mbr_types.img", size)
    sfdisk(img, "label: dos\nstart=2048, size=%d, type=e\nsize=%d, type=6\n"
                "size=2048, type=7\nsize=2048, type=7\n" % (40 * 2048, 16 * 2048))
    fs = mkfs(img, 1 * MiB, 40 * MiB, label="TYPE0E")
    fs.put("in_0e.txt", b"FAT32 in a partition typed 0x0E\n")
    mkfs(img, 41 * MiB, 16 * MiB, fat=16, label="FAT16")
    with open(img, "r+b") as f:
        for off, oem in ((57 * MiB, b"EXFAT   "), (58 * MiB, b"NTFS    ")):
            boot = bytearray(512)
            boot[0:3] = b"\xeb\x76\x90"
            boot[3:11] = oem
            boot[510:512] = b"\x55\xaa"
            f.seek(off)
            f.write(boot)
    fs.write_manifest()


def image_corrupt():
    """Small images each broken in one way."""
    size = 40 * MiB
    base = new_image("corrupt_base.img", size)
    fs = mkfs(base, 0, size, label="BROKEN")
    fs.put("chain.bin", content(21, 5 * 512 + 3))
    fs.put("Long name for the checksum test.txt", b"lfn\n")
    fs.mkdir("bigdir")
    # 40 entries + dots: the folder spans several 512-byte clusters
    fs.put_many("bigdir", [("F%02d.TXT" % i, b"%d\n" % i) for i in range(40)])
    fs.write_manifest()

    def variant(name, patch):
        p = path_of(name)
        sparse_copy(base, p)
        raw = Raw(p, 0)
        patch(raw)
        raw.close()

    def first_cluster(raw, sfn):
        pos, _ = raw.find_sfn(raw.root, sfn)
        e = raw.pread(pos, 32)
        return (struct.unpack_from("<H", e, 20)[0] << 16) | struct.unpack_from("<H", e, 26)[0]

    def loop(raw):
        ch = raw.chain(first_cluster(raw, b"CHAIN   BIN"))
        raw.fat_set(ch[-1], ch[1])  # last cluster points back into the chain

    def out_of_range(raw):
        ch = raw.chain(first_cluster(raw, b"CHAIN   BIN"))
        raw.fat_set(ch[1], raw.clusters + 1000)

    def bad_lfn(raw):
        sfn = raw.sfn_of(raw.root, "Long name for the checksum test.txt")
        _, lfns = raw.find_sfn(raw.root, sfn)
        e = bytearray(raw.pread(lfns[0], 32))
        e[13] ^= 0x5A
        raw.pwrite(lfns[0], bytes(e))

    def dir_loop(raw):
        c = first_cluster(raw, b"BIGDIR     ")
        raw.fat_set(c, c)  # the folder's first (full) cluster points to itself

    variant("loop.img", loop)
    variant("out_of_range.img", out_of_range)
    variant("bad_lfn.img", bad_lfn)
    variant("dir_loop.img", dir_loop)
    # Truncated: an MBR disk cut in the middle of its partition, and a superfloppy cut short.
    p = path_of("truncated_mbr.img")
    sparse_copy(path_of("mbr512.img"), p)
    os.truncate(p, 20 * MiB)
    p = path_of("truncated_sf.img")
    sparse_copy(base, p)
    os.truncate(p, 10 * MiB)

    # GPT damage on a small GPT disk.
    gsize = 48 * MiB
    g = new_image("gpt_small.img", gsize)
    sfdisk(g, "label: gpt\nstart=2048, size=%d, type=%s\n" % (40 * 2048, BASIC_DATA))
    gfs = mkfs(g, 1 * MiB, 40 * MiB, label="GPTSMALL")
    gfs.put("ok.txt", b"still readable through the backup GPT\n")
    gfs.write_manifest()

    def gpt_variant(name, offsets):
        p = path_of(name)
        sparse_copy(g, p)
        with open(p, "r+b") as f:
            for off in offsets:
                f.seek(off)
                b = f.read(1)
                f.seek(off)
                f.write(bytes([b[0] ^ 0xFF]))
        shutil.copyfile(g + ".manifest", p + ".manifest")

    last = gsize - 512
    gpt_variant("gpt_bad_primary.img", [512 + 16])             # primary header CRC field
    gpt_variant("gpt_bad_both.img", [512 + 16, last + 16])     # both header CRCs
    gpt_variant("gpt_bad_entries.img", [2 * 512 + 40, last - 32 * 512 + 40])  # both arrays
    gpt_variant("gpt_bad_primary_entries.img", [2 * 512 + 40])  # only the primary array


def main():
    global OUT
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    OUT = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    for tool in ("sfdisk", "mkfs.vfat", "mcopy", "fsck.vfat"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool) and \
                not os.path.exists("/sbin/" + tool):
            sys.exit("make_images: %s is missing (tools/setup installs dosfstools, mtools, fdisk)"
                     % tool)
    ENV["PATH"] = ENV.get("PATH", "") + ":/usr/sbin:/sbin"
    image_mbr512()
    image_superfloppy()
    image_gpt512()
    image_4k()
    image_mbr_types()
    image_corrupt()
    for cb, mib in CLUSTER_IMAGES.items():
        image_clusters(cb, mib)
    with open(os.path.join(OUT, "images.ok"), "w") as f:
        f.write("ok\n")
    print("make_images: images in", OUT)


if __name__ == "__main__":
    main()
