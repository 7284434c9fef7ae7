"""Shared by gen-vectors.py and py-helper.py.

Two things live here:

* ``describe(value)``: the JSON description of the JavaScript value that brine's
  ``loads`` must return for a pickle of ``value``. test/support/describe.ts
  computes the same description from the JavaScript value; the tests compare the
  two. The format is documented in test/support/describe.ts.

* ``model_loads(data, ...)``: CPython's own pure-Python unpickler
  (``pickle._Unpickler``), with the few hooks changed so that it builds what
  brine builds instead of importing and calling what the pickle names: globals
  become ``Global`` markers, instances of classes brine does not reconstruct
  become ``Inst`` records (callable, args, state, items), and the builtins that
  brine reconstructs (set, frozenset, complex, slice, range, bytes, bytearray,
  nested-class ``getattr``) are rebuilt as plain Python values. Opcode decoding,
  the memo, marks, framing and the Python 2 name mapping stay CPython's.

Descriptions derived from the value Python pickled and from ``model_loads`` of
the pickle must agree wherever both exist; the generator checks that.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import gc
import io
import json
import math
import pickle
import struct
import sys
import threading

MAX_SAFE_INTEGER = 2**53 - 1
MAX_ARRAY_INDEX = 2**32 - 2


# ---------------------------------------------------------------------------
# Model values: what brine returns where Python itself would build something else


class Global:
    """A global brine does not reconstruct (brine: PyGlobal)."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __repr__(self) -> str:
        return f"Global({self.module!r}, {self.name!r})"


NO_STATE = object()


class Inst:
    """An inert instance (brine: PyObject). APPEND(S), SETITEM(S) and ADDITEMS record items."""

    def __init__(self, kind: str, callable_: object, args: tuple, kwargs: object = None) -> None:
        self.kind = kind
        self.callable = callable_
        self.args = args
        self.kwargs = kwargs
        self.state = NO_STATE
        self.listitems: list | None = None
        self.dictitems: list | None = None
        self.setitems: list | None = None

    # list protocol used by pickle._Unpickler.load_append / load_appends
    def append(self, item: object) -> None:
        if self.listitems is None:
            self.listitems = []
        self.listitems.append(item)

    def extend(self, items: list) -> None:
        for item in items:
            self.append(item)

    # dict protocol used by load_setitem / load_setitems
    def __setitem__(self, key: object, value: object) -> None:
        if self.dictitems is None:
            self.dictitems = []
        self.dictitems.append((key, value))

    # set protocol used by load_additems
    def add(self, item: object) -> None:
        if self.setitems is None:
            self.setitems = []
        self.setitems.append(item)

    def __repr__(self) -> str:
        return f"Inst({self.kind}, {self.callable!r}, {self.args!r})"


def _same_value_zero_key(v: object) -> object:
    """Two values are the same JS Set item when these keys are equal (SameValueZero)."""
    t = type(v)
    if v is None or t is bool or t is str:
        return (t.__name__, v)
    if t is int or t is float:
        desc = number_desc(0 if v == 0 else v)  # -0 and +0 are the same item
        return ("number", desc["t"], desc["v"])
    if t is Global:
        return ("global", v.module, v.name)  # brine keeps one PyGlobal per name
    return ("object", id(v))


class MSet:
    """A set as a JS Set holds it: items in the order the pickle added them, no repeats."""

    def __init__(self, items: object = ()) -> None:
        self.items: list = []
        self._keys: set = set()
        for item in items:  # type: ignore[attr-defined]
            self.add(item)

    def add(self, item: object) -> None:
        key = _same_value_zero_key(item)
        if key not in self._keys:
            self._keys.add(key)
            self.items.append(item)


class MFrozenSet(MSet):
    """A frozenset in pickle order; hashable by identity so it can be a key."""

    __hash__ = object.__hash__


class MBytes(bytes):
    """bytes that are never a cached singleton (CPython shares b'' and 1-byte bytes)."""


class MPickleBuffer:
    """An out-of-band buffer as the test passes it in (brine: PickleBuffer)."""

    def __init__(self, data: bytes, readonly: bool) -> None:
        self.data = bytes(data)
        self.readonly = readonly


