"""Hostile and benign pickles for the scanner tests, written by CPython.

Prints one JSON object {"cases": [{name, expect, hex}]} where expect is
  dangerous  the scanner must say `dangerous`
  unsafe     the scanner must not say `safe` (review, dangerous or malformed)
  benign     the scanner must not say `dangerous`
  safe       the scanner must say `safe`
Names starting with "zip:" are zip archives (torch.save layout), the others
single pickles (or byte strings holding several).

numpy and torch are not installed for this python3: their pickles are made by
registering stand-in modules under numpy's and torch's real module names and
giving the stand-in objects the __reduce__ output numpy (1.x `numpy.core`,
2.x `numpy._core`) and torch.save write (see docs/scanner.md). pickle only
checks that a global resolves to the same object by module and qualified name,
so the bytes are those numpy and torch produce for these values.

Usage: python3 test/support/scan-corpus.py
"""

import collections
import copyreg
import dataclasses
import datetime
import decimal
import fractions
import io
import json
import os
import pickle
import pickletools
import struct
import subprocess
import sys
import types
import uuid
import zipfile

CASES = []


def add(name, expect, data):
    CASES.append({"name": name, "expect": expect, "hex": bytes(data).hex()})


class Reduce:
    """An object that pickles as `func(*args)`."""

    def __init__(self, func, *args):
        self.func = func
        self.args = args

    def __reduce__(self):
        return (self.func, self.args)


# --- Hostile: code execution through REDUCE at every protocol ---------------
GADGETS = {
    "os.system": Reduce(os.system, "echo pwned"),
    "subprocess.Popen": Reduce(subprocess.Popen, ["echo", "pwned"]),
    "subprocess.check_output": Reduce(subprocess.check_output, ["id"]),
    "builtins.eval": Reduce(eval, "__import__('os').system('id')"),
    "builtins.exec": Reduce(exec, "import os; os.system('id')"),
    "builtins.compile": Reduce(compile, "1", "f", "eval"),
    "builtins.__import__": Reduce(__import__, "os"),
    "builtins.open": Reduce(open, "/etc/passwd"),
    "nested pickle.loads": Reduce(pickle.loads, pickle.dumps(Reduce(os.system, "id"))),
    "os.popen in a list": [1, 2, Reduce(os.popen, "id")],
    "eval in a dict value": {"weights": [1.0, 2.0], "hook": Reduce(eval, "1+1")},
    "shutil.rmtree": Reduce(__import__("shutil").rmtree, "/tmp/x"),
    "socket.create_connection": Reduce(__import__("socket").create_connection, ("example.com", 80)),
    "runpy._run_code": Reduce(__import__("runpy").run_path, "/tmp/x.py"),
    "importlib.import_module": Reduce(__import__("importlib").import_module, "os"),
    "pkgutil.resolve_name": Reduce(__import__("pkgutil").resolve_name, "os:system"),
    "marshal.loads": Reduce(__import__("marshal").loads, b"\xe3"),
    "operator.attrgetter": Reduce(__import__("operator").attrgetter, "system"),
    "operator.methodcaller": Reduce(__import__("operator").methodcaller, "system", "id"),
    "webbrowser.open": Reduce(__import__("webbrowser").open, "http://example.com"),
    "pty.spawn": Reduce(__import__("pty").spawn, "/bin/sh"),
    "code.InteractiveInterpreter": Reduce(__import__("code").InteractiveInterpreter),
    "ctypes.CDLL": Reduce(__import__("ctypes").CDLL, "libc.so.6"),
    "asyncio subprocess transport": Reduce(__import__("asyncio.unix_events").unix_events._UnixSubprocessTransport),
    "timeit.timeit": Reduce(__import__("timeit").timeit, "1"),
    "cProfile.run": Reduce(__import__("cProfile").run, "1"),
    "logging.FileHandler": Reduce(__import__("logging").FileHandler, "/tmp/x"),
    "functools.partial of os.system": Reduce(__import__("functools").partial, os.system, "id"),
}
for label, value in GADGETS.items():
    for proto in range(6):
        add(f"{label} p{proto}", "dangerous", pickle.dumps(value, protocol=proto))

# --- Hostile: hand-written pickles -------------------------------------------
P = []  # (name, expect, bytes)


