"""What the peer tests (gguf_peer_test.py, families_peer_test.py, tokenizer_peer_test.py)
share: finding node and the npm peers in tests/peer/node_modules, skipping with a message
when they are missing, running a peer script or our `inferpi`, and counting the checks.

    import peer_checks as pc
    pc.configure(inferpi_bin, work_dir)
    pc.require_node("node-llama-cpp")        # or SKIP: <why>, exit 0 (CTest: skipped)
    p = pc.node("llama_peer.mjs", {...})     # the script's JSON answer
    pc.check("name", ours == p["x"], "detail")
    return pc.finish("peer checks")
"""
import json
import os
import shutil
import subprocess
import sys

PEER_DIR = os.path.dirname(os.path.abspath(__file__))
# The text the checks tokenize and score: the held-out KJV text when ../shared has it.
PROMPT = "In the beginning God created the heaven and the earth. And the"

INFERPI = ""
WORK = ""
# Extra options for our `generate` and `logits` runs (families_peer_test.py: `--kv f32`).
FORWARD_ARGS = []
failures = []


def configure(inferpi, work, forward_args=()):
    global INFERPI, WORK
    INFERPI, WORK = inferpi, work
    FORWARD_ARGS[:] = forward_args


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(0)


def has_package(name):
    return os.path.exists(os.path.join(PEER_DIR, "node_modules", *name.split("/")))


def require_node(*packages):
    """Skips the test unless node and every named npm package (tools/setup installs them)
    are there."""
    if not shutil.which("node"):
        skip("node is not installed (tools/setup installs nodejs)")
    for name in packages:
        if not has_package(name):
            skip(f"{name} is not installed in tests/peer (run tools/setup)")


def node(script, request):
    """Runs tests/peer/<script> on a JSON request; returns its JSON answer (last line)."""
    path = os.path.join(WORK, "request.json")
    with open(path, "w") as f:
        json.dump(request, f)
    r = subprocess.run(["node", os.path.join(PEER_DIR, script), path], capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"{script} failed: {r.stderr.strip()[-800:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def require_llama_cpp(gguf):
    """Skips the test when the prebuilt llama.cpp cannot even tokenize with this file."""
    try:
        node("llama_peer.mjs", {"model": gguf, "tokenize": ["a"]})
    except Exception as e:  # noqa: BLE001 - report whatever stopped it
        skip(f"the prebuilt llama.cpp from node-llama-cpp cannot run here: {e}")


def heldout_text(shared):
    corpus = os.path.join(shared, "corpus", "kjv-heldout.txt")
    if os.path.exists(corpus):
        with open(corpus, encoding="utf-8") as f:
            return f.read()[:4000]
    return PROMPT + " And God said, Let there be light: and there was light. " * 40


def ours(*args):
    """Our host CLI's stdout (UTF-8, newlines as printed); raises with its stderr on failure."""
    if args[0] in ("generate", "logits"):
        args = (*args, *FORWARD_ARGS)
    r = subprocess.run([INFERPI, *args], capture_output=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"inferpi {args[0]} failed: {r.stderr.decode(errors='replace').strip()}")
    return r.stdout.decode("utf-8")


def our_tokens(model_dir, text, special=False):
    return [int(t) for t in ours("tokenize", model_dir, "--text", text,
                                 *(["--special"] if special else [])).split()]


def check(name, cond, detail):
    print(f"{'ok  ' if cond else 'FAIL'} {name}: {detail}")
    if not cond:
        failures.append(name)


def finish(what):
    """The exit status: 1 with the failed checks' names, else 0."""
    if failures:
        print(f"{len(failures)} {what} failed: {failures}")
        return 1
    print(f"all {what} passed")
    return 0
