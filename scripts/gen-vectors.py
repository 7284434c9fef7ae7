#!/usr/bin/env python3
"""Writes test/vectors/generated/vectors.json: pickles made by this CPython, each
with the description of the JavaScript value brine's `loads` must return.

    python3 scripts/gen-vectors.py [output-path]

Every entry is
    {"name": str, "protocol": int | null, "pickle": hex, "expect": description,
     "options": {load options, see below}}
and, for several pickles in one buffer (loaded with `Unpickler.load()` in turn),
    "ends": [offset after each pickle's STOP, ...]
with "expect" describing the list of every value loaded.

The description language is documented in test/support/describe.ts. Expected
descriptions come from Python: `vectors_lib.describe` of the value CPython's own
unpickler builds from the pickle (vectors_lib.model_loads: pickle._Unpickler with
brine's rules for what is reconstructed and what stays inert). Where the vector is
a plain Python value, the description of that value itself must be the same, and
this script stops if it is not.

options (JSON; the test turns them into LoadOptions):
    encoding: str                Python 2 string decoding ("ASCII", "latin1", "bytes")
    fixImports: bool
    buffers: [hex, ...]          out-of-band buffers, passed as `new PickleBuffer(bytes)`
    persistentLoad: "echo"       persistentLoad = (pid) => ({ pid })
    extensions: [[code, module, name], ...]
    dicts: "map"
"""

from __future__ import annotations

import collections
import copyreg
import io
import os
import os.path
import pickle
import pickletools
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from vectors_lib import describe, model_load_all, model_loads, run_deep, to_json  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "test", "vectors", "generated", "vectors.json")
PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)
MISSING = object()

entries: list[dict] = []
_seen: set[tuple[str, object]] = set()


# ---------------------------------------------------------------------------
# Classes pickled by reference: they live in a module registered as myapp.models


myapp = types.ModuleType("myapp")
models = types.ModuleType("myapp.models")
myapp.models = models  # type: ignore[attr-defined]
sys.modules["myapp"] = myapp
sys.modules["myapp.models"] = models


def _move_to_models(obj):
    obj.__module__ = "myapp.models"
    for member in vars(obj).values() if isinstance(obj, type) else ():
        member = getattr(member, "__func__", member)
        if isinstance(member, (type, types.FunctionType)):
            _move_to_models(member)


def in_models(obj):
    _move_to_models(obj)
    setattr(models, obj.__name__, obj)
    return obj


@in_models
class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


@in_models
class Slotted:
    __slots__ = ("a", "b")


@in_models
class SlottedWithDict:
    __slots__ = ("a", "__dict__")


@in_models
class Bag:
    """What make_thing returns: takes whatever a pickle applies to it."""

    def __init__(self, args):
        self.args = args
        self.items = []

    def __setstate__(self, state):
        self.state = state

    def append(self, item):
        self.items.append(item)

    def __setitem__(self, key, value):
        self.items.append((key, value))


@in_models
def make_thing(*args):
    return Bag(args)


@in_models
class Reduced:
    def __reduce__(self):
        return (make_thing, (1, "two", None))


@in_models
class ReducedEverything:
    """__reduce__ with state, list items and dict items on a class that is neither list nor dict."""

    def __reduce__(self):
        return (make_thing, (), {"s": 1}, iter([1, "a"]), iter([("k", 2), (3, "v")]))


@in_models
class NewArgsEx:
    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, a, flag=False):
        self.a = a
        self.flag = flag

    def __getnewargs_ex__(self):
        return ((self.a,), {"flag": self.flag})


@in_models
class Pair:
    """__getnewargs__ returns a tuple that is also in the state: the args tuple is shared."""

    def __new__(cls, *args):
        return object.__new__(cls)

    def __init__(self, a, b):
        self.args = (a, b)

    def __getnewargs__(self):
        return self.args


@in_models
class MyList(list):
    pass


@in_models
class MyDict(dict):
    pass


@in_models
class MySet(set):
    pass


@in_models
class MyStr(str):
    pass


@in_models
class MyInt(int):
    pass


@in_models
class MyFloat(float):
    pass


@in_models
class MyTuple(tuple):
    pass


@in_models
class MyBytes(bytes):
    pass


@in_models
class ViaNewobj:
    """__reduce__ naming copyreg.__newobj__: NEWOBJ at protocol 2+, a REDUCE of it before."""

    def __new__(cls, *args):
        return object.__new__(cls)

    def __reduce__(self):
        return (copyreg.__newobj__, (ViaNewobj, 1, "two"), {"s": 3})


@in_models
class Outer:
    class Inner:
        def __init__(self):
            self.v = 1


@in_models
class Ref:
    """Stored outside the pickle: pickled by persistent id."""

    def __init__(self, key):
        self.key = key


class RefPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Ref):
            return obj.key
        return None


# ---------------------------------------------------------------------------
# Recording


def _options_json(
    encoding=None, fix_imports=True, buffers=None, persistent=False, extensions=None, dicts_as_map=False
):
    options: dict = {}
    if encoding is not None:
        options["encoding"] = encoding
    if not fix_imports:
        options["fixImports"] = False
    if buffers is not None:
        options["buffers"] = [bytes(b).hex() for b in buffers]
    if persistent:
        options["persistentLoad"] = "echo"
    if extensions:
        options["extensions"] = [[code, m, n] for code, (m, n) in sorted(extensions.items())]
    if dicts_as_map:
        options["dicts"] = "map"
    return options


