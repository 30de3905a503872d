"""What every peer test shares: the SKIP line, named checks that print ok/FAIL and are
collected, and the exit status from them (CTest: SKIP_REGULAR_EXPRESSION "SKIP:")."""
import os
import shutil
import sys

failures = []


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(0)


def check(name, cond, detail):
    print(f"{'ok  ' if cond else 'FAIL'} {name}: {detail}")
    if not cond:
        failures.append(name)


def require_node_package(here, package):
    """Skips unless node and tests/peer/node_modules/<package> (tools/setup) are there."""
    if not shutil.which("node"):
        skip("node is not installed (tools/setup installs nodejs)")
    if not os.path.exists(os.path.join(here, "node_modules", package)):
        skip(f"{package} is not installed in tests/peer (run tools/setup)")


def finish(what):
    """The exit status: 1 with the failed checks' names, else 0."""
    if failures:
        print(f"{len(failures)} {what} failed: {failures}")
        return 1
    print(f"all {what} passed")
    return 0