# ---------------------------------------------------------------------------
# Numbers as JavaScript spells them


def js_number(x: float) -> str:
    """JavaScript's String(x) for the double x, except that -0 is '-0'."""
    if x != x:
        return "NaN"
    if x == math.inf:
        return "Infinity"
    if x == -math.inf:
        return "-Infinity"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    r = repr(float(x))
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    if "e" in r:
        mantissa, exp_text = r.split("e")
        exp = int(exp_text)
    else:
        mantissa, exp = r, 0
    int_part, _, frac_part = mantissa.partition(".")
    digits = int_part + frac_part
    point = len(int_part) + exp  # value = 0.<digits> * 10**point
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    # ECMAScript Number::toString(x) with s = digits, k digits, exponent n.
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + out


def number_desc(x: int | float) -> dict:
    if isinstance(x, bool):
        raise TypeError("bool is not a number")
    if isinstance(x, int):
        if -MAX_SAFE_INTEGER <= x <= MAX_SAFE_INTEGER:
            return {"t": "number", "v": str(x)}
        return {"t": "bigint", "v": str(x)}
    return {"t": "number", "v": js_number(x)}


def is_array_index(key: str) -> bool:
    """True for the strings a JS object orders as array indices: String(n), 0 <= n <= 2**32 - 2."""
    if key == "0":
        return True
    if not key or not key.isascii() or not key.isdigit() or key[0] == "0":
        return False
    return int(key) <= MAX_ARRAY_INDEX


def dict_is_object(d: dict) -> bool:
    return all(type(k) is str and not is_array_index(k) for k in d)


# ---------------------------------------------------------------------------
# describe()

_ATOMS = (type(None), bool, int, float, str, Global)


def _tracked(v: object) -> bool:
    """Objects with identity in JS. Atoms never are; nor is the empty tuple (never memoized)."""
    if isinstance(v, _ATOMS):
        return False
    if type(v) is tuple and not v:
        return False
    return True


def describe(value: object, dicts_as_map: bool = False) -> dict:
    """The description of the JS value brine returns for `value` (iterative: any depth).

    The walk is depth-first, children in order. An object met again becomes
    {"t":"ref","id":n}; its first node gets "id": n, numbered in order of first
    occurrence among the objects that are met more than once.
    """
    first: dict[int, dict] = {}  # id(obj) -> node of its first occurrence
    order: list[int] = []  # id(obj) of tracked objects, in order of first occurrence
    refs: list[tuple[dict, int]] = []
    keep: list = []  # every tracked object stays alive, so that id() values stay unique
    root: list = []
    # task: (value, target, key): target.append(desc) when key is None, else target[key] = desc
    tasks: list = [(value, root, None)]
    while tasks:
        v, target, slot = tasks.pop()
        if _tracked(v):
            key = id(v)
            if key in first:
                node: dict = {"t": "ref"}
                refs.append((node, key))
                sub: list = []
            else:
                node, sub = _node(v, dicts_as_map)
                first[key] = node
                order.append(key)
                keep.append(v)
        else:
            node, sub = _node(v, dicts_as_map)
        if slot is None:
            target.append(node)
        else:
            target[slot] = node
        if sub:
            tasks.extend(reversed(sub))
    if refs:
        referenced = {key for _, key in refs}
        numbers: dict[int, int] = {}
        for key in order:
            if key in referenced:
                numbers[key] = first[key]["id"] = len(numbers)
        for node, key in refs:
            node["id"] = numbers[key]
    return root[0]


def _js_key(v: object) -> object:
    """A Map key or Set item as JS keeps it: SameValueZero turns -0 into +0."""
    if type(v) is float and v == 0:
        return 0.0
    return v