def add_pickle(
    name,
    protocol,
    data,
    *,
    original=MISSING,
    real=True,
    encoding=None,
    fix_imports=True,
    buffers=None,
    persistent=False,
    extensions=None,
    dicts_as_map=False,
):
    """Records one pickle; the expectation comes from model_loads (and equals describe(original))."""
    key = (name, protocol)
    if key in _seen:
        raise SystemExit(f"duplicate vector {name!r} protocol {protocol}")
    _seen.add(key)
    try:
        for _ in pickletools.genops(data):  # every vector is a well-formed pickle
            pass
    except UnicodeDecodeError:
        pass  # pickletools reads STRING arguments as ASCII; the loads below check those
    model = model_loads(
        data,
        fix_imports=fix_imports,
        encoding=encoding or "ASCII",
        buffers=buffers,
        persistent=persistent,
        extensions=extensions,
    )
    expect = describe(model, dicts_as_map)
    if original is not MISSING:
        if describe(original, dicts_as_map) != expect:
            raise SystemExit(f"{name} protocol {protocol}: description of the value and of the model differ")
    if real:
        kwargs: dict = {"fix_imports": fix_imports, "encoding": encoding or "ASCII"}
        if buffers is not None:
            kwargs["buffers"] = buffers
        if persistent:
            unpickler = pickle.Unpickler(io.BytesIO(data), **kwargs)
            unpickler.persistent_load = lambda pid: {"pid": pid}
            unpickler.load()
        else:
            pickle.loads(data, **kwargs)
    entry = {"name": name, "protocol": protocol, "pickle": data.hex(), "expect": expect}
    entry["options"] = _options_json(encoding, fix_imports, buffers, persistent, extensions, dicts_as_map)
    entries.append(entry)


def add_value(name, value, protocols=PROTOCOLS, *, original=True, real=True, dicts_as_map=False):
    """pickle.dumps(value, p) for each protocol p."""
    for p in protocols:
        data = pickle.dumps(value, p)
        add_pickle(
            name, p, data, original=value if original else MISSING, real=real, dicts_as_map=dicts_as_map
        )


def add_sequence(name, protocol, parts, *, values=None):
    """Several pickles in one buffer, as `pickle.dump(value, f)` called repeatedly writes
    them and `pickle.load(f)` called repeatedly reads them back (each with its own
    memo). `values` are what Python pickled, when known: they must match. The
    expectation describes the list of every loaded value."""
    key = (name, protocol)
    if key in _seen:
        raise SystemExit(f"duplicate vector {name!r} protocol {protocol}")
    _seen.add(key)
    data = b"".join(parts)
    ends = []
    offset = 0
    for part in parts:
        offset += len(part)
        ends.append(offset)
    loaded = model_load_all(data)
    if [end for _, end in loaded] != ends:
        raise SystemExit(f"{name}: positions {[e for _, e in loaded]} != {ends}")
    f = io.BytesIO(data)
    for end in ends:
        pickle.load(f)
        if f.tell() != end:
            raise SystemExit(f"{name}: pickle.load stopped at {f.tell()}, not {end}")
    expect = describe([value for value, _ in loaded])
    if values is not None and describe(list(values)) != expect:
        raise SystemExit(f"{name} protocol {protocol}: the loaded values differ from the pickled ones")
    entry = {"name": name, "protocol": protocol, "pickle": data.hex(), "expect": expect}
    entry["options"] = {}
    entry["ends"] = ends
    entries.append(entry)


# ---------------------------------------------------------------------------
# Atoms


def gen_atoms():
    add_value("None", None)
    add_value("True", True)
    add_value("False", False)
    add_value("bool vs int", [True, 1, False, 0, True])

    ints = [
        "0", "1", "-1", "127", "128", "255", "256", "-255", "-256", "-257", "32767", "32768",
        "65535", "65536", "-65535", "-65536", "2**31-1", "-2**31", "2**31", "-2**31-1", "2**32-1",
        "2**32", "-2**32", "2**53-1", "-(2**53-1)", "2**53", "-2**53", "2**53+1", "2**63-1", "2**63",
        "-2**63", "-2**63-1", "2**64-1", "2**64", "-2**64", "2**255*3", "-2**255*3",
        "2**(8*255-1)-1", "2**(8*255-1)", "-2**(8*255-1)", "-2**(8*255-1)-1", "2**3000", "-2**3000",
        "2**(8*300)", "-2**(8*300)", "10**100", "-10**100",
    ]  # fmt: skip
    for expr in ints:
        add_value(f"int {expr}", eval(expr))

    floats = [
        "0.0", "-0.0", "1.0", "-1.0", "0.1", "-1.5", "1e300", "-1e300", "5e-324", "2.2250738585072014e-308",
        "1.7976931348623157e308", "float('inf')", "float('-inf')", "float('nan')", "1e16", "1e21", "1e-7",
        "123456789.125", "2.0**53", "2.0**53+2", "2.0**70", "1/3", "100.0",
    ]  # fmt: skip
    for expr in floats:
        add_value(f"float {expr}", eval(expr))


