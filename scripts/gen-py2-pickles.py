#!/usr/bin/env python3
"""Writes test/vectors/py2/corpus.json: pickles as Python 2 wrote them, each with
what python3's own unpickler makes of it under every `encoding` brine supports.

    python3 scripts/gen-py2-pickles.py [output-path]
    python3 scripts/gen-py2-pickles.py --views [corpus.json] < names.json
    python3 scripts/gen-py2-pickles.py --roundtrip < requests.json

There is no Python 2 here. The corpus has two sources:

* Py2Pickler below: a re-implementation, in python3, of what Python 2.7's
  Lib/pickle.py emits for Python 2 values, and of cPickle (the same opcodes,
  its memo numbered from 1). The values are modelled by small classes (Str for
  a Python 2 `str`, a byte string; Uni for `unicode`; Long for `long`; a python3
  int for a 64-bit Python 2 `int`; Dict for a dict in Python 2's order; OldInst
  for an instance of an old-style class; NewInst for an instance of a new-style
  class; Reduce for anything pickled through `__reduce__`; G for a global).
  Each value is pickled at protocols 0, 1 and 2. The rules, from Python 2.7's
  pickle.py (save_* methods), are noted on each method, and check_emulation()
  compares the output byte for byte with the Python 2 pickles of CPython's test
  suite that kept their memo opcodes.

* Verbatim byte strings that CPython's own test suite carries as Python 2
  output (see verbatim()): Lib/test/pickletester.py (DATA0, DATA1, DATA2,
  DATA_SET, DATA_XRANGE, DATA_COOKIE, DATA_SET2, exception_pickle,
  DATA_UEERR, and the byte strings of test_load_classic_instance,
  test_load_python2_str_as_bytes, test_load_python2_unicode_as_str,
  test_compat_unpickle), read from the installed `test.pickletester` module
  when it is importable, and Lib/test/datetimetester.py's
  test_compat_unpickle pickles of date, time and datetime (copied here from
  CPython 3.11.7's Lib/test/datetimetester.py, where they are literals inside
  test methods).

Every case is loaded here by python3 at each encoding in ENCODINGS:

* `pickle.loads(data, encoding=..., fix_imports=True)`: the real value, or the
  error python3 raises;
* vectors_lib.model_loads: CPython's pure-Python unpickler building brine's view
  (globals brine does not reconstruct stay inert `Global` / `Inst` records), which
  vectors_lib.describe turns into the JSON description test/support/describe.ts
  computes from brine's value.

Where both succeed the description is the expectation; where python3 raises,
brine must raise. That expectation is brine's view with only the built-ins
vectors_lib models (set, frozenset, complex, slice, range, bytes, bytearray,
_codecs.encode, getattr); everything else stays inert. brine's default registry
also turns datetime, exceptions, Decimal ... into value classes: for those the
test asks this script (--views) for python3's own objects under the names that
registry holds, each described as its `__reduce_ex__(2)` (what brine's value
classes answer to PY_REDUCE), and inert everything else.

Entry format (JSON list):
    {"name", "source", "how", "protocol", "pickle": hex,
     "globals": [[module, name] of every global the pickle names, after fix_imports],
     "rawGlobals": [the same without fix_imports],
     "results": {encoding: result},
     "noFix": desc (fix_imports=False at the first encoding that loads; only when
              rawGlobals differ from globals),
     "noFixEncoding": str,
     "needs": [[module, name], ...] (the datetime names the case holds: with
              them registered, brine's value has python3's `repr`)}
where a result is one of
    {"expect": desc}                          python3 loads it; desc is brine's view
      + "repr": str                           a naive date, time, datetime or
                                              timedelta: python3's repr() of it
      + "python3Error": {"error", "message"}  python3 raised from the code of a
                                              class brine keeps inert (its
                                              constructor, __setstate__ or
                                              __setitem__): brine loads `expect`
    {"error": type, "message": str}           python3 raises: brine must raise
      + "expect": desc                        (datetime cases) what brine loads
                                              while it keeps datetime inert
      + "inertInBrine": desc                  python3's error came from a built-in
                                              that brine reconstructs, called with
                                              arguments of a shape CPython never
                                              writes: brine keeps the call inert
    {"same": encoding}                        as for that earlier encoding

--views [corpus.json] reads the registry's [[module, name], ...] on stdin and
prints, for each case and encoding, {"view": desc} or {"error", "message"} (see
ValueUnpickler and describe_real), the error with "inert": desc when it came
from a constructor refusing arguments of a shape CPython never writes (brine
may refuse them too, or keep that call inert).

--roundtrip reads [{"name", "encoding", "original": hex, "redump": hex}] on stdin
and prints, for each, null when python3 loads both to equal values (compared
through their descriptions, see describe_real()), else a message.
"""

from __future__ import annotations

import copyreg
import datetime
import importlib
import io
import json
import math
import os
import pickle
import pickletools
import struct
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import vectors_lib  # noqa: E402
from vectors_lib import (  # noqa: E402
    RECONSTRUCTORS,
    Global,
    _call,
    Inst,
    MBytes,
    MFrozenSet,
    ModelUnpickler,
    MSet,
    _NotReconstructed,
    describe,
    to_json,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "test", "vectors", "py2", "corpus.json")
ENCODINGS = ("ASCII", "latin1", "bytes", "utf-8")


# ---------------------------------------------------------------------------
# Classes the pickles name as __main__.X: python3's real unpickler must find them.
# (This script is __main__ when it runs.) C, D and E are pickletester's.


class C:
    def __init__(self, *args):
        self.args_seen = args


class D(C):
    pass


class E(C):
    pass


class Old:
    """An old-style class in Python 2; INST / OBJ call it with the init args."""

    def __init__(self, *args):
        pass


class WithArgs(Old):
    pass


class WithState(Old):
    def __setstate__(self, state):
        self.state = state


class Point:
    pass


class Slotted:
    __slots__ = ("a", "b")


class MyList(list):
    pass


class MyDict(dict):
    pass


# ---------------------------------------------------------------------------
# Python 2 values


class Str:
    """A Python 2 `str` (a byte string). Identity matters: pickle memoizes it."""

    def __init__(self, data: bytes) -> None:
        self.data = data


class Uni:
    """A Python 2 `unicode`."""

    def __init__(self, text: str) -> None:
        self.text = text


class Long:
    """A Python 2 `long` (any size, written with the L suffix or LONG1/LONG4)."""

    def __init__(self, value: int) -> None:
        self.value = value


class G:
    """A global (class or function) by its Python 2 name; one object per name."""

    _all: dict = {}

    def __new__(cls, module: str, name: str) -> G:
        key = (module, name)
        if key not in cls._all:
            obj = super().__new__(cls)
            obj.module, obj.name = module, name
            cls._all[key] = obj
        return cls._all[key]


class Reduce:
    """An object pickled through __reduce__: (func, args, state, listitems, dictitems)."""

    def __init__(self, func, args, state=None, listitems=None, dictitems=None) -> None:
        self.func, self.args, self.state = func, args, state
        self.listitems, self.dictitems = listitems, dictitems


class OldInst:
    """An instance of an old-style class: pickle.py's save_inst."""

    def __init__(self, cls: G, state, initargs=None) -> None:
        self.cls, self.state, self.initargs = cls, state, initargs


