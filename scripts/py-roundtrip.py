#!/usr/bin/env python3
"""Checks pickles written by brine's `dumps` against CPython, for
test/dumps.test.ts and test/dumps-property.test.ts. One process serves a whole
test run.

    python3 scripts/py-roundtrip.py < request.json > results.json

The request is a JSON list of items, one result per item in the same order:

    {
      "brine_hex": str,           the pickle brine wrote
      "protocol": int,            the protocol brine was asked for
      "orig_hex": str | null,     the pickle CPython wrote (a vector); null in "redump" mode
      "mode": "vector" | "redump",
      "encoding": str, "fix_imports": bool, "persistent": bool,
      "buffers": [hex] | null,        out-of-band buffers of the original
      "brine_buffers": [hex] | null,  out-of-band buffers brine gave its buffer callback
      "extensions": [[code, module, name]] | null
    }

Mode "vector": the reference is the original pickle. Python loads both pickles
(the real `pickle` module, with the classes of scripts/gen-vectors.py) and the
two values must be equal (`real`), and so must vectors_lib's model of both
(`model`: what brine must return). When brine's bytes differ from the original,
`category` says why (see `classify`), or is null when nothing explains it.

Mode "redump": the reference is CPython's own `pickle.dumps(pickle.loads(brine),
protocol)`; `category` compares brine's bytes with it, and `describe` is the
description (vectors_lib.describe, dicts as maps) of the value CPython reads
from brine's pickle, as vectors_lib.model_loads builds it.

Each result:

    {
      "category": "identical" | "python2-str" | "string-memo" | "unframed-original"
                  | "cpython-redump" | "set-order" | null,
      "diff": str | null,            both disassemblies around the first differing opcode
      "first_diff": {...} | null,    the first differing opcode on each side
      "real": "equal" | "pickle.py-equal: ..." | "unequal: ..." | "orig-unloadable: ..."
              | "brine-unloadable: ...",
      "model": "equal" | "unequal: ..." | "error: ...",   (mode "redump": null or "error: ...")
      "describe": description (mode "redump" only)
    }

`real` is "pickle.py-equal" where CPython's C loader reads the original
otherwise than pickle.py does and brine follows pickle.py (docs/decisions.md):
pickle.py loads both pickles to equal values, and reads brine's as the C loader.

Categories (docs/byte-identity.md has the reasons):

    identical          the same bytes.
    python2-str        the original has Python 2 strings (STRING, BINSTRING,
                       SHORT_BINSTRING); with each replaced by what CPython 3 writes for
                       the value it loads to (a str, or bytes with encoding 'bytes'), the
                       opcodes are brine's (string-memo allowed as well).
    string-memo        the same opcodes once every str the reference writes again, after
                       an equal str was memoized, is read from the memo instead (the
                       reference had equal but distinct str objects; brine memoizes strings
                       by value). Frames are left out of that comparison: their sizes change.
    unframed-original  a protocol 4+ original without any FRAME (hand-made): the same
                       opcodes, which brine frames as CPython does.
    cpython-redump     the original is not what CPython 3.11 writes for the value it loads
                       to (hand-made pickles), and brine writes exactly what CPython writes
                       for it (or that with string-memo): CPython's re-dump of the value its
                       C loader, or else pickle.py's loader, reads.
    set-order          (mode "redump") brine wrote the items of a set in the JS Set's
                       insertion order, CPython writes its hash-table order: brine's bytes
                       are what CPython's pure-Python pickler writes with the sets iterated
                       in brine's order (string-memo allowed as well).
"""

from __future__ import annotations

import codecs
import copyreg
import importlib.util
import io
import json
import math
import os
import pickle
import pickletools
import struct
import sys
import types
from itertools import islice

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from vectors_lib import describe, model_loads, run_deep  # noqa: E402