def gen_strings():
    strings = {
        "empty": "",
        "a": "a",
        "ascii short": "hello world",
        "ascii 255": "x" * 255,
        "ascii 256": "y" * 256,
        "ascii 1000": "".join(chr(32 + i % 95) for i in range(1000)),
        "ascii 100000": "".join(chr(33 + (i * 7) % 94) for i in range(100_000)),
        "e-acute": "é",
        "latin-1": "café naïve ñ ß ÿ",
        "latin-1 all": "".join(chr(i) for i in range(256)),
        "cjk": "中文字符 日本語 한국어",
        "emoji": "😀 👍🏽 🏳️‍🌈",
        "astral max": "\U0010ffff",
        "bmp max": "\uffff",
        "lone high surrogate": "\ud800",
        "lone low surrogate inside": "a\udfffb",
        "surrogates as a pair": "\udbff\udfff",
        "reversed surrogates": "\udc00\ud800",
        "backslash": "C:\\users\\x",
        "backslash u": "\\u0041 \\U0001F600 \\x41",
        "newline": "a\nb",
        "cr": "a\rb\r\n",
        "quotes": "'\"' \"'\"",
        "nul": "a\x00b\x00",
        "ctrl-z": "a\x1ab",
        "controls": "".join(chr(i) for i in range(32)) + "\x7f",
        "c1 controls": "".join(chr(i) for i in range(0x80, 0xA0)),
        "mixed": "A é 中 😀 \\ \n \x00 \ud800",
        "bom": "\ufeffbom",
        "long non-ascii": "é中😀" * 5000,
    }
    for name, value in strings.items():
        add_value(f"str {name}", value)


def gen_bytes():
    values = {
        "empty": b"",
        "one": b"a",
        "short": b"abc",
        "all byte values": bytes(range(256)),
        "255": bytes(i % 251 for i in range(255)),
        "256": bytes(i % 253 for i in range(256)),
        "70000": bytes((i * 31) % 256 for i in range(70_000)),
        "high bytes": b"\x80\xff\xfe\x00",
    }
    for name, value in values.items():
        add_value(f"bytes {name}", value)
    for name in ("empty", "one", "all byte values", "256", "70000"):
        add_value(f"bytearray {name}", bytearray(values[name]))
    add_value("bytes and bytearray", [b"x", bytearray(b"x"), b"", bytearray()])


# ---------------------------------------------------------------------------
# Containers


def gen_containers():
    add_value("list empty", [])
    add_value("list 1", [1])
    add_value("list 2", [1, "a"])
    add_value("list 3", [1, "a", None])
    add_value("list mixed", [None, True, 1, 2.5, "s", b"b", [], (), {}])
    add_value("list nested", [[1, [2, [3, []]]], [[]]])
    add_value("list 2000", list(range(2000)))
    add_value("list 2000 strings", [f"s{i}" for i in range(2000)])
    add_value("list 1000", list(range(1000)))
    add_value("list 1001", list(range(1001)))

    add_value("tuple empty", ())
    add_value("tuple 1", (1,))
    add_value("tuple 2", (1, "a"))
    add_value("tuple 3", (1, "a", None))
    add_value("tuple 4", (1, "a", None, 2.5))
    add_value("tuple 5", (1, 2, 3, 4, 5))
    add_value("tuple nested", ((1, (2, (3, ()))), ((),), [()]))
    add_value("tuple in list", [(1, 2), (3,), ()])
    add_value("tuple 2000", tuple(range(2000)))

    add_value("dict empty", {})
    add_value("dict str keys", {"a": 1, "b": [2], "c": {"d": None}})
    add_value("dict str keys order", {"z": 1, "a": 2, "m": 3, "b": 4})
    add_value("dict int keys", {1: "a", 2: "b", -1: "c", 2**70: "big"})
    add_value("dict mixed keys", {"a": 1, 1: "a", 2.5: "f", None: "n", True: "t", b"k": "bytes"})
    add_value("dict index-like key 0", {"a": 1, "0": 2})
    add_value("dict index-like key 10", {"10": 1, "b": 2})
    add_value("dict index-like key 4294967294", {"4294967294": 1})
    add_value("dict key 4294967295", {"b": 1, "4294967295": 2, "a": 3})
    add_value("dict key 01", {"01": 1, "a": 2})
    add_value("dict key -1", {"-1": 1, "a": 2})
    add_value("dict key 1.5", {"1.5": 1})
    add_value("dict key 1e3", {"1e3": 1, " 1": 2, "1 ": 3, "+1": 4, "０": 5})
    add_value("dict key empty", {"": 1})
    add_value(
        "dict prototype keys",
        {"__proto__": {"polluted": True}, "constructor": 1, "prototype": 2, "hasOwnProperty": 3, "toString": 4},
    )
    add_value("dict __proto__ only", {"__proto__": [1]})
    add_value("dict __proto__ in map", {"__proto__": 1, 5: 2})
    add_value("dict tuple keys", {(1, 2): "a", (): "empty", ("x", (3,)): "nested"})
    add_value("dict bytes keys", {b"a": 1, b"": 2})
    add_value("dict atom keys", {None: 0, True: 1, False: 2, 1.5: 3, -0.0: 4, float("inf"): 5})
    add_value("dict frozenset key", {frozenset({1, 2}): "fs"})
    add_value("dict 2000 str", {f"k{i}": i for i in range(2000)})
    add_value("dict 2000 int", {i: str(i) for i in range(2000)})
    add_value("dict nested", {"a": {"b": {"c": [1, {"d": ()}]}}, 1: {2: {}}})

    add_value("set empty", set())
    add_value("set ints", {1, 2, 3})
    add_value("set mixed", {1, "a", b"x", (1, 2), None, 2.5, frozenset({3})})
    add_value("set 2000", set(range(2000)))
    add_value("set big ints", {2**64, -(2**70), 2**53})
    add_value("frozenset empty", frozenset())
    add_value("frozenset mixed", frozenset({1, "a", b"x", (1, 2), None}))
    add_value("frozenset 2000", frozenset(range(2000)))
    add_value("set of frozensets", {frozenset(), frozenset({1}), frozenset({"a", "b"})})
    add_value("dicts option map", {"a": 1, "b": {"c": [{}]}}, dicts_as_map=True)
    add_value("nested containers", {"l": [{"s": {1, 2}, "t": (frozenset({"x"}),)}], 0: [[[{}]]]})