class NewInst:
    """An instance of a new-style class, pickled through object.__reduce_ex__:
    copy_reg._reduce_ex below protocol 2, reduce_2 (copy_reg.__newobj__) at 2.
    base: the first non-heap base ('object', 'list', 'dict'); value: its content."""

    def __init__(self, cls: G, state=None, base="object", value=None, slots=None) -> None:
        self.cls, self.state, self.base, self.value, self.slots = cls, state, base, value, slots


class Dict:
    """A dict in the order Python 2 iterated it (its hash order, not insertion)."""

    def __init__(self, *pairs) -> None:
        self.pairs = list(pairs)


COPY_REG_RECONSTRUCTOR = G("copy_reg", "_reconstructor")
COPY_REG_NEWOBJ = G("copy_reg", "__newobj__")
BUILTIN = {name: G("__builtin__", name) for name in ("object", "list", "dict", "set", "frozenset")}


def py2_str_repr(data: bytes) -> bytes:
    """Python 2's repr() of a str: single quotes unless the text has ' and no ",
    \\t \\n \\r and the quote escaped, other bytes outside 0x20-0x7e as \\xNN."""
    quote = b'"' if b"'" in data and b'"' not in data else b"'"
    out = bytearray(quote)
    for byte in data:
        c = bytes([byte])
        if c == quote or c == b"\\":
            out += b"\\" + c
        elif c == b"\t":
            out += b"\\t"
        elif c == b"\n":
            out += b"\\n"
        elif c == b"\r":
            out += b"\\r"
        elif byte < 0x20 or byte >= 0x7F:
            out += b"\\x%02x" % byte
        else:
            out += c
    return bytes(out + quote)


def py2_float_repr(x: float, old: bool) -> bytes:
    """repr(float) of Python 2.7 (shortest round trip, as python3), or of 2.6 and
    earlier ('%.17g'), which wrote 0.1 as 0.10000000000000001."""
    if old and math.isfinite(x):
        return b"%.17g" % x
    return repr(x).encode("ascii")


class OldFloat(float):
    """A float a Python 2.6 pickle wrote at protocol 0 (17 significant digits)."""