def _import_vector_classes() -> None:
    """The classes the vectors pickle: gen-vectors.py defines them in a module it
    registers as myapp.models, and test.pickletester registers __main__.C."""
    spec = importlib.util.spec_from_file_location("brine_gen_vectors", os.path.join(HERE, "gen-vectors.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["brine_gen_vectors"] = module
    spec.loader.exec_module(module)
    try:
        import test.pickletester  # noqa: F401
    except ImportError:
        pass


_import_vector_classes()

# ---------------------------------------------------------------------------
# Opcodes


class Op:
    __slots__ = ("name", "pos", "raw", "proto")

    def __init__(self, name: str, pos: int, raw: bytes, proto: int) -> None:
        self.name = name
        self.pos = pos
        self.raw = raw
        self.proto = proto


_BY_CODE = {op.code.encode("latin-1")[0]: op for op in pickletools.opcodes}


def scan(data: bytes) -> list[Op]:
    """The opcodes of one pickle up to STOP, with their raw bytes (no argument
    decoding, so that any pickle scans, Python 2 strings included)."""
    ops: list[Op] = []
    pos = 0
    n = len(data)
    while pos < n:
        info = _BY_CODE.get(data[pos])
        if info is None:
            raise ValueError(f"no opcode {data[pos]:#04x} at offset {pos}")
        start = pos
        pos += 1
        arg = info.arg
        if arg is not None:
            size = arg.n
            if size >= 0:
                pos += size
            elif size == pickletools.UP_TO_NEWLINE:
                for _ in range(2 if info.name in ("GLOBAL", "INST") else 1):
                    end = data.find(b"\n", pos)
                    if end < 0:
                        raise ValueError(f"no newline after offset {pos}")
                    pos = end + 1
            elif size == pickletools.TAKEN_FROM_ARGUMENT1:
                pos += 1 + data[pos]
            elif size == pickletools.TAKEN_FROM_ARGUMENT4:
                pos += 4 + int.from_bytes(data[pos : pos + 4], "little", signed=True)
            elif size == pickletools.TAKEN_FROM_ARGUMENT4U:
                pos += 4 + int.from_bytes(data[pos : pos + 4], "little")
            elif size == pickletools.TAKEN_FROM_ARGUMENT8U:
                pos += 8 + int.from_bytes(data[pos : pos + 8], "little")
            else:
                raise ValueError(f"argument size {size} of {info.name}")
        if pos > n:
            raise ValueError(f"{info.name} at offset {start} runs past the end")
        ops.append(Op(info.name, start, data[start:pos], info.proto))
        if info.name == "STOP":
            break
    return ops


def arg_text(op: Op) -> str:
    info = _BY_CODE[op.raw[0]]
    if info.arg is None:
        return ""
    try:
        value = info.arg.reader(io.BytesIO(op.raw[1:]))
    except Exception:  # noqa: BLE001 - shown raw instead
        return f"<raw {op.raw[1:61].hex()}{'...' if len(op.raw) > 61 else ''}>"
    text = repr(value)
    return text if len(text) <= 70 else text[:67] + "..."


def dis_lines(ops: list[Op], lo: int, hi: int, mark: int) -> list[str]:
    lines = []
    for i in range(max(lo, 0), min(hi, len(ops))):
        op = ops[i]
        prefix = ">>" if i == mark else "  "
        lines.append(f"  {prefix}{op.pos:8}: {op.raw[:1]!r:8} {op.name:<16} {arg_text(op)}")
    return lines


STRING_OPS = frozenset(("UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8"))
PUT_OPS = frozenset(("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"))
GET_OPS = frozenset(("GET", "BINGET", "LONG_BINGET"))


def string_value(op: Op) -> str:
    raw = op.raw
    if op.name == "UNICODE":
        return raw[1:-1].decode("raw-unicode-escape")
    header = {"SHORT_BINUNICODE": 1, "BINUNICODE": 4, "BINUNICODE8": 8}[op.name]
    return raw[1 + header :].decode("utf-8", "surrogatepass")


def memo_index(op: Op) -> int:
    if op.name in ("PUT", "GET"):
        return int(op.raw[1:-1])
    if op.name in ("BINPUT", "BINGET"):
        return op.raw[1]
    return int.from_bytes(op.raw[1:5], "little")


def put_raw(kind: str, index: int) -> bytes:
    if kind == "MEMOIZE":
        return b"\x94"
    if kind == "PUT":
        return b"p%d\n" % index
    return b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index)


def get_raw(kind: str, index: int) -> bytes:
    if kind == "GET":
        return b"g%d\n" % index
    return b"h" + bytes([index]) if index < 256 else b"j" + struct.pack("<I", index)


def without_frames(ops: list[Op]) -> list[bytes]:
    return [op.raw for op in ops if op.name != "FRAME"]


def strings_by_value(ops: list[Op]) -> tuple[list[bytes], int] | None:
    """The opcodes (raw, frames left out) of `ops` with every str that an equal,
    memoized str precedes read from the memo, and the memo renumbered to match:
    what a pickler that memoizes strings by value writes for the same value; and
    how many strings that reads from the memo. None when the pickle does
    something this does not model."""
    out: list[bytes] = []
    renumber: dict[int, int] = {}  # memo index in `ops` -> index after the rewrite
    memo_keys: set[int] = set()  # the memo of `ops` (MEMOIZE stores at len(memo))
    next_index = 0
    first: dict[str, int] = {}
    replaced = 0
    seq = [op for op in ops if op.name != "FRAME"]
    i = 0
    while i < len(seq):
        op = seq[i]
        if op.name in STRING_OPS:
            s = string_value(op)
            following = seq[i + 1] if i + 1 < len(seq) else None
            if following is not None and following.name in PUT_OPS:
                index = len(memo_keys) if following.name == "MEMOIZE" else memo_index(following)
                memo_keys.add(index)
                if s in first:
                    renumber[index] = first[s]
                    out.append(get_raw("GET" if following.name == "PUT" else "BIN", first[s]))
                    replaced += 1
                else:
                    first[s] = renumber[index] = next_index
                    kind = "MEMOIZE" if following.name == "MEMOIZE" else "PUT" if following.name == "PUT" else "BIN"
                    out.append(op.raw)
                    out.append(put_raw(kind, next_index))
                    next_index += 1
                i += 2
                continue
            out.append(op.raw)
            i += 1
            continue
        if op.name in PUT_OPS:
            index = len(memo_keys) if op.name == "MEMOIZE" else memo_index(op)
            memo_keys.add(index)
            renumber[index] = next_index
            kind = "MEMOIZE" if op.name == "MEMOIZE" else "PUT" if op.name == "PUT" else "BIN"
            out.append(put_raw(kind, next_index))
            next_index += 1
        elif op.name in GET_OPS:
            index = memo_index(op)
            if index not in renumber:
                return None
            out.append(get_raw("GET" if op.name == "GET" else "BIN", renumber[index]))
        else:
            out.append(op.raw)
        i += 1
    return out, replaced


PY2_STRING_OPS = frozenset(("STRING", "BINSTRING", "SHORT_BINSTRING"))
_FAKE_INDEX = 0x40000000  # memo indices of the opcodes python3_strings adds; renumbered later


def _py2_string(op: Op, encoding: str) -> str | bytes:
    """The value pickle.Unpickler(encoding=...) makes of a Python 2 string opcode."""
    raw = op.raw
    if op.name == "STRING":
        data = raw[1:-1]
        if len(data) < 2 or data[0] != data[-1] or data[:1] not in (b'"', b"'"):
            raise ValueError("STRING not quoted")
        value = codecs.escape_decode(data[1:-1])[0]
    elif op.name == "BINSTRING":
        value = raw[5:]
    else:
        value = raw[2:]
    return value if encoding == "bytes" else value.decode(encoding, "strict")


def _str_raw(s: str, protocol: int) -> bytes:
    """The opcode CPython writes for the str s at this protocol."""
    return next(op.raw for op in scan(pickle.dumps(s, protocol)) if op.name in STRING_OPS)


def python3_strings(ops: list[Op], protocol: int, encoding: str, fix_imports: bool) -> list[Op] | None:
    """`ops` with every Python 2 string opcode replaced by what CPython 3 writes
    for the value it loads to (a str, or with encoding 'bytes' the bytes object:
    `_codecs.encode(text, 'latin1')` below protocol 3, SHORT_BINBYTES / BINBYTES
    from 3). None when there is none, or when it cannot be decoded."""
    if not any(op.name in PY2_STRING_OPS for op in ops):
        return None
    out: list[Op] = []
    fake = [_FAKE_INDEX]
    globals_: dict[bytes, int] = {}

    def put() -> Op:
        fake[0] += 1
        if protocol == 0:
            return Op("PUT", -1, b"p%d\n" % fake[0], 0)
        return Op("LONG_BINPUT", -1, b"r" + struct.pack("<I", fake[0]), 1)

    def global_(line: bytes) -> list[Op]:
        if line in globals_:
            index = globals_[line]
            if protocol == 0:
                return [Op("GET", -1, b"g%d\n" % index, 0)]
            return [Op("LONG_BINGET", -1, b"j" + struct.pack("<I", index), 1)]
        p = put()
        globals_[line] = fake[0]
        return [Op("GLOBAL", -1, b"c" + line, 0), p]

    def string(s: str) -> list[Op]:
        raw = _str_raw(s, protocol)
        return [Op(_BY_CODE[raw[0]].name, -1, raw, 0), put()]

    for op in ops:
        if op.name not in PY2_STRING_OPS:
            out.append(op)
            continue
        try:
            value = _py2_string(op, encoding)
        except (ValueError, LookupError):
            return None
        if isinstance(value, str):
            raw = _str_raw(value, protocol)
            out.append(Op(_BY_CODE[raw[0]].name, -1, raw, 0))
            continue
        if protocol >= 3:
            data = pickle.dumps(value, protocol)
            out.append(next(o for o in scan(data) if o.name.endswith("BYTES")))
            continue
        # CPython's save_bytes below protocol 3: a reduce of bytes() or _codecs.encode(text, 'latin1').
        if not value:
            module = b"__builtin__" if fix_imports else b"builtins"
            out.extend(global_(module + b"\nbytes\n"))
            out.append(Op("EMPTY_TUPLE", -1, b")", 1) if protocol >= 1 else Op("MARK", -1, b"(", 0))
            if protocol == 0:
                out.append(Op("TUPLE", -1, b"t", 0))
        else:
            out.extend(global_(b"_codecs\nencode\n"))
            if protocol < 2:
                out.append(Op("MARK", -1, b"(", 0))
            out.extend(string(value.decode("latin-1")))
            out.extend(string("latin1"))
            out.append(Op("TUPLE2", -1, b"\x86", 2) if protocol >= 2 else Op("TUPLE", -1, b"t", 0))
            out.append(put())
        out.append(Op("REDUCE", -1, b"R", 0))
    return out


def first_difference(ref_ops: list[Op], brine_ops: list[Op]) -> int:
    for i, (a, b) in enumerate(zip(ref_ops, brine_ops)):
        if a.raw != b.raw:
            return i
    return min(len(ref_ops), len(brine_ops))


def describe_difference(ref: bytes, brine: bytes, ref_label: str) -> tuple[dict, str]:
    try:
        ref_ops = scan(ref)
    except ValueError as error:
        return {"error": f"{ref_label}: {error}"}, f"{ref_label} does not scan: {error}"
    try:
        brine_ops = scan(brine)
    except ValueError as error:
        return {"error": f"brine: {error}"}, f"brine's pickle does not scan: {error}"
    i = first_difference(ref_ops, brine_ops)

    def side(ops: list[Op]) -> dict | None:
        if i >= len(ops):
            return None
        return {"index": i, "offset": ops[i].pos, "op": ops[i].name, "arg": arg_text(ops[i])}

    byte = next((k for k, (a, b) in enumerate(zip(ref, brine)) if a != b), min(len(ref), len(brine)))
    first = {"ref": side(ref_ops), "brine": side(brine_ops), "byte": byte}
    lines = [
        f"first difference at opcode #{i} (byte {byte}; {ref_label} {len(ref)} bytes, brine {len(brine)} bytes)",
        f"{ref_label}:",
        *dis_lines(ref_ops, i - 5, i + 4, i),
        "brine:",
        *dis_lines(brine_ops, i - 5, i + 4, i),
    ]
    return first, "\n".join(lines)


def same_ops(
    ref: bytes, brine: bytes, protocol: int, encoding: str = "ASCII", fix_imports: bool = True
) -> str | None:
    """The category that explains why brine's bytes differ from `ref`, if any:
    identical, python2-str, string-memo or unframed-original (see the module doc)."""
    if ref == brine:
        return "identical"
    try:
        ref_ops = scan(ref)
        brine_ops = scan(brine)
    except ValueError:
        return None
    brine_raw = without_frames(brine_ops)
    python3 = python3_strings(ref_ops, protocol, encoding, fix_imports)
    rewritten = strings_by_value(python3 if python3 is not None else ref_ops)
    if rewritten is None or rewritten[0] != brine_raw:
        return None
    if python3 is not None:
        return "python2-str"
    if rewritten[1] > 0:
        return "string-memo"
    if protocol >= 4 and not any(op.name == "FRAME" for op in ref_ops) and without_frames(ref_ops) == brine_raw:
        return "unframed-original"
    return None


# ---------------------------------------------------------------------------
# Loading with the options of a vector


class _Echo:
    """persistent_load = lambda pid: {'pid': pid}, as the test's persistentLoad."""

    echoed: list

    def persistent_load(self, pid):
        value = {"pid": pid}
        self.echoed.append(value)
        return value


class EchoUnpickler(_Echo, pickle.Unpickler):
    pass


class PyEchoUnpickler(_Echo, pickle._Unpickler):  # type: ignore[name-defined]
    """The same with pickle.py's unpickler instead of the C one."""


def real_load(data: bytes, item: dict, buffers: list[str] | None, python: bool = False):
    kwargs: dict = {"fix_imports": item.get("fix_imports", True), "encoding": item.get("encoding") or "ASCII"}
    if buffers is not None:
        kwargs["buffers"] = [pickle.PickleBuffer(bytearray.fromhex(h)) for h in buffers]
    unpickler = (PyEchoUnpickler if python else EchoUnpickler)(io.BytesIO(data), **kwargs)
    unpickler.echoed = []
    return unpickler.load(), unpickler.echoed


def real_dump(value, protocol: int, echoed: list) -> bytes:
    ids = {id(v) for v in echoed}

    class EchoPickler(pickle.Pickler):
        def persistent_id(self, obj):
            if id(obj) in ids:
                return obj["pid"]
            return None

    f = io.BytesIO()
    kwargs: dict = {}
    if protocol >= 5:
        kwargs["buffer_callback"] = lambda buf: False
    (EchoPickler if ids else pickle.Pickler)(f, protocol, **kwargs).dump(value)
    return f.getvalue()


def model_load(data: bytes, item: dict, buffers: list[str] | None):
    extensions = {code: (m, n) for code, m, n in item.get("extensions") or []}
    return model_loads(
        data,
        fix_imports=item.get("fix_imports", True),
        encoding=item.get("encoding") or "ASCII",
        buffers=[bytes.fromhex(h) for h in buffers] if buffers is not None else None,
        persistent=bool(item.get("persistent")),
        extensions=extensions,
    )


class Extensions:
    """copyreg.add_extension for the duration of one item."""

    def __init__(self, triples) -> None:
        self.triples = triples or []

    def __enter__(self) -> None:
        for code, module, name in self.triples:
            copyreg.add_extension(module, name, code)

    def __exit__(self, *exc) -> None:
        for code, module, name in self.triples:
            copyreg.remove_extension(module, name, code)


# ---------------------------------------------------------------------------
# Equality of two Python values: type-exact, NaN- and -0.0-aware, order-aware for
# dicts, cycle-safe, and the sharing of mutable objects must be the same.

_GLOBAL_TYPES = (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType, types.MethodType)
_MUTABLE = (list, dict, set, bytearray)


def _float_same(x: float, y: float) -> bool:
    if x != x or y != y:
        return x != x and y != y
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def _canon(v, depth: int = 0):
    """A hashable key for a set item, with exact types (1, 1.0 and True differ)."""
    if depth > 100:
        raise ValueError("too deep")
    t = type(v)
    if t is float:
        return ("float", "nan" if v != v else v.hex())
    if t in (type(None), bool, int, str, bytes):
        return (t.__name__, v)
    if t is tuple:
        return ("tuple", tuple(_canon(i, depth + 1) for i in v))
    if t is frozenset:
        return ("frozenset", frozenset(_canon(i, depth + 1) for i in v))
    if t is complex:
        return ("complex", _canon(v.real), _canon(v.imag))
    if isinstance(v, _GLOBAL_TYPES):
        return ("global", id(v))
    raise ValueError(f"no key for a {t.__qualname__} set item")


def _slots(t: type) -> list[str]:
    names: list[str] = []
    for cls in t.__mro__:
        slots = cls.__dict__.get("__slots__", ())
        if isinstance(slots, str):
            slots = (slots,)
        names.extend(s for s in slots if s not in ("__dict__", "__weakref__"))
    return names


def render(path, root: str) -> str:
    """A path kept as nested (parent, step) pairs, so that deep walks do not build long strings."""
    steps = []
    while path is not None:
        path, step = path
        steps.append(step)
    text = root + "".join(reversed(steps))
    return text if len(text) <= 300 else f"{text[:120]}...{text[-160:]}"


class _Lazy:
    """Renders a path only when a message needs it."""

    __slots__ = ("where",)

    def __init__(self, where) -> None:
        self.where = where

    def __format__(self, spec: str) -> str:
        return render(self.where, "root")


def same_value(a, b) -> str | None:
    """None when a and b are the same value, else where and how they differ."""
    stack = [(a, b, None)]
    forward: dict[int, int] = {}
    backward: dict[int, int] = {}
    pairs: set[tuple[int, int]] = set()
    keep: list = []
    while stack:
        x, y, where = stack.pop()
        path = _Lazy(where)
        tx, ty = type(x), type(y)
        if tx is not ty:
            return f"{path}: a {tx.__module__}.{tx.__qualname__} and a {ty.__module__}.{ty.__qualname__}"
        if x is None or tx in (bool, int, str, bytes):
            if x != y:
                return f"{path}: {x!r:.120} != {y!r:.120}"
            continue
        if tx is float:
            if not _float_same(x, y):
                return f"{path}: {x!r} != {y!r}"
            continue
        if tx is complex:
            if not (_float_same(x.real, y.real) and _float_same(x.imag, y.imag)):
                return f"{path}: {x!r} != {y!r}"
            continue
        if isinstance(x, _GLOBAL_TYPES):
            if x is not y:
                return f"{path}: {x!r:.120} is not {y!r:.120}"
            continue
        if isinstance(x, _MUTABLE) or hasattr(x, "__dict__") or _slots(tx):
            fx, by = forward.get(id(x)), backward.get(id(y))
            if fx is not None or by is not None:
                if fx != id(y) or by != id(x):
                    return f"{path}: shared differently (a {tx.__qualname__})"
                continue
            forward[id(x)] = id(y)
            backward[id(y)] = id(x)
            keep.append((x, y))
        else:
            key = (id(x), id(y))
            if key in pairs:
                continue
            pairs.add(key)
            keep.append((x, y))

        if isinstance(x, (str, bytes, int, float)) and tx not in (str, bytes, int, float, bool):
            base = next(t for t in (bool, str, bytes, int, float) if isinstance(x, t))
            if not (_float_same(x, y) if base is float else base(x) == base(y)):
                return f"{path}: {base.__name__} value {x!r:.120} != {y!r:.120}"
        if isinstance(x, (list, tuple)):
            if len(x) != len(y):
                return f"{path}: length {len(x)} != {len(y)}"
            for i in range(len(x) - 1, -1, -1):
                stack.append((x[i], y[i], (where, f"[{i}]")))
        elif isinstance(x, dict):
            if len(x) != len(y):
                return f"{path}: {len(x)} != {len(y)} keys"
            items = list(zip(x.items(), y.items()))
            for i in range(len(items) - 1, -1, -1):
                (kx, vx), (ky, vy) = items[i]
                stack.append((vx, vy, (where, f"[{kx!r:.40}]")))
                stack.append((kx, ky, (where, f".keys()[{i}]")))
        elif isinstance(x, (set, frozenset)):
            if len(x) != len(y):
                return f"{path}: {len(x)} != {len(y)} items"
            try:
                if {_canon(i) for i in x} != {_canon(i) for i in y}:
                    return f"{path}: {x!r:.120} != {y!r:.120}"
            except ValueError as error:
                return f"{path}: cannot compare set items ({error})"
        elif isinstance(x, bytearray):
            if x != y:
                return f"{path}: {x!r:.120} != {y!r:.120}"
        elif isinstance(x, (pickle.PickleBuffer, memoryview)):
            with memoryview(x) as mx, memoryview(y) as my:
                if mx.tobytes() != my.tobytes() or mx.readonly != my.readonly:
                    return f"{path}: buffers differ"
        elif tx in (slice, range):
            for name in ("step", "stop", "start"):
                stack.append((getattr(x, name), getattr(y, name), (where, f".{name}")))
        if isinstance(x, BaseException):
            stack.append((x.args, y.args, (where, ".args")))
        if hasattr(x, "__dict__") and not isinstance(x, _GLOBAL_TYPES):
            stack.append((vars(x), vars(y), (where, ".__dict__")))
        for name in _slots(tx):
            hx, hy = hasattr(x, name), hasattr(y, name)
            if hx != hy:
                return f"{path}.{name}: set on one side only"
            if hx:
                stack.append((getattr(x, name), getattr(y, name), (where, f".{name}")))
        if (
            not isinstance(x, (list, tuple, dict, set, frozenset, bytearray, str, bytes, int, float))
            and not hasattr(x, "__dict__")
            and not _slots(tx)
            and tx.__eq__ is not object.__eq__
            and not isinstance(x, (pickle.PickleBuffer, memoryview, slice, range, BaseException))
        ):
            if x != y:
                return f"{path}: {x!r:.120} != {y!r:.120}"
    return None


def same_description(a, b) -> str | None:
    stack = [(a, b, None)]
    while stack:
        x, y, path = stack.pop()
        if type(x) is not type(y):
            return f"{render(path, '$')}: {json.dumps(x)[:200]} != {json.dumps(y)[:200]}"
        if isinstance(x, dict):
            if x.keys() != y.keys():
                return f"{render(path, '$')}: fields {sorted(x)} != {sorted(y)}"
            for k in x:
                stack.append((x[k], y[k], (path, f".{k}")))
        elif isinstance(x, list):
            if len(x) != len(y):
                return f"{render(path, '$')}: length {len(x)} != {len(y)}"
            for i in range(len(x) - 1, -1, -1):
                stack.append((x[i], y[i], (path, f"[{i}]")))
        elif x != y:
            return f"{render(path, '$')}: {json.dumps(x)[:200]} != {json.dumps(y)[:200]}"
    return None


# ---------------------------------------------------------------------------
# Sets in a given order: CPython's pure-Python pickler, with every set and
# frozenset read from brine's pickle iterated in the order brine wrote it.


class OSet(set):
    def __init__(self, items=()) -> None:
        super().__init__()
        self.order: list = []
        for item in items:
            self.add(item)

    def add(self, item) -> None:
        if item not in self:
            self.order.append(item)
            super().add(item)


class OFrozenSet(frozenset):
    def __new__(cls, items=()):
        items = list(items)
        obj = super().__new__(cls, items)
        seen: set = set()
        obj.order = []
        for item in items:
            if item not in seen:
                seen.add(item)
                obj.order.append(item)
        return obj


class OrderedUnpickler(pickle._Unpickler):  # type: ignore[name-defined]
    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]

    def find_class(self, module, name):
        found = super().find_class(module, name)
        if found is set:
            return OSet
        if found is frozenset:
            return OFrozenSet
        return found

    def load_empty_set(self):
        self.append(OSet())

    dispatch[pickle.EMPTY_SET[0]] = load_empty_set

    def load_additems(self):
        items = self.pop_mark()
        target = self.stack[-1]
        for item in items:
            target.add(item)

    dispatch[pickle.ADDITEMS[0]] = load_additems

    def load_frozenset(self):
        items = self.pop_mark()
        self.append(OFrozenSet(items))

    dispatch[pickle.FROZENSET[0]] = load_frozenset