def deep_list(n):
    v: list = []
    for _ in range(n - 1):
        v = [v]
    return v


def deep_dict(n):
    v: dict = {}
    for _ in range(n - 1):
        v = {"k": v}
    return v


def deep_tuple(n):
    v: tuple = ()
    for _ in range(n - 1):
        v = (v,)
    return v


def gen_deep():
    add_value("deep list 10000", deep_list(10_000))
    add_value("deep dict 5000", deep_dict(5_000))
    add_value("deep tuple 5000", deep_tuple(5_000))
    # Deeper than CPython's pickler goes by default: assembled by hand.
    n = 50_000
    add_pickle("deep list 50000 (hand-made)", 2, b"\x80\x02" + b"]" * n + b"a" * (n - 1) + b".")
    n = 20_000
    add_pickle(
        "deep dict 20000 (hand-made)",
        2,
        b"\x80\x02}" + b"X\x01\x00\x00\x00k}" * (n - 1) + b"s" * (n - 1) + b".",
        original=deep_dict(n),
    )
    add_pickle("deep tuple 20000 (hand-made)", 2, b"\x80\x02)" + b"\x85" * (n - 1) + b".", original=deep_tuple(n))
    add_pickle(
        "deep list 20000 protocol 0 (hand-made)",
        0,
        b"(l" * n + b"a" * (n - 1) + b".",
        original=deep_list(n),
    )


# ---------------------------------------------------------------------------
# Shared references and cycles


def gen_shared():
    shared = [1]
    add_value("shared list", [shared, shared])
    loop: list = [1]
    loop.append(loop)
    add_value("list containing itself", loop)
    d: dict = {}
    d["self"] = d
    add_value("dict containing itself", d)
    d = {}
    d["a"] = [d]
    d[1] = 2
    add_value("dict cycle before int key", d)
    d = {}
    d[1] = (d,)
    add_value("dict in its own tuple", d)
    d = {}
    d["x"] = (d,)
    d["y"] = d
    add_value("str-key dict in its own tuple", d)
    t = (1, 2)
    fs = frozenset({3})
    add_value("set with shared tuples", [{(t, "a"), (t, "b"), fs, (fs,)}, t, fs])
    t2: tuple = ([],)
    t2[0].append(t2)
    add_value("recursive tuple via list", t2)
    add_value("recursive tuple via list, referenced twice", [t2, t2])
    inner = ["x"]
    t3 = (inner, inner)
    add_value("tuple with shared list, shared", [t3, t3, inner])
    b = b"shared bytes"
    ba = bytearray(b"shared bytearray")
    add_value("shared bytes and bytearray", [b, b, ba, ba])
    e = b""
    add_value("shared empty bytes", [e, e])
    c = complex(1, 2)
    add_value("shared complex", [c, c])
    s = {1, 2}
    f = frozenset({1, 2})
    add_value("shared set and frozenset", [s, s, f, f, {"s": s}])
    m: dict = {}
    add_value("shared dict as value and in map", {"a": m, "b": m, "c": {1: m}})
    lists = [[i] for i in range(300)]
    add_value("memo beyond 256", lists + lists[::-1])
    strings = [f"string {i}" for i in range(300)]
    add_value("shared strings beyond 256", strings + strings)
    cyc_a: list = []
    cyc_b: list = [cyc_a]
    cyc_a.append(cyc_b)
    add_value("two-list cycle", [cyc_a, cyc_b])
    d = {}
    lst = [d]
    d["l"] = lst
    d[(1,)] = lst
    add_value("map cycle through list", lst)


# ---------------------------------------------------------------------------
# A dict that gets a non-str key after something already holds it: brine has to
# turn it into a Map, and every place that holds it must see the Map.


@in_models
class Holder:
    """Pickled as make_thing(value): the value sits in the PyObject's args."""

    def __init__(self, value):
        self.value = value

    def __reduce__(self):
        return (make_thing, (self.value,))


class PidPickler(pickle.Pickler):
    """Persistent ids that carry an object of the pickle."""

    def persistent_id(self, obj):
        if isinstance(obj, Ref):
            return ("ref", obj.key)
        return None