class Py2Pickler:
    """The opcodes Python 2.7's pickle.py wrote, value by value."""

    def __init__(self, proto: int, cpickle: bool = False) -> None:
        self.proto = proto
        self.bin = proto >= 1
        self.out = bytearray()
        self.memo: dict[int, tuple[int, object]] = {}
        # cPickle (Modules/cPickle.c, put2) numbers its memo from 1, not 0.
        self.first_memo = 1 if cpickle else 0

    def dumps(self, obj) -> bytes:
        if self.proto >= 2:
            self.out += b"\x80" + bytes([self.proto])
        self.save(obj)
        self.out += b"."
        return bytes(self.out)

    # memo: PUT 'p%d\n' (protocol 0), BINPUT q / LONG_BINPUT r; GET g / BINGET h / LONG_BINGET j
    def memoize(self, obj) -> None:
        assert id(obj) not in self.memo
        i = len(self.memo) + self.first_memo
        self.memo[id(obj)] = (i, obj)
        self.out += self.put(i)

    def put(self, i: int) -> bytes:
        if not self.bin:
            return b"p%d\n" % i
        return b"q" + bytes([i]) if i < 256 else b"r" + struct.pack("<i", i)

    def get(self, i: int) -> bytes:
        if not self.bin:
            return b"g%d\n" % i
        return b"h" + bytes([i]) if i < 256 else b"j" + struct.pack("<i", i)

    def save(self, obj) -> None:
        # save(): a memoized object is written as a GET, whatever its type.
        x = self.memo.get(id(obj))
        if x is not None:
            self.out += self.get(x[0])
            return
        t = type(obj)
        if obj is None:
            self.out += b"N"
        elif t is bool:
            # save_bool: NEWTRUE / NEWFALSE from protocol 2, else INT 01 / 00
            if self.proto >= 2:
                self.out += b"\x88" if obj else b"\x89"
            else:
                self.out += b"I01\n" if obj else b"I00\n"
        elif t is int:
            self.save_int(obj)
        elif t is Long:
            self.save_long(obj.value)
        elif t is float or t is OldFloat:
            # save_float: BINFLOAT (big-endian double) when binary, else FLOAT repr(x)
            if self.bin:
                self.out += b"G" + struct.pack(">d", obj)
            else:
                self.out += b"F" + py2_float_repr(obj, t is OldFloat) + b"\n"
        elif t is Str:
            self.save_string(obj)
        elif t is Uni:
            self.save_unicode(obj)
        elif t is tuple:
            self.save_tuple(obj)
        elif t is list:
            # save_list: EMPTY_LIST (binary) or MARK LIST, memoized, then the items
            self.out += b"]" if self.bin else b"(l"
            self.memoize(obj)
            self.batch_appends(obj)
        elif t is Dict:
            # save_dict: EMPTY_DICT (binary) or MARK DICT, memoized, then the pairs
            self.out += b"}" if self.bin else b"(d"
            self.memoize(obj)
            self.batch_setitems(obj.pairs)
        elif t is G:
            # save_global: GLOBAL 'module\nname\n', memoized
            self.out += b"c" + obj.module.encode("ascii") + b"\n" + obj.name.encode("ascii") + b"\n"
            self.memoize(obj)
        elif t is OldInst:
            self.save_inst(obj)
        elif t is NewInst:
            self.save_new_style(obj)
        elif t is Reduce:
            self.save_reduce(obj.func, obj.args, obj.state, obj.listitems, obj.dictitems, obj)
        else:
            raise TypeError(f"Py2Pickler: no Python 2 value for {t.__name__}")

    def save_int(self, obj: int) -> None:
        # save_int: BININT1 / BININT2 / BININT when binary and within 32 bits,
        # else INT repr(x): a 64-bit Python 2 int past 32 bits is INT text even at protocol 2.
        assert -(2**63) <= obj < 2**63, "a Python 2 int is 64 bits; use Long"
        if self.bin:
            if 0 <= obj <= 0xFF:
                self.out += b"K" + bytes([obj])
                return
            if 0 <= obj <= 0xFFFF:
                self.out += b"M" + struct.pack("<H", obj)
                return
            if -(2**31) <= obj < 2**31:
                self.out += b"J" + struct.pack("<i", obj)
                return
        self.out += b"I%d\n" % obj

    def save_long(self, value: int) -> None:
        # save_long: LONG1 / LONG4 (two's complement, little-endian) from protocol 2,
        # else LONG repr(x), which ends in 'L'. 0L is LONG1 with no bytes.
        if self.proto >= 2:
            data = pickle.encode_long(value)
            if len(data) < 256:
                self.out += b"\x8a" + bytes([len(data)]) + data
            else:
                self.out += b"\x8b" + struct.pack("<i", len(data)) + data
            return
        self.out += b"L%dL\n" % value

    def save_string(self, obj: Str) -> None:
        # save_string: SHORT_BINSTRING (under 256 bytes) / BINSTRING when binary,
        # else STRING repr(s); memoized.
        data = obj.data
        if self.bin:
            if len(data) < 256:
                self.out += b"U" + bytes([len(data)]) + data
            else:
                self.out += b"T" + struct.pack("<i", len(data)) + data
        else:
            self.out += b"S" + py2_str_repr(data) + b"\n"
        self.memoize(obj)

    def save_unicode(self, obj: Uni) -> None:
        # save_unicode: BINUNICODE (UTF-8; Python 2's codec wrote lone surrogates as
        # three bytes) when binary; else UNICODE raw-unicode-escape of the text with
        # '\\' and '\n' first replaced by \u005c and \u000a; memoized.
        text = obj.text
        if self.bin:
            data = text.encode("utf-8", "surrogatepass")
            self.out += b"X" + struct.pack("<i", len(data)) + data
        else:
            text = text.replace("\\", "\\u005c").replace("\n", "\\u000a")
            self.out += b"V" + text.encode("raw-unicode-escape") + b"\n"
        self.memoize(obj)

    def save_tuple(self, obj: tuple) -> None:
        # save_tuple: () is EMPTY_TUPLE (binary) or MARK TUPLE, never memoized;
        # TUPLE1-3 from protocol 2; else MARK items TUPLE. A tuple its own items
        # memoized (recursion) is popped and fetched from the memo instead.
        n = len(obj)
        if n == 0:
            self.out += b")" if self.bin else b"(t"
            return
        if n <= 3 and self.proto >= 2:
            for item in obj:
                self.save(item)
            if id(obj) in self.memo:
                self.out += b"0" * n + self.get(self.memo[id(obj)][0])
            else:
                self.out += b"\x85\x86\x87"[n - 1 : n]
                self.memoize(obj)
            return
        self.out += b"("
        for item in obj:
            self.save(item)
        if id(obj) in self.memo:
            get = self.get(self.memo[id(obj)][0])
            self.out += (b"1" + get) if self.bin else (b"0" * (n + 1) + get)
            return
        self.out += b"t"
        self.memoize(obj)

    def batch_appends(self, items) -> None:
        # _batch_appends: protocol 0 saves each item then APPEND; binary protocols
        # write batches of 1000: MARK ... APPENDS, or item APPEND for a batch of one.
        items = list(items)
        if not self.bin:
            for x in items:
                self.save(x)
                self.out += b"a"
            return
        for start in range(0, len(items), 1000):
            batch = items[start : start + 1000]
            if len(batch) > 1:
                self.out += b"("
                for x in batch:
                    self.save(x)
                self.out += b"e"
            else:
                self.save(batch[0])
                self.out += b"a"

    def batch_setitems(self, pairs) -> None:
        # _batch_setitems: the same with SETITEM / MARK ... SETITEMS.
        pairs = list(pairs)
        if not self.bin:
            for k, v in pairs:
                self.save(k)
                self.save(v)
                self.out += b"s"
            return
        for start in range(0, len(pairs), 1000):
            batch = pairs[start : start + 1000]
            if len(batch) > 1:
                self.out += b"("
                for k, v in batch:
                    self.save(k)
                    self.save(v)
                self.out += b"u"
            else:
                self.save(batch[0][0])
                self.save(batch[0][1])
                self.out += b"s"

    def save_inst(self, obj: OldInst) -> None:
        # save_inst: MARK, then at protocol 0 the __getinitargs__() items and
        # INST 'module\nname\n'; binary: the class (a GLOBAL), the items, OBJ.
        # The instance is memoized, then its __getstate__() or __dict__ and BUILD.
        self.out += b"("
        args = obj.initargs or ()
        if self.bin:
            self.save(obj.cls)
            for arg in args:
                self.save(arg)
            self.out += b"o"
        else:
            for arg in args:
                self.save(arg)
            self.out += b"i" + obj.cls.module.encode() + b"\n" + obj.cls.name.encode() + b"\n"
        self.memoize(obj)
        self.save(obj.state)
        self.out += b"b"

    def save_new_style(self, obj: NewInst) -> None:
        # object.__reduce_ex__(proto). Below 2, copy_reg._reduce_ex:
        #   (_reconstructor, (cls, base, base(obj) or None), __dict__ if non-empty);
        # at 2, reduce_2: (copy_reg.__newobj__, (cls,), state, listitems, dictitems)
        # where state is __dict__ or None, or (__dict__ or None, slots) with __slots__.
        if self.proto < 2:
            assert obj.slots is None, "protocols 0 and 1 refuse __slots__ without __getstate__"
            base_value = None
            if obj.base == "list":
                base_value = list(obj.value)
            elif obj.base == "dict":
                base_value = Dict(*obj.value)
            args = (obj.cls, BUILTIN[obj.base], base_value)
            self.save_reduce(COPY_REG_RECONSTRUCTOR, args, obj.state or None, None, None, obj)
            return
        state = obj.state or None
        if obj.slots is not None:
            state = (state, obj.slots)
        listitems = obj.value if obj.base == "list" else None
        dictitems = obj.value if obj.base == "dict" else None
        self.save_reduce(COPY_REG_NEWOBJ, (obj.cls,), state, listitems, dictitems, obj)

    def save_reduce(self, func, args, state, listitems, dictitems, obj) -> None:
        # save_reduce: at protocol 2 a copy_reg.__newobj__ call is the class, the
        # other arguments and NEWOBJ; otherwise the callable, the args tuple,
        # REDUCE. Then the object is memoized, list items appended, dict items
        # set, and a state other than None is saved and BUILD.
        if self.proto >= 2 and func is COPY_REG_NEWOBJ:
            self.save(args[0])
            self.save(tuple(args[1:]))
            self.out += b"\x81"
        else:
            self.save(func)
            self.save(args)
            self.out += b"R"
        self.memoize(obj)
        if listitems is not None:
            self.batch_appends(listitems)
        if dictitems is not None:
            self.batch_setitems(dictitems)
        if state is not None:
            self.save(state)
            self.out += b"b"


# ---------------------------------------------------------------------------
# The values


def S(data: bytes | str) -> Str:
    return Str(data.encode("latin-1") if isinstance(data, str) else data)


def exc(name: str, *args) -> Reduce:
    # BaseException.__reduce__ in Python 2.7: (type, args), with __dict__ as state when set.
    return Reduce(G("exceptions", name), tuple(args))


def date_state(y, m, d) -> bytes:
    return bytes([y >> 8, y & 0xFF, m, d])


def time_state(h, mi, s, us) -> bytes:
    return bytes([h, mi, s, us >> 16, (us >> 8) & 0xFF, us & 0xFF])


