#!/usr/bin/env python3
"""The Python side of test/large-bytes-hostile.test.ts: one process per request.

Reads one JSON request from stdin, writes one JSON answer to stdout.

- {"corpus": seed}: pickles CPython writes for bytes objects at protocols 0-2
  (`_codecs.encode(<text>, 'latin1')`, texts of 4 KiB and more, several in one
  pickle so that the global and 'latin1' come from the memo) and for lists of
  ints of every encoding; per pickle {"name", "hex", "ops": [[pos, opcode
  byte, memo id or null], ...]} (the opcodes as pickletools reads them).
- {"judge": [hex, ...]}: pickle.loads of each (the C unpickler) with a
  find_class that resolves only `_codecs` and `codecs` names, so nothing else
  is imported; per pickle {"ok": description}, {"error": "ExceptionClass"}, or
  {"forbidden": true} when the pickle named another global; {"same": i} when
  the description is that of the answer at index i of the same request.
- {"cuts": [{"hex", "at": [offset, ...]}, ...]}: the same for the prefixes of
  each pickle that end at the offsets, in order.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import pickletools
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

from vectors_lib import describe  # noqa: E402


class Forbidden(Exception):
    pass


class Judge(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if module not in ("_codecs", "codecs"):
            raise Forbidden(f"{module}.{name}")
        return super().find_class(module, name)


MEMO_OPS = {"BINPUT", "LONG_BINPUT", "BINGET", "LONG_BINGET", "PUT", "GET"}


def ops_of(data: bytes) -> list:
    out = []
    for op, arg, pos in pickletools.genops(data):
        out.append([pos, op.code.encode("latin1")[0], arg if op.name in MEMO_OPS else None])
    return out


def latin_text(rng: random.Random, n: int, high: float) -> bytes:
    return bytes(rng.randrange(0x80, 0x100) if rng.random() < high else rng.randrange(0, 0x80) for _ in range(n))


def corpus(seed: int) -> list:
    rng = random.Random(seed)
    out = []

    def add(name: str, value: object, protocols: tuple) -> None:
        for proto in protocols:
            data = pickle.dumps(value, protocol=proto)
            out.append({"name": f"{name}/p{proto}", "hex": data.hex(), "ops": ops_of(data)})

    b1 = latin_text(rng, 4096, 0.5)
    b2 = latin_text(rng, 4500, 0.0)
    b3 = latin_text(rng, 5000, 1.0)
    small = latin_text(rng, 100, 0.5)
    add("one", b1, (0, 1, 2))
    add("two", [b1, b2], (1, 2))
    add("shared", [b1, b2, b1, (b3, b3)], (1, 2))
    add("dict", {"a": b3, "b": small, "c": b2}, (2,))
    add("mixed", [small, b1, "text", 7, b2], (2,))
    add("nul", [bytes(4096), b"\xff" * 4097], (2,))

    # Lists the count of batches ahead sizes: more than 4096 items, ints of every encoding.
    def ints(n: int) -> list:
        items = []
        for i in range(n):
            kind = i % 9
            if kind == 0:
                items.append(rng.randrange(256))
            elif kind == 1:
                items.append(rng.randrange(256, 65536))
            elif kind == 2:
                items.append(rng.randrange(-(2**31), 2**31))
            elif kind == 3:
                items.append(rng.randrange(2**31, 2**64) * rng.choice((1, -1)))
            elif kind == 4:
                items.append(rng.getrandbits(8 * rng.randrange(1, 40)) - 2**300)
            elif kind == 5:
                items.append(rng.choice((None, True, False)))
            elif kind == 6:
                items.append(rng.random())
            elif kind == 7:
                items.append("s" * rng.randrange(0, 5))
            else:
                items.append(-rng.randrange(1, 2**31))
        return items

    add("ints", ints(4300), (2,))
    big = [rng.getrandbits(8 * rng.randrange(1, 12)) for _ in range(4200)]
    add("bigints", big, (2, 4))
    return out


def judge(pickles: list) -> list:
    return judge_bytes([bytes.fromhex(text) for text in pickles])


def judge_bytes(pickles) -> list:
    out = []
    # A description met before is sent as {"same": <index of the first answer that had it>}: the
    # pickles of a request are mostly variants of a few values, and their repeated descriptions
    # were tens of megabytes of JSON to write and to parse.
    seen: dict = {}
    for data in pickles:
        try:
            value = Judge(io.BytesIO(data)).load()
        except Forbidden:
            out.append({"forbidden": True})
            continue
        except RecursionError:
            out.append({"error": "RecursionError"})
            continue
        except Exception as error:  # the kind is what is compared
            out.append({"error": type(error).__name__})
            continue
        try:
            desc = describe(value)
        except TypeError as error:
            out.append({"error": f"undescribable: {error}"})
            continue
        key = json.dumps(desc)
        if key in seen:
            out.append({"same": seen[key]})
        else:
            seen[key] = len(out)
            out.append({"ok": desc})
    return out


def main() -> None:
    request = json.load(sys.stdin)
    if "corpus" in request:
        answer = corpus(request["corpus"])
    elif "cuts" in request:

        def prefixes():
            for case in request["cuts"]:
                data = bytes.fromhex(case["hex"])
                for at in case["at"]:
                    yield data[:at]

        answer = judge_bytes(prefixes())
    else:
        answer = judge(request["judge"])
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
