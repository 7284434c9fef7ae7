"""Values for the JSON view tests, pickled by CPython, and the check of what brine wrote back.

  python3 test/support/json-cases.py gen
      prints [{name, protocol, hex}]: every value pickled at every protocol 0-5
  python3 test/support/json-cases.py check < results.json
      reads [{name, protocol, hex, strict}] (brine's pickles of the same values),
      loads each, compares it with what Python loads from its own pickle (types
      too when strict, and which mutable objects are shared), and prints
      [{index, name, protocol, problem}]
  python3 test/support/json-cases.py plain < texts.json
      reads [{text, hex}] (hand-written JSON and brine's pickle of it) and prints the
      texts whose pickle does not load to json.loads(text)
"""

import collections
import datetime
import decimal
import fractions
import json
import math
import pickle
import sys
import uuid


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = 1
        self.b = [2]


class Reduced:
    def __init__(self, *args):
        self.args = args

    def __reduce__(self):
        return (Reduced, self.args, {"extra": "state"})


class MyList(list):
    pass


class MyDict(dict):
    pass


def values():
    shared = [1, 2]
    cyclic = [1]
    cyclic.append(cyclic)
    selfdict = {}
    selfdict["self"] = selfdict
    inner = []
    tup = (inner, 1)
    inner.append(tup)
    obj = Point(1, None)
    obj.y = obj
    ml = MyList([1, 2])
    ml.attr = "x"
    md = MyDict(a=1)
    md["b"] = [md]
    lol = ["lol"]
    for _ in range(20):
        lol = [lol, lol]
    return {
        "scalars": [None, True, False, 0, -1, 2**31, 2**53, -(2**53) - 1, 2**64, -(10**40), 0.5, -0.0, 1.0, 1e16, 1e300,
                    float("inf"), -float("inf"), 5e-324, 1.7976931348623157e308],
        "nan": float("nan"),
        "strings": ["", "a", "é", "日本", "😀", "\ud800", "a\udfffb", "\x00\n", "$ref", "$$"],
        "bytes": [b"", b"\x00\xff", bytes(range(256)), bytearray(b"abc"), bytearray()],
        "containers": ((), (1,), [], {}, set(), frozenset(), {1, 2}, frozenset({"a"}), [[[]]]),
        "dict keys": {1: "int", 2.5: "float", (1, 2): "tuple", None: "none", b"k": "bytes", "10": "index-like", True: "bool"},
        "tag-like keys": {"$ref": 1, "$$ref": 2, "$": 3, "$tuple": [4], "$shared": 5, "__proto__": 6, "constructor": 7},
        "one tag-like key": {"$ref": 1},
        "string keys": {"b": 1, "a": 2, "": 3},
        "shared": [shared, shared, {"again": shared}],
        "cyclic list": cyclic,
        "cyclic dict": selfdict,
        "cyclic tuple": tup,
        "cyclic object": obj,
        "billion laughs": lol,
        "complex": [1j, complex(1.5, -2), complex(float("inf"), float("nan"))],
        "range slice": [range(10), range(1, 2**70, 3), slice(1, None, "x")],
        "instance": Point(1, [2, 3]),
        "slotted": Slotted(),
        "reduced": Reduced(1, "a"),
        "list subclass": ml,
        "dict subclass": md,
        "stdlib": [datetime.datetime(2024, 5, 6, 7, 8, 9, 10), datetime.date(2020, 1, 1), decimal.Decimal("1.5"),
                   fractions.Fraction(1, 3), uuid.UUID(int=12345), collections.OrderedDict(a=1),
                   collections.Counter("hello"), collections.deque([1, 2])],
        "globals": [Point, len, math.floor],
        "deep": [[[[[[[[[[["deep"]]]]]]]]]]],
    }


def shape(value):
    """The sharing of mutable objects: each one numbered at its first visit, later visits name that number."""
    ids = {}
    out = []
    stack = [value]
    while stack:
        v = stack.pop()
        mutable = isinstance(v, (list, dict, set, bytearray)) or hasattr(v, "__dict__") and not isinstance(v, type)
        if mutable:
            if id(v) in ids:
                out.append(("ref", ids[id(v)]))
                continue
            ids[id(v)] = len(ids)
            out.append(("new", type(v).__name__))
        if isinstance(v, dict):
            for k, x in v.items():
                stack.append(x)
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        if hasattr(v, "__dict__") and not isinstance(v, type):
            stack.extend(vars(v).values())
    return out


def same(a, b, strict, seen=None):
    if seen is None:
        seen = set()
    key = (id(a), id(b))
    if key in seen:
        return True
    seen.add(key)
    if strict and type(a) is not type(b):
        return False
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and (not strict or math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, complex) and isinstance(b, complex):
        return same(a.real, b.real, strict, seen) and same(a.imag, b.imag, strict, seen)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, strict, seen) for x, y in zip(a, b)) and same_attrs(a, b, strict, seen)
    if isinstance(a, dict) and isinstance(b, dict):
        if len(a) != len(b):
            return False
        for k, x in a.items():
            if k not in b or not same(x, b[k], strict, seen):
                return False
        return same_attrs(a, b, strict, seen)
    if isinstance(a, Slotted):
        return same(a.a, b.a, strict, seen) and same(a.b, b.b, strict, seen)
    if hasattr(a, "__dict__") and not isinstance(a, type) and not isinstance(a, (collections.OrderedDict, collections.Counter)):
        return type(a) is type(b) and same(vars(a), vars(b), strict, seen)
    return a == b


def same_attrs(a, b, strict, seen):
    if hasattr(a, "__dict__"):
        return hasattr(b, "__dict__") and same(vars(a), vars(b), strict, seen)
    return True


def main():
    mode = sys.argv[1]
    vals = values()
    if mode == "gen":
        out = []
        for name, value in vals.items():
            for protocol in range(6):
                try:
                    data = pickle.dumps(value, protocol)
                except TypeError:  # __slots__ without __getstate__ below protocol 2
                    continue
                out.append({"name": name, "protocol": protocol, "hex": data.hex()})
        sys.stdout.write(json.dumps(out))
    elif mode == "check":
        problems = []
        for index, item in enumerate(json.load(sys.stdin)):
            name, strict = item["name"], item["strict"]
            try:
                got = pickle.loads(bytes.fromhex(item["hex"]))
            except Exception as e:
                problems.append({"index": index, "name": name, "protocol": item["protocol"], "problem": f"load failed: {e!r}"})
                continue
            # What Python itself gets back (a __reduce__ state may add attributes the original lacks).
            want = pickle.loads(pickle.dumps(vals[name], item["protocol"]))
            if not same(want, got, strict):
                problems.append({"index": index, "name": name, "protocol": item["protocol"], "problem": f"not equal: {got!r:.300}"})
            elif shape(want) != shape(got):
                problems.append({"index": index, "name": name, "protocol": item["protocol"], "problem": "sharing differs"})
        sys.stdout.write(json.dumps(problems))
    elif mode == "plain":
        bad = []
        for item in json.load(sys.stdin):
            want = json.loads(item["text"])
            got = pickle.loads(bytes.fromhex(item["hex"]))
            if not same(want, got, False):
                bad.append({"text": item["text"], "got": repr(got)})
        sys.stdout.write(json.dumps(bad))


main()