def py2_values():
    """(name, value, how): Python 2 values, each pickled at protocols 0, 1 and 2."""
    shared = S("shared")
    shared_list = [Long(1), S("x")]
    recursive: list = []
    recursive.append(recursive)
    rec_dict = Dict()
    rec_dict.pairs.append((S("self"), rec_dict))
    rec_tuple_list: list = []
    rec_tuple = (rec_tuple_list, S("t"))
    rec_tuple_list.append(rec_tuple)
    old_state = Dict((S("a"), 1), (S("name"), S("caf\xe9")))
    point_state = Dict((S("x"), 1), (S("y"), Uni("\u20ac")))
    yield "str ascii", S("abc"), "a str (byte string) of ASCII text"
    yield "str empty", S(""), "the empty str"
    yield "str escapes", S("tab\there\nnew\rline \\ back 'single' \x00\x7f"), "a str that repr() escapes"
    yield "str double quote", S("it's"), "a str with ' and no \": repr() quotes it with \""
    yield "str both quotes", S("a'b\"c"), "a str with both quotes: repr() escapes the '"
    yield "str latin-1", S("caf\xe9"), "a str holding the Latin-1 byte 0xe9"
    yield "str utf-8", S("caf\xe9".encode()), "a str holding UTF-8 bytes (0xc3 0xa9)"
    yield "str binary", S(bytes(range(256))), "a str of every byte value (BINSTRING at protocols 1-2)"
    yield "str 255", S(b"y" * 255), "a str of 255 bytes (the largest SHORT_BINSTRING)"
    yield "unicode ascii", Uni("abc"), "a unicode of ASCII text"
    yield "unicode latin-1", Uni("caf\xe9"), "a unicode below U+0100 (raw bytes in UNICODE)"
    yield "unicode bmp and astral", Uni("\u20ac \U0001f600 \u03c0"), "a unicode with BMP and astral code points"
    yield "unicode escapes", Uni("back\\slash\nnew\rline\x00"), "a unicode with \\ and newline (\\u005c, \\u000a)"
    yield "unicode lone surrogate", Uni("a\ud800b"), "a unicode holding a lone surrogate"
    yield "unicode ending in CR", [Uni("line\r"), Uni("\r")], "unicode ending in a carriage return (raw before the newline)"
    yield "int", [0, 1, -1, 255, 256, 65535, 65536, -(2**31), 2**31 - 1], "ints at the BININT1/2/4 bounds"
    yield "int 64-bit", [2**31, -(2**31) - 1, 2**63 - 1, -(2**63)], "64-bit ints past 32 bits: INT text at every protocol"
    yield "long", [Long(0), Long(5), Long(-1), Long(2**64), Long(-(2**100))], "longs (L suffix, LONG1)"
    yield "long huge", Long(3**2000), "a long of 3170 bits (LONG4 at protocol 2)"
    yield "bool", [True, False], "bools (INT 01/00 below protocol 2)"
    yield "none", None, "None"
    yield "float", [0.1, -0.0, 1e300, 1.5e-310, float("inf"), float("-inf"), float("nan")], "floats"
    yield "float python 2.6", [OldFloat(0.1), OldFloat(2.0 / 3)], "floats as Python 2.6 wrote them (17 digits)"
    yield "list", [1, S("a"), Uni("b"), None, [2, [3]]], "a list"
    yield "list one item", [S("only")], "a one-item list (APPEND, not APPENDS)"
    yield "list of 2001", list(range(2001)), "2001 ints: APPENDS batches of 1000, then a batch of one (APPEND)"
    yield "tuples", (), "the empty tuple"
    yield "tuple sizes", [(1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)], "tuples of 1 to 4 items"
    yield "dict str keys", Dict((S("b"), 2), (S("a"), 1)), "a dict with str keys, in hash order"
    yield "dict unicode keys", Dict((Uni("k\xe9y"), 1), (Uni("b"), 2)), "a dict with unicode keys"
    yield "dict latin-1 str keys", Dict((S("caf\xe9"), 1), (S("abc"), 2)), "a dict with non-ASCII str keys"
    yield "dict int keys", Dict((1, S("one")), (2, S("two"))), "a dict with int keys"
    yield "dict one item", Dict((S("k"), S("v"))), "a one-item dict (SETITEM)"
    yield "dict mixed keys", Dict((Long(1), 1), ((1, 2), 2), (S("s"), 3), (None, 4)), "a dict with mixed keys"
    yield "shared str", [shared, shared, Uni("u")], "one str object twice (a memo GET)"
    yield "shared list", (shared_list, shared_list), "one list twice in a tuple"
    yield "recursive list", recursive, "a list that contains itself"
    yield "recursive dict", rec_dict, "a dict that contains itself"
    yield "recursive tuple", rec_tuple, "a tuple inside a list inside that tuple (POP/POP_MARK then GET)"
    yield "set", Reduce(BUILTIN["set"], ([1, S("a")],)), "set([1, 'a']): set.__reduce__ is (set, (list,))"
    yield "frozenset", Reduce(BUILTIN["frozenset"], ([Uni("x")],)), "frozenset([u'x'])"
    yield "xrange", Reduce(G("__builtin__", "xrange"), (0, 10, 2)), "xrange(0, 10, 2)"
    yield "complex", Reduce(G("__builtin__", "complex"), (1.5, -2.0)), "complex(1.5, -2.0)"
    yield (
        "bytearray",
        Reduce(G("__builtin__", "bytearray"), (Uni("ab\xff"), S("latin-1"))),
        "bytearray('ab\\xff'): Python 2.7's bytearray.__reduce__ is (bytearray, (unicode, 'latin-1'), None)",
    )
    yield "exception", exc("ValueError", S("bad value")), "ValueError('bad value')"
    yield "exception no args", exc("KeyError"), "KeyError()"
    yield "exception StandardError", exc("StandardError", Uni("ugh")), "StandardError(u'ugh'), Exception in Python 3"
    yield "exception IOError", exc("IOError", 2, S("No such file")), "IOError(2, 'No such file')"
    yield "old-style instance", OldInst(G("__main__", "Old"), old_state), "an instance of an old-style class"
    yield (
        "old-style instance initargs",
        OldInst(G("__main__", "WithArgs"), Dict(), (1, S("two"))),
        "an old-style instance with __getinitargs__",
    )
    yield (
        "old-style instance getstate",
        OldInst(G("__main__", "WithState"), (S("state"), 3)),
        "an old-style instance whose __getstate__ returns a tuple",
    )
    old = OldInst(G("__main__", "Old"), Dict((S("n"), 1)))
    yield "old-style instances shared", [old, old], "one old-style instance twice"
    yield "new-style instance", NewInst(G("__main__", "Point"), point_state), "an instance of a new-style class"
    yield "new-style instance empty", NewInst(G("__main__", "Point")), "a new-style instance with an empty __dict__"
    yield (
        "new-style instance slots",
        NewInst(G("__main__", "Slotted"), None, slots=Dict((S("a"), 1))),
        "an instance of a class with __slots__ (state (None, slots)); protocols 0 and 1 refused to pickle it",
    )
    yield (
        "new-style list subclass",
        NewInst(G("__main__", "MyList"), Dict((S("tag"), 1)), "list", [1, S("a")]),
        "an instance of a list subclass with an attribute",
    )
    yield (
        "new-style dict subclass",
        NewInst(G("__main__", "MyDict"), None, "dict", [(S("k"), 1), (S("j"), 2)]),
        "an instance of a dict subclass",
    )
    yield "date", Reduce(
        G("datetime", "date"), (S(date_state(2015, 11, 27)),)
    ), "datetime.date(2015, 11, 27): date.__reduce__ is (date, (4-byte str,))"
    yield "date ascii state", Reduce(
        G("datetime", "date"), (S(date_state(1919, 5, 1)),)
    ), "datetime.date(1919, 5, 1), whose 4 state bytes are all ASCII"
    day = Reduce(G("datetime", "date"), (S(date_state(2001, 1, 2)),))
    yield "dates shared", [day, day], "one date object twice (a memo GET)"
    yield "time", Reduce(
        G("datetime", "time"), (S(time_state(20, 59, 16, 4096)),)
    ), "datetime.time(20, 59, 16, 4096): a 6-byte str"
    yield "time utf-8 state", Reduce(
        G("datetime", "time"), (S(time_state(1, 2, 3, 0xC3A9)),)
    ), "datetime.time(1, 2, 3, 50089), whose state is valid UTF-8 of another length"
    yield "datetime", Reduce(
        G("datetime", "datetime"), (S(date_state(2015, 11, 27) + time_state(20, 59, 1, 64**2)),)
    ), "datetime.datetime(2015, 11, 27, 20, 59, 1, 4096): a 10-byte str"
    yield "timedelta", Reduce(
        G("datetime", "timedelta"), (-1, 68400, 5)
    ), "datetime.timedelta(-1, 68400, 5): (timedelta, (days, seconds, microseconds))"
    yield "OrderedDict", Reduce(
        G("collections", "OrderedDict"), ([[S("b"), 1], [S("a"), 2]],)
    ), "OrderedDict: Python 2.7's __reduce__ is (cls, ([[key, value], ...],))"
    yield "Counter", Reduce(
        G("collections", "Counter"), (Dict((S("x"), 3), (S("y"), 1)),)
    ), "Counter: Python 2.7's __reduce__ is (cls, (dict(self),))"
    yield "deque", Reduce(G("collections", "deque"), ([1, S("a")],)), "deque: (deque, (list,), None)"
    yield "deque maxlen", Reduce(G("collections", "deque"), ([1, 2], 5)), "deque(maxlen=5): (deque, (list, maxlen), None)"
    yield (
        "defaultdict",
        Reduce(G("collections", "defaultdict"), (G("__builtin__", "list"),), None, None, [(S("k"), [1])]),
        "defaultdict(list): (cls, (default_factory,), None, None, iteritems())",
    )
    yield "Decimal", Reduce(G("decimal", "Decimal"), (S("-1.50"),)), "Decimal('-1.50'): (cls, (str(self),))"
    yield "Fraction", Reduce(G("fractions", "Fraction"), (S("3/4"),)), "Fraction(3, 4): (cls, (str(self),))"
    yield (
        "UUID",
        NewInst(G("uuid", "UUID"), Dict((S("int"), Long(0x12345678123456781234567812345678)))),
        "uuid.UUID: a new-style class whose __dict__ is {'int': long}",
    )
    yield "datetimes in a dict", Dict(
        (S("when"), Reduce(G("datetime", "datetime"), (S(date_state(1999, 12, 31) + time_state(23, 59, 59, 999999)),))),
        (S("delta"), Reduce(G("datetime", "timedelta"), (1, 2, 3))),
    ), "a dict of a datetime and a timedelta"


