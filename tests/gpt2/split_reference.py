#!/usr/bin/python3
"""Reference pieces for nanochat's split regex, from Python's own `re` engine (3.11+ has
possessive quantifiers), with \\p{L}/\\p{N}/\\s spelled out as explicit classes (Python's
re has no \\p{..}, and its \\s is not Unicode White_Space). Prints JSON
[[text, [piece, ...]], ...] for random strings over a pool of tricky characters; the C++
test compares split_nanochat() with it.
"""
import json
import random
import re
import sys
import unicodedata

POOL = ("aZbQ'sStTlLvVeErRdDmMſ 0123456789\t\n\r\r\n.,!?-_()<|>\"'#*/"
        "éÉßøДжж東京你好½²Ⅻ٣\u00a0\u2003\u3000\u0085\u0301\u200b\x1c😀👍🏽🙂")


def cls(pred, chars):
    return "".join(re.escape(c) for c in sorted(set(chars)) if pred(c))


def main():
    chars = set(POOL)
    letter = lambda c: unicodedata.category(c).startswith("L")  # noqa: E731
    number = lambda c: unicodedata.category(c).startswith("N")  # noqa: E731
    ws = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}
    space = lambda c: c in ws  # noqa: E731
    L, N, S = cls(letter, chars), cls(number, chars), cls(space, chars)
    pat = (rf"'(?i:[sdmt]|ll|ve|re)|[^\r\n{L}{N}]?+[{L}]+|[{N}]{{1,2}}| ?[^{S}{L}{N}]++[\r\n]*"
           rf"|[{S}]*[\r\n]|[{S}]+(?![^{S}])|[{S}]+")
    rx = re.compile(pat)
    rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    pool = list(POOL)
    cases = []
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 24)))
        cases.append([text, rx.findall(text)])
    json.dump(cases, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