def gen_dict_conversion():
    def late_int_key(hold):
        d: dict = {}
        d["held"] = hold(d)
        d[1] = "int key"
        return d

    cases = {
        "in a list": lambda d: [d],
        "in a tuple": lambda d: (d, 0),
        "in a tuple in a list in a tuple": lambda d: ([(d,)],),
        "in a tuple with a frozenset": lambda d: (frozenset({1}), d),
        "in a str-key dict": lambda d: {"d": d},
        "in a map": lambda d: {2: d},
        "in a slice": lambda d: slice(d, 1, None),
        "in instance args": lambda d: Holder(d),
        "in instance state": lambda d: Point(d, None),
        "in list subclass items": lambda d: MyList([d]),
        "in dict subclass items": lambda d: MyDict({"d": d, 3: [d]}),
        "twice": lambda d: [d, (d,), {"again": d}],
    }
    for name, hold in cases.items():
        value = late_int_key(hold)
        inert = type(value["held"]) in (Holder, Point, MyList, MyDict)
        add_value(f"dict becomes a Map after use {name}", value, original=not inert)
    d: dict = {}
    d["deep"] = [d]
    for _ in range(5000):
        d["deep"] = [d["deep"]]
    d[1] = "int key"
    add_value("dict becomes a Map after use 5000 levels down", d, range(2, 6))
    # The dict is inside a persistent id, handed to persistentLoad before it becomes a Map.
    d = {}
    d["ref"] = Ref(d)
    d[1] = "int key"
    for p in range(1, 6):
        f = io.BytesIO()
        PidPickler(f, p).dump(d)
        add_pickle("dict becomes a Map after use in a persistent id", p, f.getvalue(), persistent=True)


# ---------------------------------------------------------------------------
# Opcodes CPython's pickler does not write but its unpickler reads


def gen_unusual_opcodes():
    shared: list = []
    hand = [
        ("DUP", 2, b"\x80\x02]2\x86.", (shared, shared)),
        ("POP", 2, b"\x80\x02K\x01K\x020.", 1),
        ("POP_MARK", 1, b"K\x01(K\x02K\x031.", 1),
        ("LIST and TUPLE with MARK", 1, b"(K\x01(K\x02tl.", [1, (2,)]),
        ("DICT with MARK", 1, b"(X\x01\x00\x00\x00aK\x01K\x02K\x03d.", {"a": 1, 2: 3}),
        ("APPEND one by one", 2, b"\x80\x02]K\x01aK\x02a.", [1, 2]),
        ("SETITEM one by one", 2, b"\x80\x02}X\x01\x00\x00\x00aK\x01sK\x02K\x03s.", {"a": 1, 2: 3}),
        ("EMPTY_SET and ADDITEMS twice", 4, b"\x80\x04\x8f(K\x01\x90(K\x02K\x01\x90.", {1, 2}),
        ("BINUNICODE8", 4, b"\x80\x04\x8d\x03\x00\x00\x00\x00\x00\x00\x00abc.", "abc"),
        ("BINBYTES8", 4, b"\x80\x04\x8e\x02\x00\x00\x00\x00\x00\x00\x00\xff\x00.", b"\xff\x00"),
        ("BYTEARRAY8 empty", 5, b"\x80\x05\x96\x00\x00\x00\x00\x00\x00\x00\x00.", bytearray()),
        ("LONG1 empty is 0", 2, b"\x80\x02\x8a\x00.", 0),
        ("LONG1 -1", 2, b"\x80\x02\x8a\x01\xff.", -1),
        ("LONG4 small", 2, b"\x80\x02\x8b\x02\x00\x00\x00\x00\x80.", -(2**15)),
        ("LONG without L", 0, b"L12345678901234567890\n.", 12345678901234567890),
        ("INT big", 0, b"I12345678901234567890\n.", 12345678901234567890),
        ("INT signed", 0, b"(lI+5\naI-0\na.", [5, 0]),
        ("FLOAT forms", 0, b"(lF1\naF-2.5E3\naF.5\naF1e-400\na.", [1.0, -2500.0, 0.5, 0.0]),
        ("BINFLOAT -0.0", 1, b"G\x80\x00\x00\x00\x00\x00\x00\x00.", -0.0),
        ("GET of a PUT with a large id", 0, b"(lp99999\nI1\nag99999\na.", MISSING),
        ("MEMOIZE then LONG_BINGET", 4, b"\x80\x04]\x94j\x00\x00\x00\x00\x86.", MISSING),
        (
            "FRAME around part of the pickle",
            4,
            b"\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00](\x95\x03\x00\x00\x00\x00\x00\x00\x00K\x01e.",
            [1],
        ),
        ("PROTO 5 without FRAME", 5, b"\x80\x05K\x07.", 7),
        ("no PROTO at protocol 2 opcodes", None, b"K\x01K\x02\x86.", (1, 2)),
        ("STOP right after PROTO value", 3, b"\x80\x03N.", None),
    ]
    for name, protocol, data, original in hand:
        add_pickle(f"opcode {name} (hand-made)", protocol, data, original=original)
    many = [f"item {i}" for i in range(20_000)]
    add_value("list of 20000 strings across frames", many, [4, 5])


# ---------------------------------------------------------------------------
# Builtins brine reconstructs