# ---------------------------------------------------------------------------
# Verbatim Python 2 pickles from CPython's test suite

# Lib/test/datetimetester.py (CPython 3.11.7), test_compat_unpickle of TestDate,
# TestDateTime, TestTime, TestTimeTZ and TestDateTimeTZ: pickles written by
# Python 2 (protocols 0, 1 and 2), which CPython loads with encoding='latin1'.
DATETIMETESTER = [
    ("TestDate.test_compat_unpickle 0", b"cdatetime\ndate\n(S'\\x07\\xdf\\x0b\\x1b'\ntR."),
    ("TestDate.test_compat_unpickle 1", b"cdatetime\ndate\n(U\x04\x07\xdf\x0b\x1btR."),
    ("TestDate.test_compat_unpickle 2", b"\x80\x02cdatetime\ndate\nU\x04\x07\xdf\x0b\x1b\x85R."),
    (
        "TestDateTime.test_compat_unpickle 0",
        b"cdatetime\ndatetime\n(S'\\x07\\xdf\\x0b\\x1b\\x14;\\x01\\x00\\x10\\x00'\ntR.",
    ),
    ("TestDateTime.test_compat_unpickle 1", b"cdatetime\ndatetime\n(U\n\x07\xdf\x0b\x1b\x14;\x01\x00\x10\x00tR."),
    (
        "TestDateTime.test_compat_unpickle 2",
        b"\x80\x02cdatetime\ndatetime\nU\n\x07\xdf\x0b\x1b\x14;\x01\x00\x10\x00\x85R.",
    ),
    ("TestTime.test_compat_unpickle 0", b"cdatetime\ntime\n(S'\\x14;\\x10\\x00\\x10\\x00'\ntR."),
    ("TestTime.test_compat_unpickle 1", b"cdatetime\ntime\n(U\x06\x14;\x10\x00\x10\x00tR."),
    ("TestTime.test_compat_unpickle 2", b"\x80\x02cdatetime\ntime\nU\x06\x14;\x10\x00\x10\x00\x85R."),
    ("TestTime.test_compat_unpickle 3", b"cdatetime\ntime\n(S'\\x14;\\x19\\x00\\x10\\x00'\ntR."),
    ("TestTime.test_compat_unpickle 4", b"cdatetime\ntime\n(U\x06\x14;\x19\x00\x10\x00tR."),
    ("TestTime.test_compat_unpickle 5", b"\x80\x02cdatetime\ntime\nU\x06\x14;\x19\x00\x10\x00\x85R."),
    (
        "TestTimeTZ.test_compat_unpickle 0",
        b"cdatetime\ntime\n(S'\\x05\\x06\\x07\\x01\\xe2@'\n"
        b"ctest.datetimetester\nPicklableFixedOffset\n(tR"
        b"(dS'_FixedOffset__offset'\ncdatetime\ntimedelta\n"
        b"(I-1\nI68400\nI0\ntRs"
        b"S'_FixedOffset__dstoffset'\nNs"
        b"S'_FixedOffset__name'\nS'cookie'\nsbtR.",
    ),
    (
        "TestTimeTZ.test_compat_unpickle 1",
        b"cdatetime\ntime\n(U\x06\x05\x06\x07\x01\xe2@"
        b"ctest.datetimetester\nPicklableFixedOffset\n)R"
        b"}(U\x14_FixedOffset__offsetcdatetime\ntimedelta\n"
        b"(J\xff\xff\xff\xffJ0\x0b\x01\x00K\x00tR"
        b"U\x17_FixedOffset__dstoffsetN"
        b"U\x12_FixedOffset__nameU\x06cookieubtR.",
    ),
    (
        "TestTimeTZ.test_compat_unpickle 2",
        b"\x80\x02cdatetime\ntime\nU\x06\x05\x06\x07\x01\xe2@"
        b"ctest.datetimetester\nPicklableFixedOffset\n)R"
        b"}(U\x14_FixedOffset__offsetcdatetime\ntimedelta\n"
        b"J\xff\xff\xff\xffJ0\x0b\x01\x00K\x00\x87R"
        b"U\x17_FixedOffset__dstoffsetN"
        b"U\x12_FixedOffset__nameU\x06cookieub\x86R.",
    ),
    (
        "TestDateTimeTZ.test_compat_unpickle 0",
        b"cdatetime\ndatetime\n"
        b"(S'\\x07\\xdf\\x0b\\x1b\\x14;\\x01\\x01\\xe2@'\n"
        b"ctest.datetimetester\nPicklableFixedOffset\n(tR"
        b"(dS'_FixedOffset__offset'\ncdatetime\ntimedelta\n"
        b"(I-1\nI68400\nI0\ntRs"
        b"S'_FixedOffset__dstoffset'\nNs"
        b"S'_FixedOffset__name'\nS'cookie'\nsbtR.",
    ),
    (
        "TestDateTimeTZ.test_compat_unpickle 1",
        b"cdatetime\ndatetime\n"
        b"(U\n\x07\xdf\x0b\x1b\x14;\x01\x01\xe2@"
        b"ctest.datetimetester\nPicklableFixedOffset\n)R"
        b"}(U\x14_FixedOffset__offsetcdatetime\ntimedelta\n"
        b"(J\xff\xff\xff\xffJ0\x0b\x01\x00K\x00tR"
        b"U\x17_FixedOffset__dstoffsetN"
        b"U\x12_FixedOffset__nameU\x06cookieubtR.",
    ),
    (
        "TestDateTimeTZ.test_compat_unpickle 2",
        b"\x80\x02cdatetime\ndatetime\n"
        b"U\n\x07\xdf\x0b\x1b\x14;\x01\x01\xe2@"
        b"ctest.datetimetester\nPicklableFixedOffset\n)R"
        b"}(U\x14_FixedOffset__offsetcdatetime\ntimedelta\n"
        b"J\xff\xff\xff\xffJ0\x0b\x01\x00K\x00\x87R"
        b"U\x17_FixedOffset__dstoffsetN"
        b"U\x12_FixedOffset__nameU\x06cookieub\x86R.",
    ),
]


