#!/usr/bin/env python3
"""Writes the byte-identity corpus of test/exact-corpus.test.ts: pickles CPython wrote, which
`loads(data, { exact: true })` then `dumps(value, { protocol })` must give back byte for byte.

    python3 scripts/gen-exact-corpus.py stdlib          # CPython with the standard library only
    /usr/bin/python3 scripts/gen-exact-corpus.py stdlib-debian
    /usr/bin/python3 scripts/gen-exact-corpus.py sci    # numpy, pandas, scikit-learn

Each group is written to test/fixtures/exact-corpus/<group>.json.gz:
    {"python": sys.version, "libraries": {...}, "cases": [{"name": str, "protocol": int,
     "pickle": base64, "enums"?: [[class name, value, name], ...]}, ...]}
("enums": the enum members and Flag values in the value, in order, as Python computed them.)
Every value is pickled at every protocol 0-5 (protocols a library cannot use are left out and
listed in "skipped"). The values are deterministic (fixed seeds), so running the script again
gives the same pickles apart from set orders of str items (str hashes are randomised per process:
the script sets PYTHONHASHSEED=0 by re-executing itself when it is not set).
The "stdlib-debian" group is the same stdlib values pickled by Debian's CPython 3.11.2, which
writes enum members as getattr(cls, name) (3.11.7 writes cls(value)).
"""

import base64
import gzip
import json
import os
import pickle
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "exact-corpus")
PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


# ---------------------------------------------------------------------------
# Classes pickled by reference (module __main__): brine keeps them inert.

import collections  # noqa: E402
import dataclasses  # noqa: E402
import enum  # noqa: E402


class Plain:
    def __init__(self, a=1, b="two"):
        self.a = a
        self.b = b

    def method(self):
        return self.a

    @classmethod
    def make(cls):
        return cls()

    @staticmethod
    def helper():
        return 0

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)


class Slotted:
    __slots__ = ("x", "y")

    def __init__(self, x=0, y=None):
        self.x = x
        self.y = y


class WithState:
    def __init__(self, data):
        self.data = data

    def __getstate__(self):
        return {"data": self.data, "version": 2}

    def __setstate__(self, state):
        self.data = state["data"]


class WithReduce:
    def __init__(self, *args):
        self.args = args

    def __reduce__(self):
        return (WithReduce, self.args)


class WithNewArgs:
    def __new__(cls, a, b=0):
        self = object.__new__(cls)
        self.a, self.b = a, b
        return self

    def __getnewargs__(self):
        return (self.a, self.b)


class WithNewArgsEx:
    def __new__(cls, a, *, key=None):
        self = object.__new__(cls)
        self.a, self.key = a, key
        return self

    def __getnewargs_ex__(self):
        return (self.a,), {"key": self.key}


class Outer:
    class Inner:
        def __init__(self, v=3):
            self.v = v

    class Deeper:
        class Deepest:
            pass


class MyList(list):
    pass


class MyDict(dict):
    pass


class Color(enum.Enum):
    RED = 1
    GREEN = 2
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 10
    HIGH = 20


class Perm(enum.IntFlag):
    R = 4
    W = 2
    X = 1


class Shape(enum.Flag):
    ROUND = enum.auto()
    SQUARE = enum.auto()


class Mode(enum.Flag):
    R = 4
    W = 2
    X = 1
    RW = 6


@dataclasses.dataclass
class Point:
    x: float
    y: float
    label: str = "p"


@dataclasses.dataclass(frozen=True)
class Frozen:
    key: str
    value: int


Pair = collections.namedtuple("Pair", "left right")


def module_function():
    return None


# ---------------------------------------------------------------------------
# Values


class Rng:
    """A small deterministic generator (the same on every CPython)."""

    def __init__(self, seed):
        self.state = seed * 2654435761 % 2**32 or 1

    def next(self):
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        return x

    def below(self, n):
        return self.next() % n

    def choice(self, items):
        return items[self.below(len(items))]


WORDS = "alpha beta gamma delta status active inactive name id value key user email city label".split()


def fresh(text):
    """A str object of its own, equal to `text` (CPython would share a literal)."""
    return "".join(list(text))


