"""Builds values from JSON specs (stdin), pickles each at protocols 0-5 and prints
what CPython's repr and pprint.pformat give for the value each pickle loads to.

A spec is a JSON list whose first item names the kind; see test/repr-differential.test.ts.
Output: one JSON list with, per spec, a list of [protocol, pickle hex, repr, [pformat ...]].
"""
import collections
import decimal
import json
import pickle
import pprint
import re
import sys
import types

CONFIGS = [
    dict(width=80),
    dict(width=30),
    dict(width=30, compact=True),
    dict(width=40, indent=4, sort_dicts=False),
]

FACTORIES = {None: None, 'list': list, 'int': int}


def build(spec):
    kind = spec[0]
    if kind == 'none':
        return None
    if kind == 'bool':
        return bool(spec[1])
    if kind == 'int':
        return int(spec[1])
    if kind == 'float':
        return float(spec[1])
    if kind == 'str':
        return spec[1]
    if kind == 'bytes':
        return bytes.fromhex(spec[1])
    if kind == 'bytearray':
        return bytearray.fromhex(spec[1])
    if kind == 'list':
        return [build(s) for s in spec[1]]
    if kind == 'tuple':
        return tuple(build(s) for s in spec[1])
    if kind == 'set':
        return set(build(s) for s in spec[1])
    if kind == 'frozenset':
        return frozenset(build(s) for s in spec[1])
    if kind == 'dict':
        return {build(k): build(v) for k, v in spec[1]}
    if kind == 'twice':
        x = build(spec[1])
        return [x, x]
    if kind == 'complex':
        return complex(float(spec[1]), float(spec[2]))
    if kind == 'slice':
        return slice(build(spec[1]), build(spec[2]), build(spec[3]))
    if kind == 'range':
        return range(int(spec[1]), int(spec[2]), int(spec[3]))
    if kind == 'deque':
        return collections.deque([build(s) for s in spec[1]], spec[2])
    if kind == 'odict':
        return collections.OrderedDict((build(k), build(v)) for k, v in spec[1])
    if kind == 'counter':
        return collections.Counter({build(k): int(v) for k, v in spec[1]})
    if kind == 'ddict':
        d = collections.defaultdict(FACTORIES[spec[1]])
        for k, v in spec[2]:
            d[build(k)] = build(v)
        return d
    if kind == 'ns':
        return types.SimpleNamespace(**{k: build(v) for k, v in spec[1]})
    if kind == 're':
        pattern = spec[1] if spec[3] == 'str' else spec[1].encode()
        return re.compile(pattern, spec[2])
    if kind == 'decimal':
        return decimal.Decimal(spec[1])
    raise ValueError(kind)


def main():
    specs = json.load(sys.stdin)
    out = []
    for spec in specs:
        value = build(spec)
        rows = []
        for protocol in range(6):
            data = pickle.dumps(value, protocol)
            loaded = pickle.loads(data)
            rows.append([protocol, data.hex(), repr(loaded), [pprint.pformat(loaded, **c) for c in CONFIGS]])
        out.append(rows)
    sys.stdout.write(json.dumps(out))


main()