def verbatim():
    """(name, source, how, data, protocol) of the byte strings CPython's tests carry."""
    out = []
    src = "CPython 3.11.7 Lib/test/datetimetester.py"
    for name, data in DATETIMETESTER:
        protocol = int(name[-1]) % 3  # each test lists protocols 0, 1, 2 in turn
        how = f"written by Python 2's pickle at protocol {protocol}"
        out.append((f"datetimetester {name}", f"{src}, {name}", how, data, protocol))
    try:
        import test.pickletester as pt
    except ImportError:
        print("test.pickletester is not available: skipping its pickles", file=sys.stderr)
        return out
    src = "CPython Lib/test/pickletester.py (test.pickletester)"
    for n, how in [
        ("DATA0", "create_data() at protocol 0 (Python 2 names, LONG text)"),
        ("DATA1", "create_data() at protocol 1"),
        ("DATA2", "create_data() at protocol 2"),
        ("DATA_SET", "set([1,2]) pickled from 2.x with protocol 2"),
        ("DATA_XRANGE", "xrange(5) pickled from 2.x with protocol 2"),
        ("DATA_COOKIE", "a SimpleCookie() object pickled from 2.x with protocol 2"),
        ("DATA_SET2", "set([3]) pickled from 2.x with protocol 2"),
        ("DATA_UEERR", "UnicodeEncodeError object pickled from 2.x with protocol 2"),
    ]:
        out.append((f"pickletester {n}", f"{src}, {n}", how, getattr(pt, n), None))
    seen = set()
    for exc_type in list(pt.python2_exceptions_without_args) + ["StandardError"]:
        # The test names each by its Python 3 __name__ (EnvironmentError and IOError are OSError)
        exc_name = exc_type if isinstance(exc_type, str) else exc_type.__name__
        if exc_name in seen:
            continue
        seen.add(exc_name)
        data = pt.exception_pickle.replace(b"?", exc_name.encode("ascii"))
        how = f"{exc_name}() pickled from 2.x with protocol 2"
        out.append((f"pickletester exception {exc_name}", f"{src}, exception_pickle", how, data, 2))
    # test_load_classic_instance: old-style instances of C, D, E at protocols 0, 1, 2
    for x in ("C", "D", "E"):
        xname = x.encode("ascii")
        p0 = b"(i__main__\nX\np0\n(dp1\nb.".replace(b"X", xname)
        p1 = b"(c__main__\nX\nq\x00oq\x01}q\x02b.".replace(b"X", xname)
        for proto, data in ((0, p0), (1, p1), (2, b"\x80\x02" + p1)):
            how = f"an instance of old-style class {x} at protocol {proto}"
            out.append((f"pickletester classic {x} {proto}", f"{src}, test_load_classic_instance", how, data, proto))
    # test_load_python2_str_as_bytes, test_load_python2_unicode_as_str, test_load_long_python2_str_as_bytes
    for proto, data in enumerate([b"S'a\\x00\\xa0'\n.", b"U\x03a\x00\xa0.", b"\x80\x02U\x03a\x00\xa0."]):
        how = f"pickle.dumps('a\\x00\\xa0', protocol={proto})"
        out.append((f"pickletester py2 str {proto}", f"{src}, test_load_python2_str_as_bytes", how, data, proto))
    for proto, data in enumerate([b"V\\u03c0\n.", b"X\x02\x00\x00\x00\xcf\x80.", b"\x80\x02X\x02\x00\x00\x00\xcf\x80."]):
        how = f"pickle.dumps(u'\\u03c0', protocol={proto})"
        out.append((f"pickletester py2 unicode {proto}", f"{src}, test_load_python2_unicode_as_str", how, data, proto))
    data = pickle.BINSTRING + struct.pack("<I", 300) + b"x" * 300 + pickle.STOP
    src_long = f"{src}, test_load_long_python2_str_as_bytes"
    out.append(("pickletester py2 long str", src_long, "'x' * 300, protocol 1", data, 1))
    # test_compat_unpickle
    compat = [
        ("xrange", b"\x80\x02c__builtin__\nxrange\nK\x01K\x07K\x01\x87R.", "xrange(1, 7)"),
        ("reduce", b"\x80\x02c__builtin__\nreduce\n.", "the builtin reduce"),
        ("whichdb", b"\x80\x02cwhichdb\nwhichdb\n.", "whichdb.whichdb"),
    ]
    for name in ("Exception", "StandardError"):
        compat.append((name, b"\x80\x02cexceptions\n" + name.encode() + b"\nU\x03ugh\x85R.", f"{name}('ugh')"))
    for name in ("UserDict", "IterableUserDict"):
        data = b"\x80\x02(cUserDict\n" + name.encode() + b"\no}U\x04data}K\x01K\x02ssb."
        compat.append((name, data, f"UserDict.{name}({{1: 2}})"))
    for name, data, how in compat:
        out.append((f"pickletester compat {name}", f"{src}, test_compat_unpickle", how, data, 2))
    return out


# ---------------------------------------------------------------------------
# What python3 makes of each pickle

DATETIME_NAMES = {"date", "time", "datetime", "timedelta"}


class ValueUnpickler(ModelUnpickler):
    """model_loads, except that the globals in `real` (the names brine's
    registry reconstructs into value classes: datetime, exceptions, Decimal ...)
    are python3's own objects, called, instantiated and given their state as
    pickle.loads does. describe_real() then writes each such object as its
    __reduce_ex__(2): the form brine's value classes answer to PY_REDUCE. Built-in
    reconstructors vectors_lib models (set, bytearray ...) that raise on a shape
    CPython never writes leave the call inert, as brine's do."""

    dispatch = dict(ModelUnpickler.dispatch)

    def __init__(self, data: bytes, encoding: str, real: set, inert_on_error: bool = False) -> None:
        super().__init__(io.BytesIO(data), fix_imports=True, encoding=encoding)
        self._real = real
        self._names: dict[int, Global] = {}
        self._inert_on_error = inert_on_error

    def find_class(self, module: str, name: str):
        g = super().find_class(module, name)
        if (g.module, g.name) not in self._real:
            return g
        obj = importlib.import_module(g.module)
        for part in g.name.split("."):
            obj = getattr(obj, part)
        self._names[id(obj)] = g
        return obj

    def _is_real(self, obj) -> bool:
        return id(obj) in self._names

    def load_reduce(self) -> None:
        stack = self.stack
        args = stack.pop()
        func = stack[-1]
        if not self._is_real(func):
            stack[-1] = _call(func, args)
            return
        inert = [i for i, a in enumerate(args) if isinstance(a, (Inst, Global))]
        if not inert:
            try:
                stack[-1] = func(*args)
            except (TypeError, ValueError):
                if not self._inert_on_error:
                    raise
                # The alternative brine may take: keep a call of a shape its reconstructor does not take inert.
                stack[-1] = Inst("reduce", self._names[id(func)], args)
        elif func in (datetime.time, datetime.datetime) and inert == [1] and len(args) == 2:
            # A tzinfo brine keeps inert (a class it does not know): the value is
            # built without it, and its reduction carries the inert tzinfo.
            reduced = func(args[0]).__reduce_ex__(2)
            stack[-1] = Inst("reduce", reduced[0], (*reduced[1], args[1]))
        else:
            stack[-1] = Inst("reduce", self._names[id(func)], args)

    dispatch[pickle.REDUCE[0]] = load_reduce

    def load_newobj(self) -> None:
        if not self._is_real(self.stack[-2]):
            return ModelUnpickler.load_newobj(self)
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(cls.__new__(cls, *args))

    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_build(self) -> None:
        if isinstance(self.stack[-2], Inst):
            return ModelUnpickler.load_build(self)
        return pickle._Unpickler.load_build(self)  # type: ignore[attr-defined]

    dispatch[pickle.BUILD[0]] = load_build


