#!/usr/bin/python3
"""Drive a QEMU boot of the InferPi kernel (board virt or raspi4b) like a person at the
serial console. How each board is started lives in tools/pylib/qemu_boards.py.

Library use (other tests import this; stdlib only):

    from qemu_session import QemuSession
    with QemuSession(kernel, extra_args=[...], monitor=True) as q:     # board="virt"
        q.expect(r"inferpi> ")
        q.send_line("cores")
        q.expect(r"cores online: 4 of 4")
        q.monitor("device_del stick")          # QEMU monitor over a unix socket
        q.send_line("exit 3")
        q.expect_exit(3)

Command-line use (what inferpi_qemu_test() in cmake/qemu.cmake runs):

    qemu_session.py --kernel K.elf --session S.txt [--expect-exit N] [--no-semihosting]
                    [--board virt|raspi4b] [--dtb FILE|none|qemu-sd] [-- extra qemu args]

raspi4b: the kernel is the pi4 kernel8.img; --dtb defaults to `qemu-sd` (the Pi 4 fixture
DTB with its SD slot on the controller QEMU's card sits on, qemu_boards.raspi4b_test_dtb);
`none` boots without a device tree. The kernel cannot end QEMU there (it halts like a real
Pi), so raspi4b sessions end with `kill`. A missing QEMU or machine exits 77 (skip).

Session scripts, one step per line (# comments and blank lines ignored):

    expect <regex>            wait (default 60 s) for the regex in new console output
    expect_timeout <s> <regex>
    send <text>               type the text and Enter (CR), as a terminal does
    send_raw <python-escaped> raw bytes, e.g. send_raw \\x7f\\x1b[A\\r
    monitor <command>         QEMU monitor command (the session then starts QEMU with one)
    expect_monitor <regex>    the last monitor command's output must match
    sleep <seconds>
    expect_exit <n>           wait for QEMU to exit with status n (semihosting exit)
    kill                      end QEMU now (for runs that cannot exit by themselves, e.g.
                              after a deliberate fault); the session then passes

Every failure prints what was expected and the whole console transcript. Exit status 0 =
pass. Timeouts are generous: a slow CI runner makes a test slower, never flaky.
"""
import argparse
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from pylib import qemu_boards  # noqa: E402

QEMU = qemu_boards.QEMU
DEFAULT_TIMEOUT = 60.0


class SessionError(Exception):
    pass


class BoardUnavailable(SessionError):
    """This QEMU cannot start the board (a test skips)."""