class OrderedPickler(pickle._Pickler):  # type: ignore[name-defined]
    """pickle.py's pickler, writing what _pickle.c writes, with sets in a given order."""

    dispatch = dict(pickle._Pickler.dispatch)  # type: ignore[attr-defined]

    def save_oset(self, obj):
        if self.proto < 4:
            self.save_reduce(set, (list(obj.order),), obj=obj)
            return
        self.write(pickle.EMPTY_SET)
        self.memoize(obj)
        if not obj.order:
            return
        # _pickle.c's batches: after a full batch it writes another, so a set of a
        # multiple of 1000 items ends with an empty MARK ADDITEMS (pickle.py does not).
        it = iter(obj.order)
        while True:
            batch = list(islice(it, self._BATCHSIZE))
            self.write(pickle.MARK)
            for item in batch:
                self.save(item)
            self.write(pickle.ADDITEMS)
            if len(batch) < self._BATCHSIZE:
                return

    dispatch[OSet] = save_oset

    # _pickle.c's batch_list_exact and batch_dict_exact, which pickle.py does not
    # follow: a last batch of one item is MARK item APPENDS (pickle.py: APPEND), and
    # a dict whose size is a multiple of 1000 ends with an empty MARK SETITEMS.

    def save_list(self, obj):
        if type(obj) is not list or not self.bin:
            super().save_list(obj)
            return
        self.write(pickle.EMPTY_LIST)
        self.memoize(obj)
        n = len(obj)
        if n == 1:
            self.save(obj[0])
            self.write(pickle.APPEND)
            return
        for start in range(0, n, self._BATCHSIZE):
            self.write(pickle.MARK)
            for item in obj[start : start + self._BATCHSIZE]:
                self.save(item)
            self.write(pickle.APPENDS)

    dispatch[list] = save_list

    def save_dict(self, obj):
        if type(obj) is not dict or not self.bin:
            super().save_dict(obj)
            return
        self.write(pickle.EMPTY_DICT)
        self.memoize(obj)
        items = list(obj.items())
        if not items:
            return
        if len(items) == 1:
            self.save(items[0][0])
            self.save(items[0][1])
            self.write(pickle.SETITEM)
            return
        start = 0
        while True:
            batch = items[start : start + self._BATCHSIZE]
            self.write(pickle.MARK)
            for key, value in batch:
                self.save(key)
                self.save(value)
            self.write(pickle.SETITEMS)
            start += len(batch)
            if len(batch) < self._BATCHSIZE:
                return

    dispatch[dict] = save_dict

    def save_ofrozenset(self, obj):
        if self.proto < 4:
            self.save_reduce(frozenset, (list(obj.order),), obj=obj)
            return
        self.write(pickle.MARK)
        for item in obj.order:
            self.save(item)
        if id(obj) in self.memo:
            self.write(pickle.POP_MARK + self.get(self.memo[id(obj)][0]))
            return
        self.write(pickle.FROZENSET)
        self.memoize(obj)

    dispatch[OFrozenSet] = save_ofrozenset


