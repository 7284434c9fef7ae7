#!/usr/bin/env python3
"""The Python side of test/differential.test.ts: one process per batch.

Reads one JSON request from stdin and writes one JSON answer to stdout.

- {"pickles": [hex, ...]}: loads each with pickle.loads (CPython's C
  unpickler; the grammar of the test never names a global, so nothing is
  imported or called) and answers, per pickle, {"ok": description} or
  {"error": "ExceptionClass"}.
- {"values": {"seed": int, "count": int}}: makes `count` random values (a
  seeded generator: nested containers, shared and recursive references, big
  ints, NaN and -0.0, NaN keys, tuple keys) and answers, per value,
  {"pickles": [hex at protocols 0..5], "desc": description}.

Descriptions are scripts/vectors_lib.describe(), the language that
test/support/describe.ts writes for brine's values.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

from vectors_lib import describe, run_deep, to_json  # noqa: E402


def load_all(pickles: list[str]) -> list[dict]:
    out = []
    for text in pickles:
        try:
            value = pickle.loads(bytes.fromhex(text))
        except RecursionError:
            out.append({"error": "RecursionError"})
            continue
        except Exception as error:  # the kind is what is compared
            out.append({"error": type(error).__name__})
            continue
        try:
            out.append({"ok": describe(value)})
        except TypeError as error:
            out.append({"error": f"undescribable: {error}"})
    return out


def random_value(rng: random.Random, depth: int = 0) -> object:
    kinds = ["none", "bool", "int", "bigint", "float", "special", "str", "bytes"]
    if depth < 4:
        kinds += ["list", "tuple", "dict", "intdict", "set", "frozenset", "bytearray"] * 2
    kind = rng.choice(kinds)
    if kind == "none":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -(2**31), 2**53, -(2**53) - 1, rng.randrange(-(10**6), 10**6)])
    if kind == "bigint":
        return rng.getrandbits(rng.randrange(60, 3000)) * rng.choice([1, -1])
    if kind == "float":
        return rng.choice([0.5, -2.25, 1e300, 5e-324, rng.random() * 10 ** rng.randrange(-30, 30), 3.0])
    if kind == "special":
        return rng.choice([float("nan"), float("inf"), float("-inf"), -0.0, 0.0])
    if kind == "str":
        return "".join(rng.choice("ab\u00e9\u20ac\U0001f600\n\\'\" \x00") for _ in range(rng.randrange(0, 12)))
    if kind == "bytes":
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 12)))
    if kind == "bytearray":
        return bytearray(rng.getrandbits(8) for _ in range(rng.randrange(0, 6)))
    n = rng.randrange(0, 5)
    if kind == "list":
        items = [random_value(rng, depth + 1) for _ in range(n)]
        if items and rng.random() < 0.2:
            items.append(items)  # recursive
        if items and rng.random() < 0.3:
            items.append(items[0])  # shared
        return items
    if kind == "tuple":
        return tuple(random_value(rng, depth + 1) for _ in range(n))
    if kind in ("dict", "intdict"):
        d: dict = {}
        for i in range(n):
            if kind == "dict":
                key: object = rng.choice(["a", "b", "__proto__", "constructor", "10", "x" + str(i)])
            else:
                key = rng.choice([i, -i, 2**40 + i, float("nan"), 1.5, (i, "t"), (), None, True, "s" + str(i)])
            d[key] = random_value(rng, depth + 1)
        if rng.random() < 0.15:
            d["self"] = d
        return d
    hashables = [
        rng.choice([1, 2, 3, "a", "b", (1, 2), (), float("nan"), 2.5, -0.0, None, 2**70, b"x"])
        for _ in range(n)
    ]
    return set(hashables) if kind == "set" else frozenset(hashables)


def make_values(seed: int, count: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        value = random_value(rng)
        pickles = []
        for protocol in range(6):
            pickles.append(pickle.dumps(value, protocol).hex())
        # What brine must return is what CPython reads back.
        out.append({"pickles": pickles, "desc": describe(pickle.loads(bytes.fromhex(pickles[-1])))})
    return out


def main() -> None:
    request = json.load(sys.stdin)
    if "pickles" in request:
        answer: object = load_all(request["pickles"])
    else:
        answer = make_values(request["values"]["seed"], request["values"]["count"])
    sys.stdout.write(to_json(answer))


if __name__ == "__main__":
    run_deep(main)