def u(text):
    """SHORT_BINUNICODE"""
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def sg(module, name):
    """STACK_GLOBAL of two constant strings"""
    return u(module) + u(name) + b"\x93"


def frame(body):
    return b"\x95" + struct.pack("<Q", len(body)) + body


# Python 2 names, mapped by the loader's fix_imports below protocol 3
P.append(("py2 __builtin__.eval", "dangerous", b"c__builtin__\neval\n(S'1+1'\ntR."))
P.append(("py2 posix.system", "dangerous", b"cposix\nsystem\n(S'id'\ntR."))
P.append(("py2 commands.getoutput", "dangerous", b"ccommands\ngetoutput\n(S'id'\ntR."))
P.append(("py2 cPickle.loads", "dangerous", b"ccPickle\nloads\n(S'x'\ntR."))
P.append(("types.FunctionType", "dangerous", b"ctypes\nFunctionType\n(I1\nI2\ntR."))
P.append(("types.CodeType protocol 4", "dangerous", b"\x80\x04\x8c\x05types\x8c\x08CodeType\x93)R."))
P.append(("py2 __builtin__.eval at protocol 4", "dangerous", b"\x80\x04c__builtin__\neval\n(S'1'\ntR."))

# Dotted names
P.append(("STACK_GLOBAL pathlib + os.system", "dangerous", b"\x80\x04" + sg("pathlib", "os.system") + u("id") + b"\x85R."))
P.append(("GLOBAL pathlib os.system at protocol 4", "dangerous", b"\x80\x04cpathlib\nos.system\n(S'id'\ntR."))
P.append(("dotted __globals__", "dangerous", b"\x80\x04" + sg("os.path", "join.__globals__") + b"."))
P.append(("dotted __globals__ from an allowed name", "dangerous",
          b"\x80\x04" + sg("collections", "OrderedDict.__init__.__globals__") + b"."))
P.append(("getattr chain to os.system", "dangerous",
          b"cbuiltins\ngetattr\n(cos\npath\nS'join'\ntR."))
P.append(("getattr on a module object", "dangerous",
          b"\x80\x02cbuiltins\ngetattr\ncbuiltins\nstr\nX\x0b\x00\x00\x00__globals__\x86R."))
P.append(("getattr of an attribute string", "dangerous",
          b"\x80\x02cbuiltins\ngetattr\ncpathlib\nPath\nX\x02\x00\x00\x00os\x86R."))
P.append(("getattr called with a computed name", "dangerous",
          b"\x80\x02cbuiltins\ngetattr\ncpathlib\nPath\ncbuiltins\nstr\nX\x02\x00\x00\x00os\x85R\x86R."))
P.append(("STACK_GLOBAL builtins.getattr", "dangerous",
          b"\x80\x04\x8c\x08builtins\x8c\x07getattr\x93\x8c\x02os\x8c\x06system\x86R."))

# Calls hidden behind POP and the memo
P.append(("call result POPped", "dangerous", b"cos\nsystem\n(S'id'\ntR0N."))
P.append(("call result POPped protocol 4", "dangerous", b"\x80\x04" + frame(sg("os", "system") + u("id") + b"\x85R0N.")))
P.append(("global through the memo", "dangerous", b"cos\nsystem\np0\n0g0\n(S'id'\ntR."))
P.append(("global through BINPUT/BINGET", "dangerous", b"\x80\x02cos\nsystem\nq\x050N0h\x05X\x02\x00\x00\x00id\x85R."))
P.append(("OBJ then POP", "dangerous", b"(cos\nsystem\nS'id'\no0N."))
P.append(("INST", "dangerous", b"(S'id'\nios\nsystem\n."))
P.append(("INST then POP", "dangerous", b"(S'id'\nisubprocess\ncheck_output\n0N."))
P.append(("NEWOBJ of a gadget", "dangerous", b"\x80\x02csubprocess\nPopen\nX\x02\x00\x00\x00id\x85\x81."))
P.append(("NEWOBJ_EX of a gadget", "dangerous", b"\x80\x04" + sg("subprocess", "Popen") + u("id") + b"\x85}\x92."))
P.append(("BUILD on a global (modelscan #330)", "dangerous",
          b"\x80\x04" + sg("numpy", "size") + b"}" + u("shape") + sg("numpy", "__builtins__") + b"sb."))