def ordered_redump(data: bytes, protocol: int) -> bytes:
    value = OrderedUnpickler(io.BytesIO(data)).load()
    f = io.BytesIO()
    OrderedPickler(f, protocol).dump(value)
    return f.getvalue()


# ---------------------------------------------------------------------------


def error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:300]}"


def python_loader_agrees(orig: bytes, brine: bytes, brine_value, item: dict) -> bool:
    """Where CPython's C loader reads the original otherwise than pickle.py (the
    C loader of 3.11 reads `I-0` as False, for one), brine follows pickle.py
    (docs/decisions.md): True when pickle.py loads both pickles to the same
    value, and reads brine's pickle as the C loader does."""
    try:
        py_orig, _ = real_load(orig, item, item.get("buffers"), python=True)
        py_brine, _ = real_load(brine, item, item.get("brine_buffers"), python=True)
    except Exception:  # noqa: BLE001
        return False
    return same_value(py_orig, py_brine) is None and same_value(brine_value, py_brine) is None


def check_vector(item: dict) -> dict:
    protocol = item["protocol"]
    orig = bytes.fromhex(item["orig_hex"])
    brine = bytes.fromhex(item["brine_hex"])
    result: dict = {"category": None, "diff": None, "first_diff": None}
    # The same bytes and the same out-of-band buffers: loading brine's pickle again would load the
    # original again, and compare CPython's loader with itself. The original is still loaded, by
    # CPython and by the model, and each must succeed.
    same = orig == brine and (item.get("buffers") or []) == (item.get("brine_buffers") or [])
    with Extensions(item.get("extensions")):
        # real values
        orig_value = echoed = None
        try:
            orig_value, echoed = real_load(orig, item, item.get("buffers"))
            orig_ok = True
        except Exception as error:  # noqa: BLE001
            orig_ok = False
            result["real"] = f"orig-unloadable: {error_text(error)}"
        if orig_ok and same:
            result["real"] = "equal"
        elif orig_ok:
            try:
                brine_value, _ = real_load(brine, item, item.get("brine_buffers"))
            except Exception as error:  # noqa: BLE001
                result["real"] = f"brine-unloadable: {error_text(error)}"
            else:
                difference = same_value(orig_value, brine_value)
                if difference is None:
                    result["real"] = "equal"
                elif python_loader_agrees(orig, brine, brine_value, item):
                    result["real"] = f"pickle.py-equal: CPython's C loader reads the original otherwise: {difference}"
                else:
                    result["real"] = f"unequal: {difference}"
        # the model (what brine returns)
        try:
            expect = describe(model_load(orig, item, item.get("buffers")), True)
            if same:
                difference = None
            else:
                actual = describe(model_load(brine, item, item.get("brine_buffers")), True)
                difference = same_description(actual, expect)
            result["model"] = "equal" if difference is None else f"unequal: {difference}"
        except Exception as error:  # noqa: BLE001
            result["model"] = f"error: {error_text(error)}"

        encoding = item.get("encoding") or "ASCII"
        category = same_ops(orig, brine, protocol, encoding, item.get("fix_imports", True))
        if category is None and orig_ok:
            # Not explained: is the original what CPython writes for its own value?
            for python in (False, True):  # the value of the C loader, then of pickle.py's
                try:
                    if python:
                        orig_value, echoed = real_load(orig, item, item.get("buffers"), python=True)
                    redump = real_dump(orig_value, protocol, echoed or [])
                except Exception:  # noqa: BLE001
                    continue
                if redump != orig and same_ops(redump, brine, protocol) is not None:
                    category = "cpython-redump"
                    break
    result["category"] = category
    if category != "identical":
        result["first_diff"], result["diff"] = describe_difference(orig, brine, "python")
    return result


