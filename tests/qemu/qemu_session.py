#!/usr/bin/python3
"""Drive a QEMU `virt` boot of the InferPi kernel like a person at the serial console.

Library use (other tests import this; stdlib only):

    from qemu_session import QemuSession
    with QemuSession(kernel, extra_args=[...], monitor=True) as q:
        q.expect(r"inferpi> ")
        q.send_line("cores")
        q.expect(r"cores online: 4 of 4")
        q.monitor("device_del stick")          # QEMU monitor over a unix socket
        q.send_line("exit 3")
        q.expect_exit(3)

Command-line use (what inferpi_qemu_test() in cmake/qemu.cmake runs):

    qemu_session.py --kernel K.elf --session S.txt [--expect-exit N] [-- extra qemu args]

Session scripts, one step per line (# comments and blank lines ignored):

    expect <regex>            wait (default 60 s) for the regex in new console output
    expect_timeout <s> <regex>
    send <text>               type the text and Enter (CR), as a terminal does
    send_raw <python-escaped> raw bytes, e.g. send_raw \\x7f\\x1b[A\\r
    monitor <command>         QEMU monitor command (the session then starts QEMU with one)
    sleep <seconds>
    expect_exit <n>           wait for QEMU to exit with status n (semihosting exit)

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

QEMU = "qemu-system-aarch64"
BASE_ARGS = ["-M", "virt,virtualization=on", "-cpu", "cortex-a72", "-smp", "4", "-m", "2G",
             "-display", "none", "-serial", "stdio", "-semihosting", "-nic", "none",
             "-no-reboot"]
DEFAULT_TIMEOUT = 60.0


class SessionError(Exception):
    pass


class QemuSession:
    def __init__(self, kernel, extra_args=(), monitor=False, qemu=QEMU):
        self.kernel = kernel
        self.extra_args = list(extra_args)
        self.qemu = qemu
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
        if shutil.which(self.qemu) is None:
            raise SessionError(f"{self.qemu} not found (install qemu-system-arm)")
        args = [self.qemu] + BASE_ARGS
        if self._want_monitor:
            self._tmpdir = tempfile.mkdtemp(prefix="inferpi-qemu-")
            self.monitor_path = os.path.join(self._tmpdir, "monitor.sock")
            args += ["-monitor", f"unix:{self.monitor_path},server,nowait"]
        else:
            args += ["-monitor", "none"]
        args += ["-kernel", self.kernel] + self.extra_args
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


def run_session(kernel, session_file, expect_exit, extra_args):
    with open(session_file, encoding="utf-8") as f:
        steps = [ln.rstrip("\n") for ln in f]
    wants_monitor = any(s.strip().startswith("monitor ") for s in steps)
    exit_checked = False
    with QemuSession(kernel, extra_args, monitor=wants_monitor) as q:
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
                q.monitor(arg)
            elif op == "sleep":
                time.sleep(float(arg))
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
    a = ap.parse_args(argv)
    try:
        return run_session(a.kernel, a.session, a.expect_exit, extra)
    except SessionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
