"""Valid pickles for the adversarial and fuzz tests, written by CPython.

Prints one JSON object:
  pickles  [{name, protocol, hex}]: a few dozen varied values, each pickled by
           `pickle.dumps` at every protocol 0-5, plus the Python 2 era pickles
           of CPython's own test suite (test.pickletester DATA*)
  big      [{name, protocol, hex}]: pickles larger than one 64 KiB frame
  opcodes  [{code, name, arg, n, proto}]: pickletools.opcodes (arg is the
           argument type name, n its pickletools size marker)

Usage: python3 test/support/adv-corpus.py
"""

import collections
import datetime
import decimal
import enum
import fractions
import json
import pickle
import pickletools
import sys
import uuid


class Plain:
    def __init__(self):
        self.a = 1
        self.b = [1, "two", 3.0]
        self.__proto__ = "kept"


class Slotted:
    __slots__ = ("x", "y")

    def __init__(self):
        self.x = 1
        self.y = {"k": "v"}


class Stateful:
    def __getstate__(self):
        return ("custom", 42)

    def __setstate__(self, state):
        self.state = state


class WithNewArgs:
    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __getnewargs_ex__(self):
        return (1, "a"), {"key": b"value"}


class WithReduce:
    def __reduce__(self):
        return (collections.OrderedDict, ([("a", 1), ("b", 2)],))


class MyList(list):
    pass


class MyDict(dict):
    pass


class MySet(set):
    pass


class Color(enum.Enum):
    RED = 1
    GREEN = "g"


def values():
    recursive_list = []
    recursive_list.append(recursive_list)
    recursive_dict = {}
    recursive_dict["self"] = recursive_dict
    recursive_tuple = ([],)
    recursive_tuple[0].append(recursive_tuple)
    shared = [1, 2]
    my_list = MyList([1, 2, 3])
    my_list.attr = "x"
    my_dict = MyDict(a=1)
    my_dict.attr = [None]
    return [
        ("none", None),
        ("bools", (True, False)),
        ("small-ints", [0, 1, -1, 255, 256, 65535, 65536, -65536, 2**31 - 1, -(2**31)]),
        ("big-ints", [2**31, 2**53 + 1, 2**63, -(2**64) - 1, 10**50, -(10**100), 2**2100]),
        ("floats", [0.0, -0.0, 1.5, -2.25e-300, 1e300, float("inf"), float("-inf"), float("nan")]),
        ("strings", ["", "abc", "a\nb\\c'\"", "π€😀", "\x00\x7f\x80\xff", "x" * 300]),
        ("lone-surrogate", "a\udc80b"),
        ("bytes", [b"", b"\x00\xff\n", b"y" * 300]),
        ("bytearray", bytearray(b"\x01\x02\x03")),
        ("tuples", [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((),)]),
        ("nested", {"a": [1, (2, {"b": {3, 4}})], "c": {"d": [[[]]]}, 1: "int key", None: (None,)}),
        ("dict-int-keys", {1: "a", 2: "b", 10: "c"}),
        ("proto-keys", {"__proto__": {"polluted": True}, "constructor": 1, "prototype": [2]}),
        ("sets", [set(), {1, "a"}, frozenset(), frozenset({(1, 2)})]),
        ("shared", [shared, shared, (shared,)]),
        ("recursive-list", recursive_list),
        ("recursive-dict", recursive_dict),
        ("recursive-tuple", recursive_tuple),
        ("globals", [len, collections.OrderedDict, pickle.loads, int, type(None)]),
        ("instance", Plain()),
        ("slots", Slotted()),
        ("setstate", Stateful()),
        ("newargs-ex", WithNewArgs()),
        ("reduce", WithReduce()),
        ("list-subclass", my_list),
        ("dict-subclass", my_dict),
        ("set-subclass", MySet({1, 2})),
        ("enum", [Color.RED, Color.GREEN]),
        ("complex", [1 + 2j, complex(0, -1)]),
        ("datetime", [datetime.datetime(2024, 2, 29, 12, 30, 15, 123456), datetime.date(1999, 12, 31),
                      datetime.timedelta(days=-1, seconds=5), datetime.timezone.utc]),
        ("decimal", [decimal.Decimal("3.14"), decimal.Decimal("-Infinity")]),
        ("fraction", fractions.Fraction(3, 7)),
        ("uuid", uuid.UUID(int=0x12345678123456781234567812345678)),
        ("collections", [collections.OrderedDict(a=1), collections.defaultdict(list, {"k": [1]}),
                         collections.deque([1, 2], maxlen=5), collections.Counter("aab")]),
        ("range-slice", [range(1, 10, 2), slice(1, None, -1), Ellipsis, NotImplemented]),
        ("many-items", list(range(2500))),
        ("many-keys", {str(i): i for i in range(1200)}),
    ]


def main():
    pickles = []
    for name, value in values():
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            try:
                data = pickle.dumps(value, proto)
            except TypeError:
                continue  # __slots__ without __getstate__ needs protocol 2
            pickles.append({"name": name, "protocol": proto, "hex": data.hex()})

    from test import pickletester

    for name in sorted(dir(pickletester)):
        if name.startswith("DATA") and isinstance(getattr(pickletester, name), bytes):
            data = getattr(pickletester, name)
            proto = max(op.proto for op, _, _ in pickletools.genops(data))
            pickles.append({"name": "pickletester." + name, "protocol": proto, "hex": data.hex()})

    big = []
    for proto in (4, 5):
        value = [b"z" * 70000, "w" * 70000, list(range(20000))]
        big.append({"name": "multi-frame", "protocol": proto, "hex": pickle.dumps(value, proto).hex()})

    opcodes = [
        {
            "code": ord(op.code),
            "name": op.name,
            "arg": op.arg.name if op.arg else None,
            "n": op.arg.n if op.arg else 0,
            "proto": op.proto,
        }
        for op in pickletools.opcodes
    ]
    sys.stdout.write(json.dumps({"pickles": pickles, "big": big, "opcodes": opcodes}))


if __name__ == "__main__":
    main()