def random_value(rng, depth, pool):
    kind = rng.below(14 if depth < 4 else 8)
    if kind == 0:
        return rng.below(1000) - 500
    if kind == 1:
        return rng.choice([0, 1, 255, 256, 65535, 65536, 2**31 - 1, -(2**31), 2**40, 2**63, -(2**70), 10**30])
    if kind == 2:
        return rng.choice([0.5, -1.25, 1.0, 0.0, -0.0, 1e300, 3.141592653589793, float("inf"), 2.0])
    if kind == 3:
        # a shared str object (memoized once), or a distinct equal one
        word = rng.choice(WORDS)
        if rng.below(2):
            pool.setdefault(word, word)
            return pool[word]
        return fresh(word)
    if kind == 4:
        return rng.choice([None, True, False, b"", b"x", b"bytes\x00\xff", bytearray(b"ab")])
    if kind == 5:
        return fresh(rng.choice(WORDS) * (1 + rng.below(40)))
    if kind == 6:
        return rng.choice(["", "é", "日本語", "😀", "a\u0000b", "\u20ac" * 3, "x" * 300])
    if kind == 7:
        return pool.setdefault("shared-list", [1, 2, 3])
    n = rng.below(6)
    if kind in (8, 9):
        return [random_value(rng, depth + 1, pool) for _ in range(n)]
    if kind == 10:
        return tuple(random_value(rng, depth + 1, pool) for _ in range(n))
    if kind in (11, 12):
        out = {}
        for _ in range(n):
            key = rng.choice(WORDS)
            out[fresh(key) if rng.below(2) else key] = random_value(rng, depth + 1, pool)
        return out
    return {rng.below(50) for _ in range(n)} if rng.below(2) else frozenset(rng.choice(WORDS) for _ in range(n))


def records(n, seed):
    """Rows as a parser makes them: every row its own str objects, keys shared by the header."""
    rng = Rng(seed)
    header = "id,name,status,city".split(",")
    rows = []
    for i in range(n):
        line = f"{i},{rng.choice(WORDS)},{rng.choice(['active', 'inactive'])},{rng.choice(['Paris', 'Oslo'])}"
        rows.append(dict(zip(header, line.split(","))))
    return rows


def split_keys(n):
    """Dicts whose keys are split again for each record: equal keys, distinct objects."""
    return [dict(zip("a b c".split(), range(i, i + 3))) for i in range(n)]