def value_view(data: bytes, encoding: str, real: set, inert_on_error: bool = False) -> dict:
    """The description of the value brine builds when its registry reconstructs
    the names in `real` (each value class as its reduction)."""
    saved = dict(RECONSTRUCTORS)
    for key, fn in saved.items():
        RECONSTRUCTORS[key] = _inert_on_error(fn)
    try:
        value = ValueUnpickler(data, encoding, real, inert_on_error).load()
    finally:
        RECONSTRUCTORS.clear()
        RECONSTRUCTORS.update(saved)
    return describe_real(value)


def views() -> None:
    """--views: for each corpus case and encoding, the value view (or the error)
    under the registry names given on stdin ([[module, name], ...])."""
    names = {tuple(n) for n in json.load(sys.stdin)}
    real = {n for n in names if n not in RECONSTRUCTORS}
    with open(sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT, encoding="ascii") as f:
        cases = json.load(f)
    out = []
    for case in cases:
        data = bytes.fromhex(case["pickle"])
        row = {}
        for encoding in ENCODINGS:
            try:
                row[encoding] = {"view": value_view(data, encoding, real)}
            except Exception as error:  # noqa: BLE001 - the test expects brine to raise too
                row[encoding] = error_entry(error)
                if isinstance(error, (TypeError, ValueError)) and not isinstance(error, UnicodeError):
                    # python3's constructor refused arguments of a shape CPython never
                    # writes: brine may refuse too, or keep that call inert.
                    try:
                        row[encoding]["inert"] = value_view(data, encoding, real, inert_on_error=True)
                    except Exception:  # noqa: BLE001 - refusing is then the only answer
                        pass
        out.append(row)
    sys.stdout.write(to_json(out))


def _inert_on_error(fn):
    def call(*args):
        try:
            return fn(*args)
        except (TypeError, ValueError):
            raise _NotReconstructed from None

    return call


def model_describe(data: bytes, encoding: str, fix_imports: bool = True, inert_on_error: bool = False) -> dict:
    """describe(model_loads(...)); `inert_on_error`: a built-in reconstructor
    that python3 would make raise (arguments of a shape CPython never writes)
    leaves the call inert instead."""
    saved = dict(RECONSTRUCTORS)
    if inert_on_error:
        for key, fn in saved.items():
            RECONSTRUCTORS[key] = _inert_on_error(fn)
    try:
        model = ModelUnpickler(io.BytesIO(data), fix_imports=fix_imports, encoding=encoding).load()
    finally:
        RECONSTRUCTORS.clear()
        RECONSTRUCTORS.update(saved)
    return describe(model)


class NameRecorder(pickle._Unpickler):  # type: ignore[name-defined]
    """Records the names find_class is asked for, without importing anything."""

    def __init__(self, data: bytes, fix_imports: bool) -> None:
        super().__init__(io.BytesIO(data), fix_imports=fix_imports, encoding="latin1")
        self.names: list[list[str]] = []

    def find_class(self, module: str, name: str):
        import _compat_pickle

        if self.proto < 3 and self.fix_imports:
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        if [module, name] not in self.names:
            self.names.append([module, name])
        return _AnythingType

    def persistent_load(self, pid):  # pragma: no cover - no case has one
        raise pickle.UnpicklingError("no persistent ids")