def gen_builtins():
    add_value("complex 1+2j", complex(1, 2))
    add_value("complex -0.0 nan", complex(-0.0, float("nan")))
    add_value("complex 0j", 0j)
    add_value("complex inf", complex(float("inf"), -1e300))
    add_value("slice 1 2 3", slice(1, 2, 3))
    add_value("slice None 5 None", slice(None, 5, None))
    add_value("slice objects", slice("a", [1], (2,)))
    add_value("slice bigint", slice(-(2**70), 2**64, None))
    add_value("range 0 10 2", range(0, 10, 2))
    add_value("range 10", range(10))
    add_value("range 2**70", range(2**70))
    add_value("range negative step", range(5, -5, -3))
    add_value("range bigint bounds", range(-(2**64), 2**64, 2**60))
    add_value("builtins in a list", [complex(1, 2), slice(3), range(4), {5}, frozenset({6}), b"7", bytearray(b"8")])


# ---------------------------------------------------------------------------
# Globals and instances brine keeps inert


def gen_inert():
    add_value("global OrderedDict class", collections.OrderedDict, original=False)
    add_value("global os.path.join", os.path.join, original=False)
    add_value("global myapp class", Point, original=False)
    add_value("global function", make_thing, original=False)
    add_value("global set class", set, original=False)
    add_value("global nested class", Outer.Inner, original=False)
    add_value("global same class twice", [Point, Point, Reduced], original=False)

    add_value("instance __dict__", Point(1, "two"), original=False)
    p = Point(1, 2)
    add_value("instance shared", [p, p, {"p": p}], original=False)
    cyc = Point(None, None)
    cyc.x = cyc
    cyc.y = [cyc]
    add_value("instance cycle", cyc, original=False)
    s = Slotted()
    s.a = 1
    s.b = [2]
    add_value("instance __slots__", s, range(2, 6), original=False)
    sd = SlottedWithDict()
    sd.a = "slot"
    sd.extra = "dict"
    add_value("instance __slots__ and __dict__", sd, range(2, 6), original=False)
    add_value("instance __reduce__", Reduced(), original=False)
    add_value("instance __reduce__ everything", ReducedEverything(), original=False)
    add_value("instance __getnewargs_ex__", NewArgsEx(5, flag=True), original=False)
    add_value("instance __getnewargs__ shared args", Pair("a", [1]), range(2, 6), original=False)
    ml = MyList([1, 2, 3])
    ml.attr = "x"
    add_value("list subclass", ml, original=False)
    add_value("list subclass 2000", MyList(range(2000)), original=False)
    md = MyDict({"a": 1, 2: "b"})
    md.attr = "y"
    add_value("dict subclass", md, original=False)
    add_value("set subclass", MySet({1, 2}), original=False)
    add_value("str subclass", MyStr("text"), original=False)
    add_value("int subclass", MyInt(2**70), original=False)
    add_value("float subclass", MyFloat(-0.0), original=False)
    add_value("tuple subclass", MyTuple((1, [2])), original=False)
    add_value("bytes subclass", MyBytes(b"\x00\xff"), original=False)
    add_value("instance via copyreg.__newobj__", ViaNewobj(), original=False)
    add_value("nested class instance", Outer.Inner(), original=False)
    add_value("OrderedDict instance", collections.OrderedDict([("a", 1), (2, "b")]), original=False)
    add_value("object instance", object(), original=False)
    add_value("exception instance", ValueError("bad", 42), original=False)
    add_value("instances in containers", {"points": [Point(1, 2), Point(3, 4)], 1: (Reduced(),)}, original=False)

    # ADDITEMS on an object that is not a set: Python never writes it, brine keeps the items.
    data = b"\x80\x04\x8c\x0cmyapp.models\x94\x8c\x05MySet\x94\x93\x94)\x81\x94(K\x01\x8c\x01a\x94\x90."
    add_pickle("ADDITEMS on an instance (hand-made)", 4, data, real=False)


def gen_persistent():
    values = {
        "str pid": [Ref("alpha"), "plain", Ref("beta")],
        "tuple pid": [Ref(("table", 42)), Ref(("table", 42))],
        "int pid": Ref(7),
    }
    for name, value in values.items():
        for p in PROTOCOLS:
            if p == 0 and name != "str pid":
                continue  # protocol 0 persistent ids are ASCII strings
            f = io.BytesIO()
            RefPickler(f, p).dump(value)
            add_pickle(f"persistent id {name}", p, f.getvalue(), persistent=True)


def gen_out_of_band():
    def dumps_oob(value):
        buffers: list = []
        data = pickle.dumps(value, 5, buffer_callback=lambda b: buffers.append(b.raw().tobytes()) or False)
        return data, buffers

    cases = {
        "readonly": pickle.PickleBuffer(b"abc"),
        "writable": pickle.PickleBuffer(bytearray(b"xyz")),
        "several": [pickle.PickleBuffer(b"one"), pickle.PickleBuffer(bytearray(b"two")), pickle.PickleBuffer(b"")],
        "empty": pickle.PickleBuffer(b""),
    }
    for name, value in cases.items():
        data, buffers = dumps_oob(value)
        add_pickle(f"out-of-band {name}", 5, data, buffers=buffers)
    # In-band: without a buffer_callback the data is written as bytes (read-only) or bytearray.
    add_value("in-band PickleBuffer readonly", pickle.PickleBuffer(b"in band"), [5], original=False)
    add_value("in-band PickleBuffer writable", pickle.PickleBuffer(bytearray(b"in band")), [5], original=False)