def stdlib_values():
    import array
    import datetime
    import decimal
    import fractions
    import ipaddress
    import pathlib
    import re
    import types
    import uuid

    values = {}

    def add(name, value):
        assert name not in values, name
        values[name] = value

    # scalars
    for v in [None, True, False, 0, 1, -1, 255, 256, 65535, 65536, -65536, 2**31 - 1, -(2**31), 2**31, 2**63, -(2**63) - 1, 2**64, 10**100, -(10**100)]:
        add(f"int {v!r}", v)
    for v in [0.0, -0.0, 1.0, -1.0, 2.0, 0.1, 1e100, 1e-300, 5e-324, float("inf"), float("-inf"), float("nan"), 3.141592653589793, 1e16, 123456789.0]:
        add(f"float {v!r}", v)
    for v in [1j, 1 + 2j, complex(0.5, -0.0)]:
        add(f"complex {v!r}", v)
    # strings
    for name, s in [
        ("empty", ""),
        ("ascii", "hello"),
        ("latin1", "café"),
        ("bmp", "日本語テキスト"),
        ("astral", "😀🎉"),
        ("control", "a\nb\rc\td\x00e\\f"),
        ("long", "x" * 300),
        ("long unicode", "é" * 200),
        ("lone high surrogate", "\ud800"),
        ("lone low surrogate", "\udc00x"),
        ("low then high", "\udc00\ud800"),
        ("surrogate pair", "\ud83d\ude00"),
        ("surrogate pair and astral", "\ud83d\ude00😀"),
        ("two surrogate pairs", "a\udbff\udfffb\ud800\udc00"),
        ("backslash u", "\\u0041\\U00000041"),
    ]:
        add(f"str {name}", s)
    add("str list pair and astral", ["\ud83d\ude00", "😀", "\ud83d\ude00"])
    # bytes
    for name, b in [("empty", b""), ("one", b"x"), ("short", b"abc\x00\xff"), ("long", bytes(range(256)) * 2)]:
        add(f"bytes {name}", b)
        add(f"bytearray {name}", bytearray(b))
    add("bytes twice", [b"ab", b"ab", b"x", b"x"])
    # containers
    add("empty list", [])
    add("empty tuple", ())
    add("empty dict", {})
    add("empty set", set())
    add("empty frozenset", frozenset())
    for n in range(1, 6):
        add(f"tuple of {n}", tuple(range(n)))
    add("list 1000", list(range(1000)))
    add("list 1001", list(range(1001)))
    add("list 2500", [i % 7 for i in range(2500)])
    add("dict 1000", {i: i for i in range(1000)})
    add("dict 1001", {str(i): i for i in range(1001)})
    add("set 1500", set(range(1500)))
    add("frozenset of ints", frozenset(range(20)))
    add("nested", {"a": [1, (2, 3), {"b": {4, 5}}], "c": ("d", ["e", ("f",)])})
    add("int keys dict", {10: "a", 2: "b", -1: "c"})
    add("tuple keys dict", {(1, 2): "a", (3, "x"): [1]})
    add("mixed keys", {1: "a", "1": "b", 1.5: "c", None: "d", b"k": "e", (): "f"})
    shared = [1, 2]
    add("shared list", [shared, shared, (shared,)])
    recursive = [1]
    recursive.append(recursive)
    add("recursive list", recursive)
    rd = {}
    rd["self"] = rd
    add("recursive dict", rd)
    t_inner = []
    t = (t_inner,)
    t_inner.append(t)
    add("recursive tuple", t)
    add("deep list", [[[[[[[[[["deep"]]]]]]]]]])
    # strings: shared and distinct objects
    word = "status"
    add("str shared object", [word, word, word])
    add("str distinct objects", [fresh("status"), fresh("status"), fresh("status")])
    add("str mixed identity", [word, fresh("status"), word, fresh("status")])
    add("json records", json.loads('[{"status": "active", "n": 1}, {"status": "active", "n": 2}, {"status": "done", "n": 3}]'))
    add("json values", json.loads('{"a": "same", "b": "same", "c": ["same", "same"]}'))
    add("csv-like rows", records(20, 1))
    add("split keys", split_keys(30))
    add("split words", "the cat and the hat and the bat".split())
    add("str as key and value", {fresh("k"): "k", "k2": fresh("k2")})
    add("distinct equal long str", [fresh("x" * 300), fresh("x" * 300)])
    add("interned and not", ["name", fresh("name"), "name"])
    # standard library types
    add("decimal", decimal.Decimal("3.14159"))
    add("decimal list", [decimal.Decimal("1.5"), decimal.Decimal("-0"), decimal.Decimal("NaN"), decimal.Decimal("1E+10")])
    add("fraction", fractions.Fraction(3, 7))
    add("date", datetime.date(2024, 2, 29))
    add("time", datetime.time(12, 30, 15, 500))
    add("time fold", datetime.time(1, 30, fold=1))
    add("datetime", datetime.datetime(2020, 1, 2, 3, 4, 5, 678))
    add("datetime utc", datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc))
    add("datetime offset", datetime.datetime(2020, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=-5), "EST")))
    add("timedelta", datetime.timedelta(days=-1, seconds=5, microseconds=7))
    add("dates list", [datetime.date(2020, 1, d) for d in range(1, 6)])
    add("datetime and date", [datetime.datetime(2021, 5, 5), datetime.date(2021, 5, 5), datetime.time(), datetime.timedelta(0)])
    add("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678"))
    add("ordered dict", collections.OrderedDict([("b", 1), ("a", 2)]))
    add("deque", collections.deque([1, 2, 3], maxlen=5))
    add("deque unbounded", collections.deque("abc"))
    add("defaultdict", collections.defaultdict(list, {"a": [1]}))
    add("counter", collections.Counter("mississippi"))
    add("namedtuple", Pair(1, "two"))
    add("namedtuples", [Pair(i, fresh("r")) for i in range(3)])
    add("range", range(1, 10, 2))
    add("slice", slice(1, None, 2))
    add("ellipsis", ...)
    add("not implemented", NotImplemented)
    add("types", [int, str, dict, list, tuple, set, frozenset, bytes, bytearray, object, type, complex, float, bool])
    add("type None", type(None))
    add("builtin functions", [len, print, sorted, getattr, max])
    add("stdlib functions", [os.path.join, json.dumps, collections.namedtuple])
    add("builtin method of class", [dict.fromkeys, int.from_bytes])
    add("method descriptor", [str.upper, list.append])
    add("regex", re.compile(r"\d+", re.I))
    add("regex bytes", re.compile(rb"a.b", re.S))
    add("regex flags", [re.I, re.M | re.S, re.A])
    add("path", pathlib.PurePosixPath("/usr/lib"))
    add("windows path", pathlib.PureWindowsPath("C:/x"))
    add("ip addresses", [ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("::1"), ipaddress.ip_network("10.0.0.0/8")])
    add("simple namespace", types.SimpleNamespace(a=1, b="x"))
    for code in "bBhHiIlLqQfdu":
        data = "abc" if code == "u" else [1, 2, 3]
        add(f"array {code}", array.array(code, data))
    add("arrays", [array.array("i", [1]), array.array("d", [1.5]), array.array("b")])
    add("array and other module", [array.array("h", [7]), collections.OrderedDict(a=1)])
    add("exception", ValueError("bad", 3))
    add("exceptions", [KeyError("k"), OSError(2, "No such file"), StopIteration(5)])
    add("memoryview-free bytes mix", [b"a" * 10, bytearray(b"a" * 10), "a" * 10])
    add("pickle buffer", pickle.PickleBuffer(bytearray(b"in band")))
    add("pickle buffer readonly", pickle.PickleBuffer(b"read only"))
    add("frozenset of str", frozenset(["a", "b", "c"]))
    add("set of tuples", {(1, 2), (3, 4)})
    # application classes
    add("plain object", Plain())
    add("plain objects shared", [Plain(), Plain(2, "two")])
    p = Plain(5, "five")
    add("same object twice", [p, p])
    add("slotted", Slotted(1, [2]))
    add("with state", WithState([1, 2]))
    add("with reduce", WithReduce(1, "a", None))
    add("with newargs", WithNewArgs(1, 2))
    add("with newargs ex", WithNewArgsEx(1, key="k"))
    add("nested class", Outer.Inner(4))
    add("nested class ref", [Outer.Inner, Outer.Deeper.Deepest])
    add("nested class instance deep", Outer.Deeper.Deepest())
    add("my list", MyList([1, 2, 3]))
    add("my dict", MyDict(a=1, b=2))
    add("enum member", Color.RED)
    add("enum members", [Color.RED, Color.GREEN, Color.BLUE, Color.RED])
    add("int enum", [Level.LOW, Level.HIGH])
    add("int flag", [Perm.R, Perm.R | Perm.W, Perm(0)])
    add("flag", [Shape.ROUND, Shape.ROUND | Shape.SQUARE])
    # Flag combinations: 3.11.2 writes _operator.or_(a, b) of members, 3.11.7 Class(value)
    add("flag combination", Shape.ROUND | Shape.SQUARE)
    add("int flag combination of three", Perm.R | Perm.W | Perm.X)
    add("int flag unknown bits", Perm(12))
    add("flag multi-bit members", [Mode.RW, Mode.RW | Mode.X, Mode.R | Mode.W, Mode(0), Mode.X])
    add("flag multi-bit member alone", Mode.RW)
    rw = Perm.R | Perm.W
    add("flag combination shared", [rw, rw, {"k": rw}, (Perm.X, rw)])
    add("enum class", Color)
    add("enums in dict", {"color": Color.GREEN, "level": Level.HIGH})
    add("dataclass", Point(1.0, 2.5))
    add("dataclasses", [Point(0.0, 0.0, fresh("p")), Point(1.5, 1.0)])
    add("frozen dataclass", Frozen("k", 1))
    add("classmethod", Plain.make)
    add("staticmethod", Plain.helper)
    add("function", module_function)
    add("unbound method", Plain.method)
    add("bound method", Plain(7).method)
    add("class", Plain)
    add("classes", [Plain, Slotted, Outer, Outer.Inner, Color])
    add("mixed application", {"users": [Plain(i, fresh("user")) for i in range(3)], "color": Color.BLUE, "when": datetime.date(2020, 1, 1)})
    # random structures
    for seed in range(60):
        pool = {}
        add(f"random {seed}", random_value(Rng(seed + 1), 0, pool))
    return values