def check_redump(item: dict) -> dict:
    protocol = item["protocol"]
    brine = bytes.fromhex(item["brine_hex"])
    result: dict = {"category": None, "diff": None, "first_diff": None, "real": None, "model": None}
    try:
        result["describe"] = describe(model_loads(brine), True)
    except Exception as error:  # noqa: BLE001
        result["model"] = f"error: {error_text(error)}"
    try:
        ref = pickle.dumps(pickle.loads(brine), protocol)
    except Exception as error:  # noqa: BLE001
        result["real"] = f"brine-unloadable: {error_text(error)}"
        return result
    result["real"] = "equal"
    category = same_ops(ref, brine, protocol)
    if category is None:
        try:
            if same_ops(ordered_redump(brine, protocol), brine, protocol) is not None:
                category = "set-order"
        except Exception:  # noqa: BLE001
            pass
    result["category"] = category
    if category != "identical":
        result["first_diff"], result["diff"] = describe_difference(ref, brine, "python")
    return result


def main() -> None:
    items = json.load(sys.stdin)
    results = []
    for item in items:
        try:
            if item.get("mode") == "redump":
                results.append(check_redump(item))
            else:
                results.append(check_vector(item))
        except Exception as error:  # noqa: BLE001 - reported per item
            results.append({"category": None, "diff": None, "first_diff": None, "error": error_text(error)})
    sys.stdout.write(json.dumps(results, ensure_ascii=True, allow_nan=False, separators=(",", ":")))


if __name__ == "__main__":
    run_deep(main)
