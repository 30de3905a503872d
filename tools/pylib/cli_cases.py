"""The frame of the host CLI case scripts (tests/llama/llama_cases.py,
tests/gpt2/gpt2_cli_cases.py): one CTest test per case, run as

    SCRIPT --inferpi BIN --work DIR --shared DIR CASE

A case is a function that raises Fail (or lets a CalledProcessError through) when the check
does not hold and calls skip() when its reference material is absent. run() turns that into
the exit code CTest reads: 0 PASS, 1 FAIL with the reason, SKIP_RETURN_CODE skipped.
"""
import argparse
import os
import shutil
import subprocess
import sys

SKIP_RETURN_CODE = 77


class Fail(Exception):
    pass


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP_RETURN_CODE)


def parse_args(fresh_work=False):
    """The command line every case script takes; the work folder is created (emptied first
    when fresh_work)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--inferpi", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("case")
    a = ap.parse_args()
    if fresh_work:
        shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work, exist_ok=True)
    return a


def run(case):
    """Calls case() and returns the exit code: 0 after "PASS", 1 after "FAIL: <why>"."""
    try:
        case()
    except Fail as e:
        print(f"FAIL: {e}")
        return 1
    except subprocess.CalledProcessError as e:
        print(f"FAIL: {' '.join(map(str, e.cmd))} exited {e.returncode}: {e.stderr}")
        return 1
    print("PASS")
    return 0