def sci_values():
    import numpy as np
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    values = {}

    def add(name, value):
        assert name not in values, name
        values[name] = value

    rng = np.random.RandomState(0)
    for dt in ["?", "i1", "u1", "<i2", ">i2", "<i4", "<i8", "<u8", "<f2", "<f4", "<f8", ">f8", "<c8", "<c16", "S3", "<U4", "V4", "<M8[ns]", "<M8[D]", "<m8[s]"]:
        if dt == "?":
            arr = np.array([True, False, True])
        elif dt.startswith(("S", "<U")):
            arr = np.array(["ab", "c", ""], dtype=dt)
        elif dt == "V4":
            arr = np.zeros(2, dtype=dt)
        elif "M8" in dt or "m8" in dt:
            arr = np.array([0, 1, 86400], dtype=dt)
        else:
            arr = (np.arange(6) - 2).astype(dt)
        add(f"ndarray {dt}", arr)
    add("ndarray 2d", np.arange(12, dtype="<f8").reshape(3, 4))
    add("ndarray fortran", np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3)))
    add("ndarray 0d", np.array(5.5))
    add("ndarray empty", np.zeros((0, 3)))
    add("ndarray object", np.array([1, "a", None, (1, 2)], dtype=object))
    add("ndarray structured", np.array([(1, 2.5, b"ab")], dtype=[("a", "<i4"), ("b", "<f8"), ("c", "S2")]))
    add("ndarray nested structured", np.zeros(2, dtype=[("p", [("x", "<f4"), ("y", "<f4")]), ("n", "<i2", (2,))]))
    add("ndarray random", rng.normal(size=(4, 3)))
    add("ndarrays shared", [np.arange(3)] * 2)
    add("ndarrays list", [np.arange(3), np.arange(3.0), np.arange(3, dtype="<i2")])
    add("numpy scalars", [np.float64(1.5), np.int64(7), np.bool_(True), np.float32(2.5), np.complex128(1j), np.uint8(3)])
    add("numpy str scalar", np.str_("hé"))
    add("numpy bytes scalar", np.bytes_(b"ab"))
    add("numpy datetime scalar", np.datetime64("2020-01-01T00:00"))
    add("dtypes", [np.dtype("<f8"), np.dtype("<i4"), np.dtype(">u2"), np.dtype("O"), np.dtype("U3")])
    add("masked array", np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]))
    add("dict of arrays", {"w": np.ones((2, 2), dtype="<f4"), "b": np.zeros(2, dtype="<f4")})
    # pandas
    add("series int", pd.Series([1, 2, 3], name="n"))
    add("series float", pd.Series([1.5, np.nan], index=["a", "b"]))
    add("series str", pd.Series(["x", "y", None]))
    add("series category", pd.Series(["a", "b", "a"], dtype="category"))
    add("series datetime", pd.Series(pd.date_range("2020-01-01", periods=3)))
    add("series tz", pd.Series(pd.date_range("2020-01-01", periods=2, tz="UTC")))
    add("series bool", pd.Series([True, False]))
    add("frame", pd.DataFrame({"a": [1, 2], "b": [1.5, 2.5], "c": ["x", "y"]}))
    add("frame mixed", pd.DataFrame({"i": [1, 2, 3], "f": [0.1, 0.2, 0.3], "s": list("abc"), "d": pd.date_range("2021-01-01", periods=3), "b": [True, False, True]}))
    add("frame records", pd.DataFrame.from_records(records(5, 3)))
    add("frame multiindex", pd.DataFrame({"v": [1, 2, 3, 4]}, index=pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["k", "n"])))
    add("frame empty", pd.DataFrame())
    add("frame int columns", pd.DataFrame(np.arange(6).reshape(2, 3)))
    add("index", pd.Index(["a", "b"]))
    add("range index", pd.RangeIndex(0, 10, 2))
    add("datetime index", pd.date_range("2020-01-01", periods=3, freq="D"))
    add("categorical", pd.Categorical(["x", "y", "x"]))
    add("timestamp", pd.Timestamp("2020-01-02 03:04:05"))
    add("timestamp tz", pd.Timestamp("2020-01-02", tz="UTC"))
    add("timedelta", pd.Timedelta("1 day 2 hours"))
    add("period", pd.Period("2020-01", freq="M"))
    add("interval", pd.Interval(0, 1))
    add("nat", pd.NaT)
    # scikit-learn
    X = rng.normal(size=(20, 3))
    y = (X[:, 0] > 0).astype(np.int64)
    add("LinearRegression", LinearRegression().fit(X, X @ np.array([1.0, 2.0, 3.0])))
    add("LogisticRegression", LogisticRegression(max_iter=200).fit(X, y))
    add("DecisionTreeClassifier", DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y))
    add("DecisionTreeRegressor", DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, X[:, 1]))
    add("StandardScaler", StandardScaler().fit(X))
    add("MinMaxScaler", MinMaxScaler().fit(X))
    add("KMeans", KMeans(n_clusters=2, n_init=2, random_state=0).fit(X))
    add("Pipeline", Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=200))]).fit(X, y))
    add("LabelEncoder", LabelEncoder().fit(["cat", "dog", "cat", "bird"]))
    add("OneHotEncoder", OneHotEncoder().fit([["a", 1], ["b", 2], ["a", 3]]))
    docs = ["the cat sat", "the dog sat", "a cat and a dog"]
    add("CountVectorizer", CountVectorizer().fit(docs))
    add("TfidfVectorizer", TfidfVectorizer().fit(docs))
    add("unfitted", LogisticRegression(C=0.5))
    return values


