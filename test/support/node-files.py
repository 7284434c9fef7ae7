"""Files for test/node.test.ts, written by CPython the way Python programs write them.

python3 test/support/node-files.py DIR

writes into DIR and prints a JSON manifest on stdout:
- stream.pkl: thousands of pickles written by repeated pickle.dump (protocols 0-5,
  sizes from a few bytes to several 64 KiB chunks), with each pickle's offset,
  length and the description of its value (vectors_lib.describe);
- small.pkl: the first pickles of the same kind, for one-byte chunks;
- truncated.pkl, garbage.pkl, zeros.pkl, bad-middle.pkl: good pickles followed
  by a cut pickle, bytes that are not an opcode, or a bad pickle between good ones;
- memo.pkl: several dump() calls of one Pickler that share objects (keepMemo);
- oob.pkl: protocol 5 pickles whose buffers went out of band, with the buffers;
- text-*.pkl: pickles written through Python text-mode files (newline
  translation, UTF-8 and replacement decoding), each with whether Python can
  still load them.
"""

import io
import json
import os
import pickle
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
from vectors_lib import describe  # noqa: E402

out = sys.argv[1]
rng = random.Random(20240611)


def value(i: int) -> object:
    kind = i % 7
    if kind == 0:
        return i
    if kind == 1:
        return {"i": i, "name": "x" * rng.randint(0, 300), "score": rng.random()}
    if kind == 2:
        return [i, bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 600))), (i, "t"), None, True]
    if kind == 3:
        return {"i": i, "nested": [{"k": j, "v": [j] * rng.randint(0, 20)} for j in range(rng.randint(0, 30))]}
    if kind == 4:
        return ("tuple", i, 2**70 + i, -1.5, frozenset({i, "s"}))
    if kind == 5:
        return {"i": i, "text": "é€\n\r\x00😀" * rng.randint(0, 50), "set": {i, i + 1}}
    return [i, bytearray(rng.randint(0, 100)), "line\nbreak", {"\r\n": b"\r\n\x80"}]


def write_stream(path: str, count: int, big_at: int | None) -> list[dict]:
    entries = []
    with open(path, "wb") as f:
        for i in range(count):
            v = value(i)
            if i == big_at:
                # One pickle larger than several 64 KiB chunks, in protocol 4 frames and out of them.
                v = {"i": i, "big": bytes(range(256)) * 1200, "words": ["w%d" % j for j in range(20000)]}
            protocol = i % 6
            start = f.tell()
            pickle.dump(v, f, protocol=protocol)
            entries.append({"offset": start, "length": f.tell() - start, "desc": describe(v)})
    return entries


manifest: dict = {}
manifest["stream"] = write_stream(os.path.join(out, "stream.pkl"), 3000, 1234)
manifest["small"] = write_stream(os.path.join(out, "small.pkl"), 150, None)

good = [{"a": 1}, [1, 2, 3], "three"]
goodDescs = [describe(v) for v in good]


def good_prefix(f: io.BufferedWriter) -> None:
    for i, v in enumerate(good):
        pickle.dump(v, f, protocol=[2, 4, 5][i])


# A cut pickle at the end: the first half of a protocol 5 pickle.
with open(os.path.join(out, "truncated.pkl"), "wb") as f:
    good_prefix(f)
    cut_at = f.tell()
    last = pickle.dumps({"lost": list(range(100))}, protocol=5)
    f.write(last[: len(last) // 2])
manifest["truncated"] = {"values": goodDescs, "cutAt": cut_at, "size": cut_at + len(last) // 2}

# Bytes after the last pickle that are not an opcode.
with open(os.path.join(out, "garbage.pkl"), "wb") as f:
    good_prefix(f)
    garbage_at = f.tell()
    f.write(b"\xffjunk after the last pickle")
manifest["garbage"] = {"values": goodDescs, "at": garbage_at}

with open(os.path.join(out, "zeros.pkl"), "wb") as f:
    good_prefix(f)
    zeros_at = f.tell()
    f.write(b"\x00" * 100)
manifest["zeros"] = {"values": goodDescs, "at": zeros_at}

# A bad pickle between good ones: PROTO 2, then a byte that is not an opcode.
with open(os.path.join(out, "bad-middle.pkl"), "wb") as f:
    good_prefix(f)
    bad_at = f.tell()
    f.write(b"\x80\x02\xfe")
    pickle.dump("never read", f)
manifest["badMiddle"] = {"values": goodDescs, "at": bad_at + 2}

# One Pickler, several dump() calls: later pickles refer to the memo of earlier ones.
with open(os.path.join(out, "memo.pkl"), "wb") as f:
    p = pickle.Pickler(f, protocol=4)
    shared = {"shared": [1, 2]}
    p.dump({"first": shared})
    p.dump(shared)
    p.dump([shared, shared])

# Out-of-band buffers (PEP 574) of several pickles, in the order pickle.dump gave them.
oob_buffers = []
with open(os.path.join(out, "oob.pkl"), "wb") as f:
    for i in range(3):
        payload = pickle.PickleBuffer(bytearray(b"buffer %d" % i))
        pickle.dump({"i": i, "data": payload}, f, protocol=5, buffer_callback=oob_buffers.append)
manifest["oob"] = [bytes(b.raw()).hex() for b in oob_buffers]

# Text mode. Python 3 refuses bytes in a text file; these are the bytes of
# pickles that went through one anyway (str round trips, Python 2 on Windows).
text_value = {"bytes": b"\x00\n\r\x80\xff" * 3, "text": "line\nbreak é", "n": [1, 2**40, -3.25]}
text_files = []
for protocol in range(6):
    data = b"".join(pickle.dumps([text_value, i], protocol=protocol) for i in range(3))
    variants = {
        # newline translation: open(path, 'w', newline='\r\n')
        "crlf": dict(encoding="latin-1", newline="\r\n", text=data.decode("latin-1")),
        # decoded as Latin-1, written as UTF-8
        "utf8": dict(encoding="utf-8", newline="", text=data.decode("latin-1")),
        # decoded as UTF-8 with replacement characters, written back
        "replace": dict(encoding="utf-8", newline="", text=data.decode("utf-8", "replace")),
    }
    for name, v in variants.items():
        path = os.path.join(out, f"text-{name}-{protocol}.pkl")
        with open(path, "w", encoding=v["encoding"], newline=v["newline"]) as f:
            f.write(v["text"])
        with open(path, "rb") as f:
            try:
                while True:
                    try:
                        pickle.load(f)
                    except EOFError:
                        break
                python_fails = False
            except Exception:
                python_fails = True
        text_files.append({"name": f"text-{name}-{protocol}.pkl", "protocol": protocol, "pythonFails": python_fails})
manifest["text"] = text_files

sys.stdout.write(json.dumps(manifest))
