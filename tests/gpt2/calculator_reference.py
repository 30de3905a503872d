#!/usr/bin/python3
"""Expected outputs of nanochat's calculator for random arithmetic, from Python itself:
prints JSON [[expr, str(eval(expr)) or null], ...] and [[float bits as hex, repr], ...].
(The test runs Python's eval on expressions this script generated; the engine never does.)"""
import json
import random
import struct
import sys


def rand_expr(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.35:
        k = rng.random()
        if k < 0.5:
            return str(rng.randint(0, 10 ** rng.randint(1, 6)))
        if k < 0.8:
            return f"{rng.randint(0, 999)}.{rng.randint(0, 99999)}"
        return rng.choice(["0", "0.5", ".25", "7.", "1,000", "12", "3"])
    if r < 0.45:
        return "(" + rand_expr(rng, depth + 1) + ")"
    if r < 0.5:
        return "-" + rand_expr(rng, depth + 1)
    op = rng.choice([" + ", "-", " * ", "/", " / ", "//", "%", "*"])
    return rand_expr(rng, depth + 1) + op + rand_expr(rng, depth + 1)


def evaluate(expr):
    e = expr.replace(",", "")
    if any(c not in "0123456789*+-/.() " for c in e):
        return None  # nanochat's use_calculator: other characters only in its .count mode
    if "**" in e:
        return None
    try:
        v = eval(e, {"__builtins__": {}}, {})
    except Exception:
        return None
    if not isinstance(v, (int, float)):
        return "NONNUM"  # e.g. "()" is a tuple in Python; the engine gives no result
    if isinstance(v, int) and not (-2 ** 63 <= v < 2 ** 63):
        return "BIGINT"  # beyond our 64-bit ints: the engine gives no result
    return str(v)


def main():
    rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    exprs = [rand_expr(rng) for _ in range(3000)]
    exprs += ["2+3", "12/60", "10/3", "7//2", "-7//2", "7%-3", "-7.5%2", "7.5//-2", "1/0", "5%0",
              "2**3", "012", "00", "0.1+0.2", "1/100000", "1e5", "(", "()", "1 2", "--5", "+3",
              "100000000000000000.0*10", "123456789*1000000000", "2.5*4", "1/3*3", "0.0001",
              "9007199254740993.0", "1,234,567 * 3"]
    rows = [[e, evaluate(e)] for e in exprs]
    floats = []
    for _ in range(3000):
        k = rng.random()
        if k < 0.4:
            f = rng.uniform(-1e6, 1e6)
        elif k < 0.7:
            f = rng.randint(1, 10 ** 6) / rng.randint(1, 10 ** 4)
        else:
            bits = rng.getrandbits(64)
            f = struct.unpack("<d", struct.pack("<Q", bits))[0]
            if f != f or f in (float("inf"), float("-inf")):
                continue
        floats.append([struct.pack("<d", f).hex(), repr(f)])
    for f in [0.0, -0.0, 1e16, 1e15, 0.0001, 0.00001, 5e-324, 1.7976931348623157e308, 2 ** -1022, 0.1, 1 / 3]:
        floats.append([struct.pack("<d", f).hex(), repr(f)])
    json.dump({"exprs": rows, "floats": floats}, sys.stdout)


if __name__ == "__main__":
    main()