def library_versions():
    out = {}
    for name in ("numpy", "pandas", "sklearn"):
        module = sys.modules.get(name)
        if module is not None:
            out[name] = module.__version__
    return out


def enum_members(value):
    """The enum members (and Flag values) in a value, in order: [class name, int value or repr, name]."""
    out = []
    seen = set()

    def walk(v):
        if isinstance(v, enum.Enum):
            out.append([type(v).__name__, v.value if isinstance(v.value, int) else repr(v.value), v.name])
        elif isinstance(v, (list, tuple, dict)) and id(v) not in seen:
            seen.add(id(v))  # recursive and shared containers: each once
            for x in v.values() if isinstance(v, dict) else v:
                walk(x)

    walk(value)
    return out


def main():
    group = sys.argv[1] if len(sys.argv) > 1 else "stdlib"
    values = sci_values() if group == "sci" else stdlib_values()
    cases = []
    skipped = []
    for name, value in values.items():
        for protocol in PROTOCOLS:
            try:
                data = pickle.dumps(value, protocol=protocol)
            except Exception as error:  # noqa: BLE001 - a value some protocol cannot write
                skipped.append(f"{name} (protocol {protocol}): {type(error).__name__}: {error}")
                continue
            pickle.loads(data)
            case = {"name": name, "protocol": protocol, "pickle": base64.b64encode(data).decode()}
            members = enum_members(value)
            if members:
                case["enums"] = members
            cases.append(case)
    os.makedirs(OUT, exist_ok=True)
    doc = {"python": sys.version.split()[0], "libraries": library_versions(), "cases": cases, "skipped": skipped}
    path = os.path.join(OUT, f"{group}.json.gz")
    text = json.dumps(doc, indent=0).encode()
    with open(path, "wb") as f:
        f.write(gzip.compress(text, compresslevel=9, mtime=0))
    print(f"{path}: {len(cases)} pickles, {len(skipped)} skipped, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
