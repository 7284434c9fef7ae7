"""Values for the repr and pformat tests, pickled and printed by CPython.

Prints one JSON object:
  cases    [{name, hex, exactOnly, repr, pformat: [text per config]}]: each value
           pickled at a protocol chosen by its index; repr and pprint.pformat of
           pickle.loads(data) (what `python -m pickle` prints) for every config
  configs  [[width, sort_dicts, compact]]
  toggles  code points where str.isprintable() changes value, from False at 0
  chars    repr() of every BMP code point and of a sample of astral ones

Usage: PYTHONHASHSEED=0 python3 test/support/repr-cases.py
"""

import collections
import datetime
import decimal
import json
import pickle
import pprint
import random
import string
import sys

CONFIGS = [[80, True, False], [30, True, False], [60, False, False], [40, True, True], [10, True, False]]

WORDS = ["alpha", "beta", "gamma", "it's", 'say "hi"', "tab\there", "new\nline", "x" * 30, "héllo", "日本語",
         "emoji 😀 ok", "zero\u200bwidth", "\x00nul", "back\\slash", "", " ", "  lead", "trail  "]


def rand_str(r):
    n = r.randint(0, 12)
    words = [r.choice(WORDS) for _ in range(n)]
    return r.choice([" ", "", "\n", ", "]).join(words)


def rand_scalar(r):
    k = r.randrange(12)
    if k == 0:
        return r.randint(-1000, 1000)
    if k == 1:
        return r.choice([2**53, -2**63, 2**100, 10**30 + 7, 255, 0])
    if k == 2:
        return r.choice([0.5, -1.25, 1e16, 1e-5, 123456789.125, float("inf"), -float("inf"), -0.0, 1.0, 3.0, 1e300])
    if k in (3, 4, 5):
        return rand_str(r)
    if k == 6:
        return bytes(r.randrange(256) for _ in range(r.randint(0, 40)))
    if k == 7:
        return r.choice([None, True, False])
    if k == 8:
        return bytearray(r.choice([b"", b"abc", b"\x00\xff" * 10, b"'\"", b"plain text that is long enough to wrap" * 2]))
    if k == 9:
        return complex(r.choice([0, 1.5, -2, 0.0]), r.choice([1, -1, 2.5, 0]))
    if k == 10:
        return r.choice([range(10), range(1, 20, 3), slice(1, None, 2)])
    return r.random() * 10**r.randint(-3, 20)


def rand_key(r):
    k = r.randrange(5)
    if k == 0:
        return r.randint(-50, 50)
    if k == 1:
        return (r.randint(0, 3), rand_str(r)[:8])
    if k == 2:
        return r.choice([None, True, 1.5, b"k"])
    return rand_str(r)[:15]


def rand_value(r, depth):
    if depth <= 0 or r.random() < 0.3:
        return rand_scalar(r)
    k = r.randrange(7)
    n = r.randint(0, 8)
    if k == 0:
        return [rand_value(r, depth - 1) for _ in range(n)]
    if k == 1:
        return tuple(rand_value(r, depth - 1) for _ in range(r.choice([0, 1, 1, 2, n])))
    if k == 2:
        return {rand_str(r)[:20]: rand_value(r, depth - 1) for _ in range(n)}
    if k == 3:
        d = {}
        for _ in range(n):
            d[rand_key(r)] = rand_value(r, depth - 1)
        return d
    if k == 4:
        return set(r.randint(-100, 10**r.randint(1, 12)) for _ in range(n))
    if k == 5:
        # str hashes are salted per process: only sets of numbers have an order brine can know
        return frozenset(r.choice([r.randint(0, 99), r.random() * 100, -r.randint(0, 2**70)]) for _ in range(n))
    return [rand_scalar(r) for _ in range(n * 3)]


def has_integral_float(v, seen=None):
    if isinstance(v, float):
        return v == v and v not in (float("inf"), -float("inf")) and v == int(v) and str(v) != "-0.0"
    if isinstance(v, complex):
        return False
    if isinstance(v, dict):
        return any(has_integral_float(k) or has_integral_float(x) for k, x in v.items())
    if isinstance(v, (list, tuple, set, frozenset)):
        return any(has_integral_float(x) for x in v)
    return False


def has_complex(v):
    if isinstance(v, complex):
        return True
    if isinstance(v, dict):
        return any(has_complex(k) or has_complex(x) for k, x in v.items())
    if isinstance(v, (list, tuple, set, frozenset)):
        return any(has_complex(x) for x in v)
    return False


