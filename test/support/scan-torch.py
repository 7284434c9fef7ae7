"""PyTorch checkpoints for the scanner, written and loaded by real torch.

Run with a Python that has torch (Debian's /usr/bin/python3 has torch 1.13):

  /usr/bin/python3 test/support/scan-torch.py > test/vectors/scan-torch.json

Every case is a file torch.load reads: checkpoints written by torch.save (the
zip format with its zip64 records, and the legacy format), legacy tar
archives built by hand in the layout torch.load's tar reader expects, and
archives whose data.pkl reaches a gadget inside torch's own utilities. Each
is loaded with torch.load from a file, in a forked child, under an audit hook
that records and blocks process, browser and file events (as
scan-attacks.py does); `events` lists what it saw. `expect` is `safe`
(nothing ran, the scanner must say safe), `benign` (nothing ran; the scanner
must not say dangerous) or `dangerous` (the hook saw the gadget run; the
scanner must say dangerous).

Prints {"torch": version, "cases": [{name, expect, hex, events}]}.
"""

import collections
import copyreg
import io
import json
import os
import pickle
import struct
import sys
import tarfile
import tempfile
import zipfile

import torch
from torch.utils.data.datapipes.datapipe import _IterDataPipeSerializationWrapper
from torch.utils.data.datapipes.utils.decoder import basichandlers

CASES = []
PROBE = "true #brine-probe"


def add(name, expect, data):
    CASES.append({"name": name, "expect": expect, "hex": bytes(data).hex()})


def saved(obj, legacy=False):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
    return buf.getvalue()


class Evil:
    def __reduce__(self):
        return (os.system, (PROBE,))


EVIL_PICKLE = pickle.dumps(Evil(), protocol=2)

state = collections.OrderedDict(
    [("fc.weight", torch.arange(6, dtype=torch.float32).reshape(2, 3)), ("fc.bias", torch.zeros(2))])
add("torch.save state_dict (zip, zip64 records)", "safe", saved(state))
add("torch.save state_dict, legacy format", "safe", saved(state, legacy=True))
add("torch.save of a class whose __reduce__ is os.system", "dangerous", saved({"model": state, "x": Evil()}))
add("legacy torch.save of os.system", "dangerous", saved([torch.ones(2), Evil()], legacy=True))


class Decoder:
    """basichandlers('pickle', data) is pickle.loads(data)."""

    def __reduce__(self):
        return (basichandlers, ("pickle", EVIL_PICKLE))


class Wrapper:
    """The datapipe serialization wrapper: its __setstate__ is pickle.loads of the state."""

    def __reduce__(self):
        return (copyreg._reconstructor, (_IterDataPipeSerializationWrapper, object, None), (EVIL_PICKLE, False))


add("torch decoder basichandlers('pickle', payload)", "dangerous", saved({"w": torch.ones(1), "d": Decoder()}))
add("torch datapipe wrapper whose state is a pickle", "dangerous", saved({"w": torch.ones(1), "p": Wrapper()}))


def archive_with(data_pkl):
    """A zip as torch.save lays it out, with the given data.pkl."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


def s(text):
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


# torch._utils._import_dotted_name('os.system'), then the result called
add("torch._utils._import_dotted_name, then its result called", "dangerous",
    archive_with(b"\x80\x02ctorch._utils\n_import_dotted_name\n" + s("os.system") + b"\x85R" + s(PROBE) + b"\x85R."))
# UntypedStorage.type(None, 'antigravity.x') imports antigravity, which opens a browser
add("torch.UntypedStorage.type imports a module by name", "dangerous",
    archive_with(b"\x80\x04\x8c\x05torch\x8c\x13UntypedStorage.type\x93N" + b"\x8c\x13antigravity.geohash"
                 + b"\x86R."))


# --- The legacy tar layout: storages, tensors and pickle members ----------------------------------
def tar_of(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def legacy_tar(main_pickle, count_pickle=None):
    """One float storage of 3 elements (key 0), one tensor over it (key 1), then the object."""
    storages = (count_pickle or pickle.dumps(1, 2)) + pickle.dumps((0, "cpu", torch.FloatStorage), 2)
    storages += struct.pack("<q", 3) + struct.pack("<3f", 1.0, 2.0, 3.0)
    storages += pickle.dumps([], 2)  # no views
    tensors = pickle.dumps(1, 2) + pickle.dumps((1, 0, torch.FloatTensor), 2)
    tensors += struct.pack("<i", 1) + b"\0" * 4 + struct.pack("<q", 3) + struct.pack("<q", 1) + struct.pack("<q", 0)
    return tar_of([("storages", storages), ("tensors", tensors), ("pickle", main_pickle)])


class Pid(pickle.Pickler):
    def persistent_id(self, obj):
        return "1" if obj is TENSOR else None


TENSOR = object()


def with_tensor(obj):
    buf = io.BytesIO()
    Pid(buf, protocol=2).dump(obj)
    return buf.getvalue()


add("legacy tar checkpoint", "benign", legacy_tar(with_tensor({"weight": TENSOR})))
add("legacy tar whose pickle member runs os.system", "dangerous", legacy_tar(with_tensor([TENSOR, Evil()])))
add("legacy tar whose storage count pickle runs os.system", "dangerous",
    legacy_tar(with_tensor({"weight": TENSOR}), count_pickle=EVIL_PICKLE))

# --- Proof: torch.load of each file, under an audit hook --------------------------------------------
SENSITIVE = ("os.system", "os.posix_spawn", "os.exec", "os.spawn", "os.fork", "subprocess.Popen", "webbrowser.open")
EVENTS = []


def hook(event, args):
    if event in SENSITIVE:
        EVENTS.append(f"{event} {str(args)[:80]}")
        raise PermissionError(f"blocked {event}")


for case in CASES:
    path = os.path.join(tempfile.mkdtemp(), "model.pt")
    with open(path, "wb") as f:
        f.write(bytes.fromhex(case["hex"]))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            os.environ["BROWSER"] = "true"
            sys.stdout = sys.stderr = open(os.devnull, "w")
            sys.addaudithook(hook)
            loaded = "no"
            try:
                torch.load(path)
                loaded = "yes"
            except BaseException as e:  # noqa: BLE001 - the loader's failure after the blocked event
                loaded = f"{type(e).__name__}: {e}"[:200]
            os.write(write_end, json.dumps({"events": EVENTS, "loaded": loaded}).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as r:
        out = json.loads(r.read() or b'{"events": [], "loaded": "crashed"}')
    os.waitpid(pid, 0)
    case["events"] = out["events"]
    case["loaded"] = out["loaded"]

json.dump({"torch": torch.__version__, "cases": CASES}, sys.stdout, indent=0)
sys.stdout.write("\n")