class QemuSession:
    def __init__(self, kernel, extra_args=(), monitor=False, qemu=QEMU, semihosting=True,
                 board="virt", dtb="qemu-sd", sd_image=None, append=None):
        """board: "virt" or "raspi4b". dtb (raspi4b): "qemu-sd" = the Pi 4 DTB with the SD
        slot where QEMU's card is, None/"none" = no -dtb, else a DTB file. sd_image: the
        board's SD card. append: kernel command line. semihosting: virt only."""
        self.kernel = kernel
        self.board = board
        self.dtb = dtb if board == "raspi4b" else None
        self.sd_image = sd_image
        self.append = append
        self.extra_args = list(extra_args)
        self.qemu = qemu
        self.semihosting = semihosting
        self.monitor_path = None
        self._tmpdir = None
        self._want_monitor = monitor
        self._buf = bytearray()
        self._cursor = 0
        self._lock = threading.Condition()
        self._eof = False
        self.proc = None
        self.returncode = None

    # --- lifecycle ---------------------------------------------------------------------
    def start(self):
        if not os.path.exists(self.kernel):
            raise SessionError(f"kernel not found: {self.kernel}")
        why = qemu_boards.unavailable(self.board, self.qemu)
        if why:
            raise BoardUnavailable(why)
        self._tmpdir = tempfile.mkdtemp(prefix="inferpi-qemu-")
        if self._want_monitor:
            self.monitor_path = os.path.join(self._tmpdir, "monitor.sock")
        dtb = self.dtb
        if dtb == "qemu-sd":
            dtb = qemu_boards.raspi4b_test_dtb(os.path.join(self._tmpdir, "pi4-qemu-sd.dtb"))
        elif dtb == "none":
            dtb = None
        args = qemu_boards.command(self.board, self.kernel, qemu=self.qemu,
                                   semihosting=self.semihosting and self.board == "virt",
                                   monitor=self.monitor_path, dtb=dtb, sd_image=self.sd_image,
                                   append=self.append, extra=self.extra_args)
        self.command = args
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        threading.Thread(target=self._reader, daemon=True).start()
        return self

    def _reader(self):
        while True:
            data = self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") \
                else os.read(self.proc.stdout.fileno(), 4096)
            with self._lock:
                if not data:
                    self._eof = True
                    self._lock.notify_all()
                    return
                self._buf += data
                self._lock.notify_all()

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    # --- console -----------------------------------------------------------------------
    def transcript(self):
        with self._lock:
            return self._buf.decode("utf-8", errors="replace")

    def fail(self, message):
        raise SessionError(f"{message}\n----- console transcript -----\n{self.transcript()}"
                           f"\n----- end of transcript -----\ncommand: {' '.join(self.command)}")

    def expect(self, pattern, timeout=DEFAULT_TIMEOUT):
        """Waits for `pattern` (regex, str) in output after the previous match."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                m = rx.search(self._buf, self._cursor)
                if m:
                    self._cursor = m.end()
                    return m
                if self._eof:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(min(left, 0.5))
        why = "QEMU exited" if self._eof else f"timed out after {timeout:g} s"
        self.fail(f"expected /{pattern}/ but {why}")

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            self.fail(f"cannot send {data!r}: QEMU is gone")

    def send_line(self, text):
        self.send_raw(text.encode() + b"\r")

    def expect_exit(self, code, timeout=DEFAULT_TIMEOUT):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"QEMU did not exit within {timeout:g} s (expected status {code})")
        with self._lock:
            deadline = time.monotonic() + 5
            while not self._eof and time.monotonic() < deadline:
                self._lock.wait(0.2)
        self.returncode = rc
        if rc != code:
            self.fail(f"QEMU exited with status {rc}, expected {code}")

    # --- monitor -----------------------------------------------------------------------
    def monitor(self, command, timeout=30.0):
        if not self.monitor_path:
            self.fail("monitor() needs QemuSession(..., monitor=True)")
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.monitor_path):
            if time.monotonic() > deadline:
                self.fail("QEMU monitor socket did not appear")
            time.sleep(0.05)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(self.monitor_path)
            out = self._read_until(s, b"(qemu) ", deadline)
            s.sendall(command.encode() + b"\n")
            out = self._read_until(s, b"(qemu) ", deadline)
        return out.decode("utf-8", errors="replace")

    def _read_until(self, s, marker, deadline):
        data = b""
        while marker not in data:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail(f"QEMU monitor: no {marker!r} prompt")
            r, _, _ = select.select([s], [], [], left)
            if r:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        return data


def run_session(kernel, session_file, expect_exit, extra_args, semihosting=True, board="virt",
                dtb="qemu-sd"):
    with open(session_file, encoding="utf-8") as f:
        steps = [ln.rstrip("\n") for ln in f]
    wants_monitor = any(s.strip().startswith("monitor ") for s in steps)
    exit_checked = False
    last_monitor = ""
    with QemuSession(kernel, extra_args, monitor=wants_monitor, semihosting=semihosting,
                     board=board, dtb=dtb) as q:
        for n, line in enumerate(steps, 1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            op, _, arg = line.lstrip().partition(" ")
            if op == "expect":
                q.expect(arg)
            elif op == "expect_timeout":
                secs, _, pattern = arg.partition(" ")
                q.expect(pattern, float(secs))
            elif op == "send":
                q.send_line(arg)
            elif op == "send_raw":
                q.send_raw(arg.encode("latin-1").decode("unicode_escape").encode("latin-1"))
            elif op == "monitor":
                last_monitor = q.monitor(arg)
            elif op == "expect_monitor":
                if not re.search(arg, last_monitor):
                    q.fail(f"monitor output does not match /{arg}/:\n{last_monitor}")
            elif op == "sleep":
                time.sleep(float(arg))
            elif op == "kill":
                q.close()
                exit_checked = True
                break
            elif op == "expect_exit":
                q.expect_exit(int(arg))
                exit_checked = True
            else:
                raise SessionError(f"{session_file}:{n}: unknown step '{op}'")
        if not exit_checked:
            q.expect_exit(expect_exit)
        print(q.transcript())
    return 0


def main(argv):
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    else:
        extra = []
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--session", required=True)
    ap.add_argument("--expect-exit", type=int, default=0)
    ap.add_argument("--no-semihosting", action="store_true",
                    help="boot without -semihosting (the kernel must fall back to PSCI)")
    ap.add_argument("--board", default="virt", choices=sorted(qemu_boards.BOARDS))
    ap.add_argument("--dtb", default="qemu-sd",
                    help="raspi4b: qemu-sd (default), none, or a DTB file")
    a = ap.parse_args(argv)
    try:
        return run_session(a.kernel, a.session, a.expect_exit, extra, not a.no_semihosting,
                           a.board, a.dtb)
    except BoardUnavailable as e:
        print(f"SKIP: {e}")
        return qemu_boards.SKIP_RETURN_CODE
    except SessionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