class _AnythingType:
    """Stands for every global while the names are recorded."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __setstate__(self, state):
        pass

    def append(self, item):
        pass

    def extend(self, items):
        pass

    def __setitem__(self, key, value):
        pass


def global_names(data: bytes, fix_imports: bool) -> list[list[str]]:
    recorder = NameRecorder(data, fix_imports)
    recorder.load()
    return recorder.names


def error_entry(error: BaseException) -> dict:
    return {"error": type(error).__name__, "message": str(error)}


def results_for(name: str, data: bytes, needs: list[list[str]]) -> dict:
    results = {}
    for encoding in ENCODINGS:
        try:
            real = pickle.loads(data, encoding=encoding, fix_imports=True)
            real_error = None
        except Exception as error:  # noqa: BLE001 - recorded as the expectation
            real, real_error = None, error
        try:
            expect = model_describe(data, encoding)
            model_error = None
        except Exception as error:  # noqa: BLE001
            expect, model_error = None, error
        if model_error is not None:
            if real_error is None or type(real_error) is not type(model_error):
                raise SystemExit(f"{name} {encoding}: the model raised {model_error!r}, python3 {real_error!r}")
            results[encoding] = error_entry(real_error)
            if isinstance(model_error, (TypeError, ValueError)) and not isinstance(model_error, UnicodeError):
                # A built-in brine reconstructs (bytearray, set ...) called with
                # arguments of a shape CPython never writes (Python 2's
                # bytearray.__reduce__ loaded with encoding='bytes' gives
                # bytearray(str, b'latin-1')): python3 raises, brine's
                # reconstructor declines the shape and the call stays inert.
                results[encoding]["inertInBrine"] = model_describe(data, encoding, inert_on_error=True)
            continue
        entry: dict = {"expect": expect}
        if real_error is not None:
            if needs:
                # python3's datetime constructor refused the state: brine must too once
                # it reconstructs datetime; until then it loads the inert `expect`.
                results[encoding] = {**error_entry(real_error), "expect": expect}
                continue
            # The error comes from running the code of a class that brine keeps
            # inert (a __setstate__, a constructor): brine loads the inert value.
            entry["python3Error"] = error_entry(real_error)
            print(f"note: {name} {encoding}: python3 raised {real_error!r}; brine loads it inert", file=sys.stderr)
        if needs:
            if isinstance(real, (datetime.date, datetime.time, datetime.timedelta)) and (
                not isinstance(real, (datetime.time, datetime.datetime)) or real.tzinfo is None
            ):
                entry["repr"] = repr(real)
        results[encoding] = entry
    # An encoding that gives what an earlier one gave says so, to keep the file small.
    for i, encoding in enumerate(ENCODINGS):
        for earlier in ENCODINGS[:i]:
            if results[encoding] == results[earlier]:
                results[encoding] = {"same": earlier}
                break
    return results


def pickle_protocol(data: bytes) -> int:
    """The protocol of a pickle: its PROTO, else 1 when it has an opcode of
    protocol 1, else 0."""
    if data[:1] == b"\x80":
        return data[1]
    return max(op.proto for op, _, _ in pickletools.genops(data))


def make_entry(name: str, source: str, how: str, data: bytes, protocol: int | None = None) -> dict:
    if protocol is None:
        protocol = pickle_protocol(data)
    fixed = global_names(data, True)
    raw = global_names(data, False)
    needs = [[m, n] for m, n in fixed if m == "datetime" and n in DATETIME_NAMES]
    entry = {
        "name": name,
        "source": source,
        "how": how,
        "protocol": protocol,
        "pickle": data.hex(),
        "globals": fixed,
        "rawGlobals": raw,
        "results": results_for(name, data, needs),
    }
    if needs:
        entry["needs"] = needs
    if raw != fixed:
        for encoding in ENCODINGS:
            try:
                entry["noFix"] = model_describe(data, encoding, fix_imports=False)
                entry["noFixEncoding"] = encoding
                break
            except Exception:  # noqa: BLE001 - try the next encoding
                continue
    return entry


# Values Python 2 pickled at protocol 2 only (copy_reg._reduce_ex refuses __slots__).
PROTOCOL_2_ONLY = {"new-style instance slots"}

# Values also written as cPickle numbers its memo (from 1). cPickle writes the
# same opcodes as pickle.py otherwise; it also skips the memo for objects with a
# reference count below 2, which this emulation does not model.
CPICKLE_VALUES = {
    "list",
    "dict str keys",
    "shared str",
    "recursive list",
    "recursive tuple",
    "set",
    "old-style instance",
    "new-style instance",
    "new-style dict subclass",
    "date",
}


def check_emulation() -> None:
    """Py2Pickler must write, byte for byte, the pickles Python 2 wrote that
    CPython's test suite keeps (those with their memo intact)."""
    try:
        import test.pickletester as pt
    except ImportError:
        return
    checks = [
        (2, Reduce(BUILTIN["set"], ([1, 2],)), pt.DATA_SET),
        (2, Reduce(BUILTIN["set"], ([3],)), pt.DATA_SET2),
        (2, Reduce(G("__builtin__", "xrange"), (0, 5, 1)), pt.DATA_XRANGE),
        (2, exc("ValueError"), pt.exception_pickle.replace(b"?", b"ValueError")),
        (2, exc("UnicodeEncodeError", S("ascii"), Uni("foo"), 0, 1, S("bad")), pt.DATA_UEERR),
        (0, OldInst(G("__main__", "C"), Dict()), b"(i__main__\nC\np0\n(dp1\nb."),
        (1, OldInst(G("__main__", "C"), Dict()), b"(c__main__\nC\nq\x00oq\x01}q\x02b."),
        (2, OldInst(G("__main__", "C"), Dict()), b"\x80\x02(c__main__\nC\nq\x00oq\x01}q\x02b."),
    ]
    for proto, value, expected in checks:
        got = Py2Pickler(proto).dumps(value)
        if got != expected:
            raise SystemExit(f"Py2Pickler wrote {got!r}, Python 2 wrote {expected!r}")


def corpus() -> list[dict]:
    check_emulation()
    entries = []
    for name, value, how in py2_values():
        for proto in (2,) if name in PROTOCOL_2_ONLY else (0, 1, 2):
            data = Py2Pickler(proto).dumps(value)
            desc = f"{how}; Python 2.7 pickle.dumps(value, {proto})"
            entries.append(make_entry(f"{name} protocol {proto}", "Py2Pickler", desc, data, proto))
    for name, value, how in py2_values():
        if name not in CPICKLE_VALUES:
            continue
        for proto in (0, 1, 2):
            data = Py2Pickler(proto, cpickle=True).dumps(value)
            desc = f"{how}; Python 2.7 cPickle.dumps(value, {proto}) (memo numbered from 1)"
            entries.append(make_entry(f"{name} cPickle protocol {proto}", "Py2Pickler", desc, data, proto))
    for name, source, how, data, protocol in verbatim():
        entries.append(make_entry(name, source, how, data, protocol))
    names = [e["name"] for e in entries]
    assert len(names) == len(set(names)), "duplicate case names"
    return entries


# ---------------------------------------------------------------------------
# Round trip: python3 loads the original and brine's re-dump to equal values


_DATA_TYPES = (
    type(None), bool, int, float, str, bytes, bytearray, complex, slice, range, list, tuple, dict, set, frozenset,
    Global, Inst, MBytes, MSet, MFrozenSet,
)


def _is_global(v) -> bool:
    return isinstance(v, (type, types.FunctionType, types.BuiltinFunctionType))


def describe_real(value) -> dict:
    """vectors_lib.describe of a value that may hold python3's own objects:
    classes and functions are described as globals, and every other object
    that is not plain data as its __reduce_ex__(2) (an Inst: callable, args,
    state, list and dict items), which is how brine's value classes describe
    themselves (PY_REDUCE). Identity is kept: one object, one node."""
    converted: dict[int, tuple[object, Inst]] = {}
    node, tracked = vectors_lib._node, vectors_lib._tracked

    def convert(v) -> Inst:
        hit = converted.get(id(v))
        if hit is not None:
            return hit[1]
        reduced = v.__reduce_ex__(2)
        func, args = reduced[0], reduced[1]
        if func is copyreg.__newobj__:
            inst = Inst("newobj", args[0], tuple(args[1:]))
        else:
            inst = Inst("reduce", func, tuple(args))
        state, listitems, dictitems = (list(reduced[2:]) + [None] * 3)[:3]
        if state is not None:
            inst.state = state
        for item in listitems or ():
            inst.append(item)
        for k, item in dictitems or ():
            inst[k] = item
        converted[id(v)] = (v, inst)
        return inst

    def real_node(v, dicts_as_map):
        if _is_global(v):
            return {"t": "global", "module": v.__module__, "name": v.__qualname__}, []
        if type(v) in _DATA_TYPES:
            return node(v, dicts_as_map)
        return node(convert(v), dicts_as_map)

    def real_tracked(v) -> bool:
        return not _is_global(v) and tracked(v)

    vectors_lib._node, vectors_lib._tracked = real_node, real_tracked
    try:
        return describe(value)
    finally:
        vectors_lib._node, vectors_lib._tracked = node, tracked


def roundtrip() -> None:
    requests = json.load(sys.stdin)
    answers = []
    for request in requests:
        encoding = request["encoding"]
        try:
            a = pickle.loads(bytes.fromhex(request["original"]), encoding=encoding)
            b = pickle.loads(bytes.fromhex(request["redump"]), encoding=encoding)
            da, db = describe_real(a), describe_real(b)
            answers.append(None if da == db else f"python3 loads different values:\n  {da}\n  {db}")
        except Exception as error:  # noqa: BLE001 - reported to the test
            answers.append(f"python3 raised {error!r}")
    json.dump(answers, sys.stdout)


def main() -> None:
    if sys.argv[1:2] == ["--roundtrip"]:
        roundtrip()
        return
    if sys.argv[1:2] == ["--views"]:
        views()
        return
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    entries = corpus()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="ascii") as f:
        f.write("[\n" + ",\n".join(to_json(e) for e in entries) + "\n]\n")
    print(f"{len(entries)} pickles written to {os.path.relpath(out, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