def gen_extensions():
    registered = {
        240: ("myapp.models", "Point"),  # EXT1
        0x1234: ("myapp.models", "Reduced"),  # EXT2
        0x123456: ("collections", "OrderedDict"),  # EXT4
    }
    for code, (module, name) in registered.items():
        copyreg.add_extension(module, name, code)
    try:
        value = [Point(1, 2), Reduced, collections.OrderedDict]
        for p in range(2, 6):
            add_pickle("extension codes", p, pickle.dumps(value, p), extensions=registered)
    finally:
        for code, (module, name) in registered.items():
            copyreg.remove_extension(module, name, code)


# ---------------------------------------------------------------------------
# Python 2 pickles, assembled by hand
#
# These are the bytes Python 2.7's pickle wrote: `str` (a byte string) as STRING
# (protocol 0, repr-quoted), SHORT_BINSTRING / BINSTRING (protocols 1 and 2);
# `unicode` as UNICODE / BINUNICODE; `long` as LONG ('L' suffix) or LONG1;
# bool at protocol 0/1 as INT 'I01' / 'I00'; modules under their Python 2 names
# (__builtin__, copy_reg, exceptions); old-style class instances with INST
# (protocol 0) or OBJ (protocol 1).


PY2 = [
    # name, protocol, bytes, encodings to load it with
    ("py2 str", 0, b"S'abc'\np0\n.", ["ASCII", "latin1", "bytes"]),
    ("py2 str escapes", 0, b"S'a\\nb\\\\c\\'d\\x00'\np0\n.", ["ASCII", "latin1", "bytes"]),
    ("py2 str double quotes", 0, b"S\"it's\"\np0\n.", ["ASCII", "bytes"]),
    ("py2 str latin-1", 0, b"S'caf\\xe9'\np0\n.", ["latin1", "bytes"]),
    ("py2 str utf-8", 1, b"U\x05caf\xc3\xa9q\x00.", ["utf-8", "latin1", "bytes"]),
    ("py2 str koi8-r", 1, b"U\x03\xf0\xd2\xc9q\x00.", ["koi8-r", "bytes"]),
    ("py2 str and unicode", 0, b"(lp0\nS'abc'\np1\naVcaf\xe9\np2\nag1\na.", ["ASCII", "latin1", "bytes"]),
    ("py2 unicode escapes", 0, b"V\\u20ac \\U0001f600 \xe9\np0\n.", ["ASCII"]),
    ("py2 short_binstring", 1, b"U\x03abcq\x00.", ["ASCII", "latin1", "bytes"]),
    ("py2 short_binstring latin-1", 2, b"\x80\x02U\x04caf\xe9q\x00.", ["latin1", "bytes"]),
    ("py2 binstring", 1, b"T\x00\x01\x00\x00" + b"x" * 256 + b"q\x00.", ["ASCII", "latin1", "bytes"]),
    ("py2 binstring empty", 2, b"\x80\x02T\x00\x00\x00\x00q\x00.", ["ASCII", "bytes"]),
    ("py2 long", 0, b"(lp0\nL123L\naL-99999999999999999999L\naL0L\na.", ["ASCII"]),
    ("py2 int", 0, b"(lp0\nI42\naI-7\naI9999999999\na.", ["ASCII"]),
    ("py2 bool", 0, b"(lp0\nI01\naI00\na.", ["ASCII"]),
    ("py2 bool protocol 1", 1, b"]q\x00(I01\nI00\ne.", ["ASCII"]),
    ("py2 long1", 2, b"\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", ["ASCII"]),
    ("py2 float", 0, b"(lp0\nF0.10000000000000001\naF-0.0\naF1e+300\naFnan\naFinf\na.", ["ASCII"]),
    (
        "py2 dict with str keys",
        2,
        b"\x80\x02}q\x00(U\x01aq\x01K\x01U\x01bq\x02K\x02u.",
        ["ASCII", "latin1", "bytes"],
    ),
    ("py2 set", 2, b"\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01U\x01aq\x02e\x85q\x03Rq\x04.", ["ASCII", "bytes"]),
    ("py2 set protocol 0", 0, b"c__builtin__\nset\np0\n((lp1\nI1\naS'a'\np2\natp3\nRp4\n.", ["ASCII"]),
    ("py2 frozenset", 2, b"\x80\x02c__builtin__\nfrozenset\nq\x00]q\x01K\x01a\x85q\x02Rq\x03.", ["ASCII"]),
    ("py2 xrange", 2, b"\x80\x02c__builtin__\nxrange\nq\x00K\x00K\x05K\x01\x87q\x01Rq\x02.", ["ASCII"]),
    (
        "py2 complex",
        2,
        b"\x80\x02c__builtin__\ncomplex\nq\x00G?\xf0\x00\x00\x00\x00\x00\x00G@\x00\x00\x00\x00\x00\x00\x00\x86q\x01Rq\x02.",
        ["ASCII"],
    ),
    ("py2 exception", 2, b"\x80\x02cexceptions\nValueError\nq\x00U\x03badq\x01\x85q\x02Rq\x03.", ["ASCII", "bytes"]),
    ("py2 UserDict module", 0, b"cUserDict\nUserDict\np0\n.", ["ASCII"]),
    (
        "py2 copy_reg _reconstructor",
        0,
        b"ccopy_reg\n_reconstructor\np0\n(cmyapp.models\nPoint\np1\nc__builtin__\nobject\np2\nNtp3\nRp4\n"
        b"(dp5\nS'x'\np6\nI1\nsS'y'\np7\nI2\nsb.",
        ["ASCII", "latin1", "bytes"],
    ),
    (
        "py2 new-style instance",
        2,
        b"\x80\x02cmyapp.models\nPoint\nq\x00)\x81q\x01}q\x02(U\x01xq\x03K\x01U\x01yq\x04K\x02ub.",
        ["ASCII", "bytes"],
    ),
    (
        "py2 old-style instance INST",
        0,
        b"(imyapp.models\nPoint\np0\n(dp1\nS'x'\np2\nI1\nsS'y'\np3\nS'two'\np4\nsb.",
        ["ASCII", "latin1", "bytes"],
    ),
    (
        "py2 old-style instance INST with args",
        0,
        b"(I1\nS'a'\np0\nimyapp.models\nmake_thing\np1\n.",
        ["ASCII"],
    ),
    (
        "py2 old-style instance OBJ",
        1,
        b"(cmyapp.models\nPoint\nq\x00oq\x01}q\x02(U\x01xq\x03K\x01U\x01yq\x04K\x02ub.",
        ["ASCII", "bytes"],
    ),
    (
        "py2 old-style instance OBJ with args",
        1,
        b"(cmyapp.models\nmake_thing\nq\x00K\x01U\x01aq\x01oq\x02.",
        ["ASCII"],
    ),
]