def _node(v: object, dicts_as_map: bool) -> tuple[dict, list]:
    """One description node and the tasks that fill in its children."""
    t = type(v)
    if v is None:
        return {"t": "null"}, []
    if t is bool:
        return {"t": "bool", "v": v}, []
    if t is int or t is float:
        return number_desc(v), []
    if t is str:
        return {"t": "string", "v": v}, []
    if t is Global:
        return {"t": "global", "module": v.module, "name": v.name}, []
    if t is tuple and not v:
        return {"t": "tuple", "items": []}, []

    node: dict
    sub: list = []
    if t is bytes or t is MBytes:
        node = {"t": "bytes", "hex": bytes(v).hex()}
    elif t is bytearray:
        node = {"t": "bytearray", "hex": bytes(v).hex()}
    elif t is MPickleBuffer:
        node = {"t": "picklebuffer", "hex": v.data.hex(), "readonly": v.readonly}
    elif t is pickle.PickleBuffer:
        with memoryview(v) as m:
            node = {"t": "picklebuffer", "hex": m.tobytes().hex(), "readonly": m.readonly}
    elif t is list or t is tuple:
        items: list = []
        node = {"t": "list" if t is list else "tuple", "items": items}
        sub = [(item, items, None) for item in v]
    elif t is dict:
        entries: list = []
        if not dicts_as_map and dict_is_object(v):
            node = {"t": "object", "entries": entries}
            for k, val in v.items():
                pair: list = [k]
                entries.append(pair)
                sub.append((val, pair, None))
        else:
            node = {"t": "map", "entries": entries}
            for k, val in v.items():
                pair = []
                entries.append(pair)
                sub.append((_js_key(k), pair, None))
                sub.append((val, pair, None))
    elif t is set or t is frozenset or t is MSet or t is MFrozenSet:
        items = []
        node = {"t": "set" if t is set or t is MSet else "frozenset", "items": items}
        members = v.items if t is MSet or t is MFrozenSet else v
        sub = [(_js_key(item), items, None) for item in members]
    elif t is complex:
        node = {"t": "complex", "real": number_desc(v.real), "imag": number_desc(v.imag)}
    elif t is slice or t is range:
        node = {"t": "slice" if t is slice else "range"}
        sub = [(v.start, node, "start"), (v.stop, node, "stop"), (v.step, node, "step")]
    elif t is Inst:
        node = {
            "t": "object-inst",
            "kind": v.kind,
            "kwargs": None,
            "listitems": None,
            "dictitems": None,
            "setitems": None,
        }
        sub = [(v.callable, node, "callable"), (v.args, node, "args")]
        if v.kwargs is not None:
            sub.append((v.kwargs, node, "kwargs"))
        if v.state is not NO_STATE:
            sub.append((v.state, node, "state"))
        if v.listitems is not None:
            node["listitems"] = items = []
            sub.extend((item, items, None) for item in v.listitems)
        if v.dictitems is not None:
            node["dictitems"] = pairs = []
            for k, val in v.dictitems:
                pair = []
                pairs.append(pair)
                sub.append((k, pair, None))
                sub.append((val, pair, None))
        if v.setitems is not None:
            node["setitems"] = items = []
            sub.extend((item, items, None) for item in v.setitems)
    else:
        raise TypeError(f"describe: no description for {t.__module__}.{t.__qualname__}: {v!r:.200}")

    return node, sub


# ---------------------------------------------------------------------------
# JSON that survives any nesting depth


def to_json(value: object) -> str:
    """json.dumps(value), falling back to an iterative writer for very deep values."""
    try:
        return json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    except RecursionError:
        pass
    out: list[str] = []
    stack: list = [value]
    while stack:
        v = stack.pop()
        if type(v) is _Raw:
            out.append(v.text)
        elif isinstance(v, dict):
            out.append("{")
            parts: list = []
            for i, (k, val) in enumerate(v.items()):
                parts.append(_Raw(("," if i else "") + json.dumps(k, ensure_ascii=True) + ":"))
                parts.append(val)
            parts.append(_Raw("}"))
            stack.extend(reversed(parts))
        elif isinstance(v, list):
            out.append("[")
            parts = []
            for i, val in enumerate(v):
                if i:
                    parts.append(_Raw(","))
                parts.append(val)
            parts.append(_Raw("]"))
            stack.extend(reversed(parts))
        else:
            out.append(json.dumps(v, ensure_ascii=True, allow_nan=False))
    return "".join(out)


