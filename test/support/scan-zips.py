"""Zip archives for the zip reader tests, written by python3's zipfile.

Prints one JSON object {"archives": [...], "crc": [...]}:
  archives  [{name, hex, entries, error}]: entries is what zipfile itself reads
            from the archive ([name, size, compress_size, crc, method, flag_bits,
            content hex or null when zipfile cannot read it]); error is the
            exception zipfile raises on opening (null when it opens)
  crc       [[hex, zlib.crc32]]

Usage: python3 test/support/scan-zips.py
"""

import io
import json
import struct
import sys
import zipfile
import zlib

ARCHIVES = []


def build(entries, compression=zipfile.ZIP_STORED, comment=b""):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as z:
        for name, data in entries:
            z.writestr(name, data)
        z.comment = comment
    return bytearray(out.getvalue())


def add(name, data):
    data = bytes(data)
    entries = None
    error = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            entries = []
            for info in z.infolist():
                try:
                    content = z.read(info).hex()
                except Exception:
                    content = None
                entries.append(
                    [info.filename, info.file_size, info.compress_size, info.CRC, info.compress_type, info.flag_bits, content]
                )
    except Exception as e:
        error = f"{type(e).__name__}: {e}"
    ARCHIVES.append({"name": name, "hex": data.hex(), "entries": entries, "error": error})


TEXT = b"the quick brown fox jumps over the lazy dog\n" * 40
FILES = [("archive/data.pkl", b"\x80\x02}q\x00."), ("archive/data/0", bytes(range(256))), ("notes.txt", TEXT),
         ("empty", b""), ("dir/\u00e9t\u00e9.txt".encode().decode(), b"utf-8 name")]
add("stored", build(FILES))
add("deflated", build(FILES, zipfile.ZIP_DEFLATED))
add("with a comment", build(FILES, comment=b"a comment PK\x05\x06 inside"))
add("empty archive", build([]))

mismatch = build(FILES)
at = mismatch.index(b"archive/data.pkl")
mismatch[at:at + 16] = b"archive/data.pkx"
add("local name differs", mismatch)

encrypted = build(FILES)
for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
    at = encrypted.index(sig)
    encrypted[at + flag_at] |= 1
add("encrypted first entry", encrypted)

zip64_entry = build(FILES)
at = zip64_entry.index(b"PK\x01\x02")
zip64_entry[at + 20:at + 24] = b"\xff\xff\xff\xff"
add("zip64 sizes in the central directory", zip64_entry)

zip64_end = build(FILES)
at = zip64_end.rindex(b"PK\x05\x06")
zip64_end[at + 8:at + 12] = b"\xff\xff\xff\xff"
add("zip64 entry count", zip64_end)

lying = build([("big.txt", TEXT)], zipfile.ZIP_DEFLATED)
for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
    at = lying.index(sig)
    lying[at + size_at:at + size_at + 4] = struct.pack("<I", 100)
add("deflated entry larger than declared", lying)

bomb = build([("bomb.txt", b"\x00" * 100)], zipfile.ZIP_DEFLATED)
for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
    at = bomb.index(sig)
    bomb[at + size_at:at + size_at + 4] = struct.pack("<I", 0x7FFFFFFF)
add("declared size beyond any deflate ratio", bomb)

add("truncated", build(FILES)[:-10])
add("not a zip", b"PK\x03\x04" + b"\x00" * 40)

trailing = build(FILES) + b"trailing bytes"
add("data after the end record", trailing)

# The end record as miniz (PyTorch) and zipfile find it: the last signature with a whole record
# after it, whatever its comment length says.
past = build(FILES)
at = past.rindex(b"PK\x05\x06")
past[at + 20:at + 22] = struct.pack("<H", 5)
add("end record whose comment runs past the file", past)


def stored_local(name, data):
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data),
                       len(name), 0) + name.encode() + data


def stored_central(name, data, offset):
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, zlib.crc32(data), len(data),
                       len(data), len(name), 0, 0, 0, 0, 0, offset) + name.encode()


def end_record(count, size, offset, comment_len):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, offset, comment_len)


# A first archive whose end record's comment holds a second archive: zipfile lists the second.
first = stored_local("first.txt", b"first")
cd1 = stored_central("first.txt", b"first", 0)
second_at = len(first) + len(cd1) + 22
second = stored_local("second.txt", b"second")
cd2 = stored_central("second.txt", b"second", second_at) + stored_central("first.txt", b"first", 0)
tail = second + cd2 + end_record(2, len(cd2), second_at + len(second), 3)
add("two end records", first + cd1 + end_record(1, len(cd1), len(first), len(tail)) + tail)

# A local header after the central directory, in the end record's comment
body = stored_local("a.txt", b"aaa")
late = stored_local("late.txt", b"late entry")
cd = stored_central("a.txt", b"aaa", 0)
late_at = len(body) + len(cd) + len(stored_central("late.txt", b"late entry", 0)) + 22
cd += stored_central("late.txt", b"late entry", late_at)
add("local header after the central directory", body + cd + end_record(2, len(cd), len(body), len(late)) + late)

try:
    add("bzip2 method", build(FILES[:2], zipfile.ZIP_BZIP2))
except Exception:  # bz2 missing from this python
    pass

crc = [[data.hex(), zlib.crc32(data)] for data in (b"", b"123456789", TEXT, bytes(range(256)) * 3)]
sys.stdout.write(json.dumps({"archives": ARCHIVES, "crc": crc}))