def gen_python2():
    for name, protocol, data, encodings in PY2:
        for encoding in encodings:
            label = name if encoding == "ASCII" else f"{name} encoding {encoding}"
            add_pickle(label, protocol, data, encoding=encoding)
    # fix_imports off: the Python 2 names stay as they are, nothing is reconstructed.
    add_pickle("py2 set fixImports false", 2, PY2_SET, fix_imports=False, real=False)
    add_pickle("py2 xrange fixImports false", 2, PY2_XRANGE, fix_imports=False, real=False)
    # Protocol 3+ pickles are not mapped even with fix_imports.
    add_pickle(
        "__builtin__ name at protocol 3 is not mapped",
        3,
        b"\x80\x03c__builtin__\nset\nq\x00]q\x01K\x01a\x85q\x02Rq\x03.",
        real=False,
    )


PY2_SET = next(data for name, _, data, _ in PY2 if name == "py2 set")
PY2_XRANGE = next(data for name, _, data, _ in PY2 if name == "py2 xrange")


# ---------------------------------------------------------------------------
# Several pickles in one buffer, and bytes after STOP


def gen_sequences():
    values = [1, "two", [3, [3]], {"four": 4, 4: "four"}, None, (5,), b"six", 2**70]
    for p in PROTOCOLS:
        add_sequence("sequence", p, [pickle.dumps(v, p) for v in values], values=values)
    mixed_values = [{"p": p, "v": [p] * 3, "s": ["x", "x"]} for p in (0, 5, 2, 1, 4, 3)]
    mixed = [pickle.dumps(v, v["p"]) for v in mixed_values]
    add_sequence("sequence of mixed protocols", None, mixed, values=mixed_values)
    add_sequence("sequence of one", 5, [pickle.dumps("only", 5)])

    garbage = {"garbage": b"garbage\x00\xff", "another pickle": pickle.dumps([1, 2], 2), "STOP": b"."}
    for p in PROTOCOLS:
        for what, tail in garbage.items():
            value = {"k": [1, 2.5]}
            add_pickle(f"trailing {what}", p, pickle.dumps(value, p) + tail, original=value)


# ---------------------------------------------------------------------------
# test.pickletester's constants


def gen_pickletester():
    try:
        import test.pickletester as pt
    except ImportError:
        print("test.pickletester is not available: skipping its vectors", file=sys.stderr)
        return
    names = [n for n in dir(pt) if n.startswith("DATA") and isinstance(getattr(pt, n), bytes)]
    expected_copy = pt.create_data()
    for n in sorted(names):
        data = getattr(pt, n)
        protocol = max(op.proto for op, _, _ in pickletools.genops(data))
        if n in ("DATA0", "DATA1", "DATA2", "DATA3", "DATA4"):
            loaded = pickle.loads(data)
            if loaded != expected_copy:
                raise SystemExit(f"pickletester {n} does not load to create_data()")
        add_pickle(f"pickletester {n}", protocol, data)


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    gen_atoms()
    gen_strings()
    gen_bytes()
    gen_containers()
    gen_deep()
    gen_shared()
    gen_dict_conversion()
    gen_unusual_opcodes()
    gen_builtins()
    gen_inert()
    gen_persistent()
    gen_out_of_band()
    gen_extensions()
    gen_python2()
    gen_sequences()
    gen_pickletester()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = f"{out}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("[\n")
        for i, entry in enumerate(entries):
            f.write(to_json(entry))
            f.write(",\n" if i + 1 < len(entries) else "\n")
        f.write("]\n")
    os.replace(tmp, out)
    print(f"{len(entries)} vectors -> {os.path.relpath(out, ROOT)}")


if __name__ == "__main__":
    run_deep(main)