class _Raw:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


# ---------------------------------------------------------------------------
# The model unpickler


def _getattr_global(obj: object, name: object) -> object:
    if type(obj) is Global and type(name) is str:
        return Global(obj.module, f"{obj.name}.{name}")
    raise _NotReconstructed


def _bytes(*args: object) -> MBytes:
    return MBytes(bytes(*args))


def _codecs_encode(*args: object) -> MBytes:
    return MBytes(codecs.encode(*args))


class _NotReconstructed(Exception):
    pass


# The globals brine turns into values when a pickle calls them (REDUCE).
RECONSTRUCTORS = {
    ("builtins", "set"): lambda *a: MSet(*a),
    ("builtins", "frozenset"): lambda *a: MFrozenSet(*a),
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
    ("builtins", "range"): range,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "bytes"): _bytes,
    ("_codecs", "encode"): _codecs_encode,
    ("builtins", "getattr"): _getattr_global,
}


class ModelUnpickler(pickle._Unpickler):  # type: ignore[name-defined]
    """pickle._Unpickler building brine's view of a pickle (see the module docstring)."""

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]

    def __init__(
        self,
        file: io.BytesIO,
        *,
        fix_imports: bool = True,
        encoding: str = "ASCII",
        buffers: list[bytes] | None = None,
        persistent: bool = False,
        extensions: dict[int, tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(file, fix_imports=fix_imports, encoding=encoding, errors="strict")
        self._model_buffers = iter(buffers) if buffers is not None else None
        self._persistent = persistent
        self._extensions = extensions or {}

    def find_class(self, module: str, name: str) -> Global:
        if self.proto < 3 and self.fix_imports:
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        return Global(module, name)

    def persistent_load(self, pid: object) -> dict:
        if not self._persistent:
            raise pickle.UnpicklingError("persistent id without persistentLoad")
        return {"pid": pid}

    def get_extension(self, code: int) -> None:
        key = self._extensions.get(code)
        if key is None:
            raise pickle.UnpicklingError(f"unregistered extension code {code}")
        self.append(self.find_class(*key))

    def _decode_string(self, value: bytes) -> object:
        if self.encoding == "bytes":
            return MBytes(value)
        return value.decode(self.encoding, self.errors)

    def load_binbytes(self) -> None:
        (n,) = struct.unpack("<I", self.read(4))
        self.append(MBytes(self.read(n)))

    dispatch[pickle.BINBYTES[0]] = load_binbytes

    def load_short_binbytes(self) -> None:
        n = self.read(1)[0]
        self.append(MBytes(self.read(n)))

    dispatch[pickle.SHORT_BINBYTES[0]] = load_short_binbytes

    def load_binbytes8(self) -> None:
        (n,) = struct.unpack("<Q", self.read(8))
        self.append(MBytes(self.read(n)))

    dispatch[pickle.BINBYTES8[0]] = load_binbytes8

    def load_empty_set(self) -> None:
        self.append(MSet())

    dispatch[pickle.EMPTY_SET[0]] = load_empty_set

    def load_frozenset(self) -> None:
        items = self.pop_mark()
        self.append(MFrozenSet(items))

    dispatch[pickle.FROZENSET[0]] = load_frozenset

    def load_additems(self) -> None:
        items = self.pop_mark()
        target = self.stack[-1]
        for item in items:
            target.add(item)

    dispatch[pickle.ADDITEMS[0]] = load_additems

    def load_next_buffer(self) -> None:
        if self._model_buffers is None:
            raise pickle.UnpicklingError("NEXT_BUFFER without buffers")
        self.append(MPickleBuffer(next(self._model_buffers), False))

    dispatch[pickle.NEXT_BUFFER[0]] = load_next_buffer

    def load_readonly_buffer(self) -> None:
        buf = self.stack[-1]
        if type(buf) is MPickleBuffer and not buf.readonly:
            self.stack[-1] = MPickleBuffer(buf.data, True)

    dispatch[pickle.READONLY_BUFFER[0]] = load_readonly_buffer

    def load_reduce(self) -> None:
        stack = self.stack
        args = stack.pop()
        func = stack[-1]
        stack[-1] = _call(func, args)

    dispatch[pickle.REDUCE[0]] = load_reduce

    def load_newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(Inst("newobj", cls, args))

    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_newobj_ex(self) -> None:
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(Inst("newobj_ex", cls, args, kwargs))

    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    def load_inst(self) -> None:
        module = self.readline()[:-1].decode("ascii")
        name = self.readline()[:-1].decode("ascii")
        klass = self.find_class(module, name)
        args = tuple(self.pop_mark())
        self.append(Inst("inst", klass, args))

    dispatch[pickle.INST[0]] = load_inst

    def load_obj(self) -> None:
        args = self.pop_mark()
        cls = args.pop(0)
        self.append(Inst("obj", cls, tuple(args)))

    dispatch[pickle.OBJ[0]] = load_obj

    def load_build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is not Inst:
            raise pickle.UnpicklingError(f"model: BUILD on {type(inst).__name__}")
        inst.state = state

    dispatch[pickle.BUILD[0]] = load_build


def _call(func: object, args: tuple) -> object:
    if type(func) is Global:
        fn = RECONSTRUCTORS.get((func.module, func.name))
        if fn is not None:
            try:
                return fn(*args)
            except _NotReconstructed:
                pass
    return Inst("reduce", func, args)


def model_loads(
    data: bytes,
    *,
    fix_imports: bool = True,
    encoding: str = "ASCII",
    buffers: list[bytes] | None = None,
    persistent: bool = False,
    extensions: dict[int, tuple[str, str]] | None = None,
) -> object:
    return ModelUnpickler(
        io.BytesIO(data),
        fix_imports=fix_imports,
        encoding=encoding,
        buffers=buffers,
        persistent=persistent,
        extensions=extensions,
    ).load()


def model_load_all(data: bytes, **options: object) -> list[tuple[object, int]]:
    """Every pickle in data, each loaded with a fresh memo as `pickle.load(f)` called
    repeatedly does, with the offset just after each (as Unpickler.position)."""
    f = io.BytesIO(data)
    out = []
    while f.tell() < len(data):
        out.append((ModelUnpickler(f, **options).load(), f.tell()))  # type: ignore[arg-type]
    return out


# ---------------------------------------------------------------------------
# Building Python values from the generation language of the property test

# The generation language is the description language with the Python type made
# explicit where JS cannot tell: {"t":"int","v":"<decimal>"} and
# {"t":"float","v":"<JS String(x)>"} instead of "number"/"bigint", and
# {"t":"dict","entries":[[key, value]...]} with described keys instead of
# "object"/"map".


def build(spec: dict) -> object:
    t = spec["t"]
    if t == "null":
        return None
    if t == "bool":
        return bool(spec["v"])
    if t == "int":
        return int(spec["v"])
    if t == "float":
        return float(spec["v"])
    if t == "string":
        return spec["v"]
    if t == "bytes":
        return bytes.fromhex(spec["hex"])
    if t == "bytearray":
        return bytearray.fromhex(spec["hex"])
    if t == "list":
        return [build(item) for item in spec["items"]]
    if t == "tuple":
        return tuple(build(item) for item in spec["items"])
    if t == "dict":
        return {build(k): build(v) for k, v in spec["entries"]}
    if t == "set":
        return {build(item) for item in spec["items"]}
    if t == "frozenset":
        return frozenset(build(item) for item in spec["items"])
    raise ValueError(f"build: unknown type {t!r}")


def run_deep(main) -> None:
    """Runs `main` in a thread with a 1 GiB stack and a high recursion limit: the
    deep vectors (tens of thousands of levels) go through pickle, json.dumps and
    == on nested values, all recursive in C. The garbage collector is off: the
    scripts make millions of short-lived containers, and collecting them only
    costs time. An exception in `main` is raised again in the calling thread."""
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 30)
    failure: list = []

    def run() -> None:
        try:
            main()
        except BaseException as error:  # noqa: BLE001 - raised again below, in the calling thread
            failure.append(error)

    gc.disable()
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