def fixed_values():
    long_text = "The quick brown fox jumps over the lazy dog. " * 6
    yield "empty containers", [[], (), {}, set(), frozenset(), "", b"", bytearray()]
    yield "one tuple", (1,)
    yield "nested one tuples", ((((1,),),),)
    yield "long string top", long_text
    yield "long string lines", "first line\nsecond line that is a good deal longer than the first one\n" * 3
    yield "long string in dict", {"text": long_text, "n": 1}
    yield "long string in list", [long_text, long_text[:50]]
    yield "long word", "x" * 200
    yield "long bytes top", bytes(range(256))
    yield "long bytes in list", [bytes(range(100)), b"abcd", b"abcde"]
    yield "bytearray long", bytearray(b"hello world " * 10)
    yield "quotes", ["it's", 'say "hi"', "both ' and \"", b"it's", b'"', b"'\""]
    yield "escapes", ["\x00\x01\x1f\x7f\x80\x9f\xa0\xad", "\u2028\u2029\ufeff\U0001f600\U000e0001", "\ud800", "a\udfffb"]
    yield "floats", [0.0, -0.0, 1.0, 1.5, 1e16, 1e15, 1e-4, 1e-5, 0.1, 1 / 3, 2.0**60, float("inf"), float("nan"), 5e-324]
    yield "ints", [0, -1, 2**53, 2**53 + 1, -2**64, 10**40, True, False, None]
    yield "complex", [1j, -1j, 1 + 2j, complex(1.5, -0.0), complex(-0.0, 1), complex(0, 1e16), complex(float("inf"), float("nan"))]
    yield "set order", [{63, 23}, {23, 63}, set(random.Random(5).sample(range(10**6), 70)), {0.5, 1.5, -2.25, 1e300, float("inf")},
                        set(range(-50, 50)), {2**64, -(2**70), 2**61 - 1, 2**61, -1, -2}, frozenset([7, 15, 23, 31, 39, 47])]
    yield "sets", [{1, 2, 3}, {-5, 100, 3}, frozenset({1}), frozenset({"a"}), set(range(40)), frozenset(range(30))]
    yield "mixed keys", {1: "a", "b": 2, None: 3, (1, 2): 4, 2.5: 5, b"x": 6, False: 7}
    yield "int keys", {i * 7 % 23: str(i) * i for i in range(23)}
    yield "tuple keys", {(i % 3, str(i)): i for i in range(12)}
    yield "str keys order", {k: len(k) for k in ["b", "a", "B", "ä", "😀", "\uffff", "aa", "", "10", "9"]}
    yield "nested dicts", {"level1": {"level2": {"level3": {"level4": list(range(20))}}}, "other": [{"a": 1}] * 3}
    yield "wide list", list(range(100))
    yield "list of tuples", [(i, str(i) * 3, float(i) / 2) for i in range(15)]
    yield "range and slice", [range(5), range(0, 100, 7), slice(None), slice(1, 2, 3)]
    yield "deep", [[[[[[[[[[[["deep", 1, 2, 3, 4, 5, 6, 7, 8, 9]]]]]]]]]]]]
    yield "shared", [[1, 2, 3]] * 4
    yield "unicode wrap", ["日本語のテキスト " * 10, "emoji 😀 " * 15]
    yield "whitespace words", "word\tword\x0bword\x0cword\x1cword\x85word\u3000word " * 5
    yield "splitlines kinds", "a\rb\r\nc\x1dd\x1ee\u2028f\u2029g\x0bh\x0ci" * 4
    yield "collections short", [collections.OrderedDict(a=1), collections.defaultdict(list, {1: [2]}), collections.Counter("abca"),
                                collections.deque([1, 2]), collections.deque([1], maxlen=3), collections.OrderedDict(),
                                collections.Counter(), collections.deque()]
    yield "ordered dict long", collections.OrderedDict((f"key{i}", [i] * i) for i in range(12))
    yield "defaultdict long", collections.defaultdict(list, {f"k{i}": list(range(i)) for i in range(10)})
    yield "counter long", collections.Counter("the quick brown fox jumps over the lazy dog" * 3)
    yield "deque long", collections.deque(range(40))
    yield "deque maxlen long", collections.deque(range(40), maxlen=50)
    yield "collections nested", {"od": collections.OrderedDict(x=collections.deque(["a" * 30, "b" * 30])), "n": 1}
    yield "stdlib scalars", [datetime.datetime(2024, 5, 6, 7, 8, 9, 10), datetime.date(2020, 1, 1), decimal.Decimal("1.50"),
                             datetime.timedelta(days=1, seconds=5)] * 3
    yield "big dict", {f"key{i}": [i, i * 2.5, "v" * (i % 13)] for i in range(30)}


def main():
    r = random.Random(20240611)
    values = list(fixed_values())
    for i in range(250):
        values.append((f"random {i}", rand_value(r, r.randint(1, 5))))
    cases = []
    for i, (name, value) in enumerate(values):
        protocol = i % 6
        data = pickle.dumps(value, protocol)
        loaded = pickle.loads(data)
        cases.append({
            "name": name,
            "hex": data.hex(),
            "exactOnly": has_integral_float(loaded),
            "hasComplex": has_complex(loaded),
            "repr": repr(loaded),
            "pformat": [pprint.pformat(loaded, width=w, sort_dicts=s, compact=c) for w, s, c in CONFIGS],
        })
    toggles = []
    prev = False
    for c in range(0x110000):
        p = chr(c).isprintable()
        if p != prev:
            toggles.append(c)
            prev = p
    chars = [repr(chr(c)) for c in range(0x10000)] + [repr(chr(c)) for c in range(0x10000, 0x110000, 97)]
    sys.stdout.write(json.dumps({"cases": cases, "configs": CONFIGS, "toggles": toggles, "chars": chars}))


main()