P.append(("BUILD on an allowed global", "dangerous", b"\x80\x02cbuiltins\nset\n}X\x01\x00\x00\x00aK\x01sb."))

# STACK_GLOBAL operands from the memo (picklescan #22 bypass) and DUP
P.append(("STACK_GLOBAL operands from the memo", "dangerous",
          b"\x80\x04\x8c\x08builtins\x94\x8c\x05print\x94\x8c\x02os\x94\x8c\x06system\x94"
          b"0000h\x02h\x03\x93\x8c\x02id\x85R."))
P.append(("STACK_GLOBAL decoy then memo swap", "dangerous",
          b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x8c\x08builtins\x8c\x05print\x93h\x00h\x01\x93\x8c\x02id\x85R."))
P.append(("STACK_GLOBAL with PUT indices out of order", "dangerous",
          b"\x80\x02X\x06\x00\x00\x00systemq\x07X\x02\x00\x00\x00osq\x030h\x03h\x07\x93X\x02\x00\x00\x00id\x85R."))
P.append(("STACK_GLOBAL module from DUP", "dangerous",
          b"\x80\x04\x8c\x02os2\x93\x8c\x02id\x85R."))
P.append(("STACK_GLOBAL with computed operands", "unsafe",
          b"\x80\x04\x8c\x08builtins\x8c\x03str\x93\x8c\x02os\x85R\x8c\x06system\x93\x8c\x02id\x85R."))
P.append(("STACK_GLOBAL with LONG_BINGET operands", "dangerous",
          b"\x80\x04" + u("os") + b"r\x00\x00\x01\x00" + u("system") + b"r\x01\x00\x02\x000j\x00\x00\x01\x00j\x01\x00\x02\x00\x93N\x85R."))

# Extension codes: os.system registered in copyreg's extension registry
copyreg.add_extension("os", "system", 0xF0)
copyreg.add_extension("subprocess", "getoutput", 0x1234)
copyreg.add_extension("builtins", "exec", 0x123456)
try:
    for proto in range(2, 6):
        P.append((f"EXT1 p{proto}", "unsafe", pickle.dumps(Reduce(os.system, "id"), protocol=proto)))
        P.append((f"EXT2 p{proto}", "unsafe", pickle.dumps(Reduce(subprocess.getoutput, "id"), protocol=proto)))
        P.append((f"EXT4 p{proto}", "unsafe", pickle.dumps(Reduce(exec, "1"), protocol=proto)))
finally:
    copyreg.remove_extension("os", "system", 0xF0)
    copyreg.remove_extension("subprocess", "getoutput", 0x1234)
    copyreg.remove_extension("builtins", "exec", 0x123456)

# Persistent ids outside a container that explains them
P.append(("PERSID", "unsafe", b"P0\n."))
P.append(("BINPERSID", "unsafe", b"\x80\x02X\x03\x00\x00\x00key\x85Q."))

# A payload before a deliberate error (nullifAI), after STOP, concatenated
evil = pickle.dumps(Reduce(os.system, "id"), protocol=2)
P.append(("payload then garbage", "dangerous", evil[:-1] + b"\xff\xfe"))
P.append(("payload then truncation", "dangerous", evil[:-1]))
P.append(("payload then a bad memo read", "dangerous", evil[:-1] + b"h\x63."))
P.append(("payload in a frame then damage", "dangerous",
          pickle.dumps(Reduce(os.system, "id"), protocol=4)[:-3] + b"\x00\x00\x00"))
P.append(("payload after STOP", "dangerous", b"N." + evil))
P.append(("payload after STOP protocol 0", "dangerous", b"N.cos\nsystem\n(S'id'\ntR."))
P.append(("concatenated pickles", "dangerous", pickle.dumps([1, 2], protocol=4) + pickle.dumps({"a": 1}) + evil))
P.append(("global after STOP with garbage", "dangerous", b"K\x01.\xff\xffcos\nsystem\n."))
P.append(("payload after a base-16 INT", "dangerous", b"I0x10\n0cos\nsystem\n(S'id'\ntR."))
P.append(("frame-straddling operand", "dangerous",
          b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00" + sg("os", "system") + u("id") + b"\x85R."))
P.append(("plain data then garbage", "unsafe", pickle.dumps([1, 2, 3]) + b"garbage"))
P.append(("not a pickle (7z magic)", "unsafe", b"7z\xbc\xaf\x27\x1c\x00\x04"))
P.append(("empty input", "unsafe", b""))

for name, expect, data in P:
    add(name, expect, data)

# --- Benign ------------------------------------------------------------------
PLAIN = [
    None,
    True,
    [1, -1, 2**31, 2**70, -(2**100), 1.5, float("inf"), "text", "\u00e9\u4e2d\U0001f600", b"\x00\xff", None],
    {"a": [1, 2, (3, 4)], "b": {"c": b"bytes", "d": bytearray(b"ba")}, 7: "int key"},
    {1, 2, 3},
    frozenset({"x", "y"}),
    ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
    list(range(2500)),
    {str(i): i for i in range(1500)},
    "x" * 70000,
]
rec = [1]
rec.append(rec)
PLAIN.append(rec)
for i, value in enumerate(PLAIN):
    for proto in range(6):
        add(f"plain data {i} p{proto}", "safe", pickle.dumps(value, protocol=proto))


@dataclasses.dataclass
class Point:
    x: int
    y: float
    tags: list

    def norm(self):
        return abs(self.x) + abs(self.y)


class Color(__import__("enum").Enum):
    RED = 1


STDLIB = {
    "datetime": [datetime.datetime(2024, 5, 6, 7, 8, 9, 10), datetime.date(2024, 1, 2), datetime.time(1, 2),
                 datetime.timedelta(days=3, seconds=4),
                 datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))],
    "decimal and fraction": [decimal.Decimal("1.25"), fractions.Fraction(3, 7), complex(1, 2)],
    "collections": [collections.OrderedDict(a=1, b=2), collections.defaultdict(list, {"k": [1]}),
                    collections.deque([1, 2], maxlen=5), collections.Counter("hello")],
    "uuid": [uuid.UUID("12345678-1234-5678-1234-567812345678")],
    "range and slice": [range(1, 10, 2), slice(1, None, 2)],
}
for label, value in STDLIB.items():
    for proto in range(6):
        add(f"stdlib {label} p{proto}", "safe", pickle.dumps(value, protocol=proto))
for proto in range(6):
    add(f"dataclass p{proto}", "benign", pickle.dumps([Point(1, 2.5, ["a"]), Point(3, 4.0, [])], protocol=proto))
    add(f"enum p{proto}", "benign", pickle.dumps(Color.RED, protocol=proto))
    add(f"bound method p{proto}", "benign", pickle.dumps(Point(1, 2.0, []).norm, protocol=proto))
P2 = [
    ("getattr of a dunder on a built object", "dangerous",
     b"\x80\x02cbuiltins\ngetattr\nc__main__\nPoint\n)\x81X\x09\x00\x00\x00__class__\x86R."),
]
for name, expect, data in P2:
    add(name, expect, data)


# numpy stand-ins, under numpy 1.x and 2.x module names
def fake_module(name):
    module = types.ModuleType(name)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def fake_function(module, name):
    def f(*args):
        raise NotImplementedError

    f.__module__ = module.__name__
    f.__qualname__ = f.__name__ = name
    setattr(module, name, f)
    return f


np = fake_module("numpy")


class ndarray:  # noqa: N801 - numpy's name
    pass


class dtype:  # noqa: N801 - numpy's name
    def __init__(self, code):
        self.code = code

    def __reduce__(self):
        # numpy's dtype.__reduce__: (dtype, (code, False, True), state)
        order = "|" if self.code in ("b1", "u1", "O8") else "<"
        return (dtype, (self.code, False, True), (3, order, None, None, None, -1, -1, 0))


ndarray.__module__ = dtype.__module__ = "numpy"
np.ndarray = ndarray
np.dtype = dtype
NUMPY_NAMES = {}
for core in ("numpy.core", "numpy._core"):
    fake_module(core)
    multiarray = fake_module(f"{core}.multiarray")
    numeric = fake_module(f"{core}.numeric")
    NUMPY_NAMES[core] = (
        fake_function(multiarray, "_reconstruct"),
        fake_function(multiarray, "scalar"),
        fake_function(numeric, "_frombuffer"),
    )


class FakeArray:
    """Reduces as numpy's ndarray.__reduce_ex__ does for a C-contiguous numeric array."""

    def __init__(self, core, code, shape, raw):
        self.core, self.code, self.shape, self.raw = core, code, shape, raw

    def __reduce_ex__(self, proto):
        reconstruct, _, frombuffer = NUMPY_NAMES[self.core]
        if proto >= 5:
            return (frombuffer, (pickle.PickleBuffer(bytearray(self.raw)), dtype(self.code), self.shape, "C"))
        return (reconstruct, (ndarray, (0,), b"b"), (1, self.shape, dtype(self.code), False, self.raw))


class FakeScalar:
    def __init__(self, core, code, raw):
        self.core, self.code, self.raw = core, code, raw

    def __reduce__(self):
        return (NUMPY_NAMES[self.core][1], (dtype(self.code), self.raw))


for core in ("numpy.core", "numpy._core"):
    arrays = {
        "f8": FakeArray(core, "f8", (2, 3), struct.pack("<6d", *range(6))),
        "i4": FakeArray(core, "i4", (4,), struct.pack("<4i", 1, -2, 3, -4)),
        "scalar": FakeScalar(core, "f8", struct.pack("<d", 2.5)),
    }
    for label, value in arrays.items():
        for proto in range(6):
            add(f"{core} array {label} p{proto}", "safe", pickle.dumps({"w": value}, protocol=proto))
    # protocol 5 with the buffer out of band (NEXT_BUFFER)
    add(f"{core} array out of band", "safe",
        pickle.dumps(arrays["f8"], protocol=5, buffer_callback=lambda b: False))


# torch stand-ins: torch.save's data.pkl (protocol 2, persistent storages)
torch = fake_module("torch")
torch_utils = fake_module("torch._utils")
rebuild_v2 = fake_function(torch_utils, "_rebuild_tensor_v2")
rebuild_param = fake_function(torch_utils, "_rebuild_parameter")


class FloatStorage:
    pass


FloatStorage.__module__ = "torch"
torch.FloatStorage = FloatStorage


class Storage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class Tensor:
    def __init__(self, storage, size, stride):
        self.storage, self.size, self.stride = storage, size, stride

    def __reduce_ex__(self, proto):
        return (rebuild_v2, (self.storage, 0, self.size, self.stride, False, collections.OrderedDict()))


class Parameter(Tensor):
    def __reduce_ex__(self, proto):
        return (rebuild_param, (Tensor(self.storage, self.size, self.stride), True, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", FloatStorage, obj.key, "cpu", obj.numel)
        return None


def torch_data_pkl(obj):
    out = io.BytesIO()
    TorchPickler(out, protocol=2).dump(obj)
    return out.getvalue()


s0, s1 = Storage("0", 6), Storage("1", 3)
state = collections.OrderedDict(
    [("layer.weight", Tensor(s0, (2, 3), (3, 1))), ("layer.bias", Parameter(s1, (3,), (1,)))]
)
state._metadata = collections.OrderedDict([("", {"version": 1})])
BENIGN_PKL = torch_data_pkl(state)
add("torch data.pkl alone (persistent ids)", "unsafe", BENIGN_PKL)


def torch_zip(entries, compression=zipfile.ZIP_STORED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as z:
        for name, data in entries:
            z.writestr(name, data)
    return bytearray(out.getvalue())


def torch_entries(pkl, name="archive/data.pkl"):
    return [
        (name, pkl),
        ("archive/byteorder", b"little"),
        ("archive/data/0", struct.pack("<6f", *range(6))),
        ("archive/data/1", struct.pack("<3f", 1, 2, 3)),
        ("archive/version", b"3\n"),
        ("archive/.data/serialization_id", b"1234567890"),
    ]


def rename_local(archive, old, new):
    """Changes the name in the local header only (CVE-2025-1944)."""
    at = archive.index(b"PK\x03\x04" + archive[4:26] + struct.pack("<H", len(old)))
    at = archive.index(old, at)
    archive[at:at + len(old)] = new
    return archive


def rename_central(archive, old, new):
    at = archive.index(b"PK\x01\x02")
    at = archive.index(old, at)
    archive[at:at + len(old)] = new
    return archive


EVIL_PKL = pickle.dumps(Reduce(os.system, "id"), protocol=2)
add("zip:torch state_dict", "safe", torch_zip(torch_entries(BENIGN_PKL)))
add("zip:torch state_dict deflated", "safe", torch_zip(torch_entries(BENIGN_PKL), zipfile.ZIP_DEFLATED))
add("zip:torch malicious data.pkl", "dangerous", torch_zip(torch_entries(EVIL_PKL)))
add("zip:torch malicious data.pkl deflated", "dangerous", torch_zip(torch_entries(EVIL_PKL), zipfile.ZIP_DEFLATED))
add("zip:torch malicious, local name differs", "dangerous",
    rename_local(torch_zip(torch_entries(EVIL_PKL)), b"archive/data.pkl", b"archive/data.pkx"))
add("zip:torch malicious, central name not .pkl", "dangerous",
    rename_central(torch_zip(torch_entries(EVIL_PKL)), b"archive/data.pkl", b"archive/data.bin"))
add("zip:torch benign, names differ", "unsafe",
    rename_local(torch_zip(torch_entries(BENIGN_PKL)), b"archive/data.pkl", b"archive/data.pkx"))
add("zip:malicious pickle without the .pkl extension", "dangerous",
    torch_zip(torch_entries(BENIGN_PKL) + [("archive/extra.bin", EVIL_PKL)]))
bad_crc = torch_zip(torch_entries(BENIGN_PKL))
bad_crc[bad_crc.index(b"\x80\x02", 30) + 5] ^= 1  # data.pkl content changed: CRC no longer matches
add("zip:torch benign, CRC mismatch", "unsafe", bad_crc)
# An entry that only a local header lists (the central directory hides it)
hidden = torch_zip(torch_entries(BENIGN_PKL))
cd = hidden.index(b"PK\x01\x02")
extra = torch_zip([("archive/hidden.pkl", EVIL_PKL)])
local = extra[: extra.index(b"PK\x01\x02")]
hidden = hidden[:cd] + local + hidden[cd:]
eocd = hidden.rindex(b"PK\x05\x06")
hidden[eocd + 16:eocd + 20] = struct.pack("<I", cd + len(local))
add("zip:entry hidden from the central directory", "dangerous", hidden)
# A zip that is also a pickle: pickle.load reads the bytes from the start, torch.load reads the zip
polyglot = io.BytesIO()
polyglot.write(b"PK\x03\x04 not a header\n0cos\nsystem\n(S'id'\ntR.")
with zipfile.ZipFile(polyglot, "a") as z:
    for name, data in torch_entries(BENIGN_PKL):
        z.writestr(name, data)
add("zip:zip and pickle polyglot", "dangerous", polyglot.getvalue())
add("zip:truncated archive", "unsafe", torch_zip(torch_entries(BENIGN_PKL))[:-30])



# --- What CPython itself does with each pickle ---------------------------------
class Stub:
    """Stands in for every global: accepts any construction, state and items."""

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass

    def append(self, item):
        pass

    def extend(self, items):
        pass

    def __setitem__(self, key, value):
        pass


class Recorder(pickle.Unpickler):
    """The C unpickler, recording every global it is asked to find (raw names, before fix_imports)."""

    def __init__(self, file, lookups):
        super().__init__(file)
        self.lookups = lookups

    def find_class(self, module, name):
        self.lookups.append([module, name])
        return type(name.replace(".", "_") or "x", (Stub,), {})

    def persistent_load(self, pid):
        return Stub()


CALLS = {"REDUCE", "NEWOBJ", "NEWOBJ_EX", "INST", "OBJ", "BUILD"}
for case in CASES:
    if case["name"].startswith("zip:"):
        continue
    data = bytes.fromhex(case["hex"])
    lookups = []
    f = io.BytesIO(data)
    unpickler = Recorder(f, lookups)
    while f.tell() < len(data):
        try:
            unpickler.load()
        except Exception:
            break
    case["lookups"] = lookups
    # For one well-formed pickle: its protocols and its call sites, from pickletools
    try:
        ops = list(pickletools.genops(data))
    except Exception:
        continue
    if ops[-1][2] + 1 != len(data):
        continue
    case["protocols"] = sorted({arg for op, arg, _ in ops if op.name == "PROTO"})
    case["calls"] = sum(1 for op, _, _ in ops if op.name in CALLS)

sys.stdout.write(json.dumps({"cases": CASES}))
