#!/usr/bin/env python3
"""Pickles values for test/property-python.test.ts.

Reads JSON from stdin: {"specs": [spec, ...], "protocols": [int, ...]}, where a
spec describes a Python value in the generation language of
vectors_lib.build(). Writes JSON to stdout: one result per spec, in order,
    {"pickles": [hex per protocol], "expect": description}
where the description is vectors_lib.describe() of the value built, the value
brine must return. As a check of the harness itself, the description of what
vectors_lib.model_loads() reads back from each pickle must be the same.
"""

from __future__ import annotations

import json
import os
import pickle
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from vectors_lib import build, describe, model_loads  # noqa: E402


def main() -> None:
    request = json.load(sys.stdin)
    protocols = request["protocols"]
    results = []
    for spec in request["specs"]:
        value = build(spec)
        expect = describe(value)
        pickles = []
        for protocol in protocols:
            data = pickle.dumps(value, protocol)
            if describe(model_loads(data)) != expect:
                raise SystemExit(f"protocol {protocol}: the model reads back something else for {spec!r}")
            pickles.append(data.hex())
        results.append({"pickles": pickles, "expect": expect})
    sys.stdout.write(json.dumps(results, ensure_ascii=True, allow_nan=False, separators=(",", ":")))


if __name__ == "__main__":
    main()
