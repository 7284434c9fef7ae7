"""Writes test/fixtures/scan/: compressed pickles and joblib files carrying a
gadget (os.system through __reduce__), for the scanner's tests. Needs numpy
and joblib: run with /usr/bin/python3 scripts/make-scan-joblib-fixtures.py.
Loading any of these files runs `echo pwned`: they are never loaded here."""
import bz2, gzip, lzma, os, pickle, zlib, pathlib

import joblib
import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / 'test' / 'fixtures' / 'scan'
OUT.mkdir(parents=True, exist_ok=True)


class Evil:
    def __reduce__(self):
        return (os.system, ('echo pwned',))


plain = pickle.dumps({'model': [1, 2, 3], 'x': Evil()}, protocol=4)
(OUT / 'gadget.pkl.gz').write_bytes(gzip.compress(plain, mtime=0))
(OUT / 'gadget.pkl.bz2').write_bytes(bz2.compress(plain))
(OUT / 'gadget.pkl.xz').write_bytes(lzma.compress(plain, format=lzma.FORMAT_XZ))
(OUT / 'gadget.pkl.lzma').write_bytes(lzma.compress(plain, format=lzma.FORMAT_ALONE))
(OUT / 'gadget.pkl.zlib').write_bytes(zlib.compress(plain))
(OUT / 'data.pkl.gz').write_bytes(gzip.compress(pickle.dumps({'a': [1, 2.5, 'x']}, protocol=2), mtime=0))

# The gadget after the arrays: the scanner must resume after the raw bytes to see it.
arrays = {'w': np.arange(64, dtype=np.float64).reshape(8, 8), 'b': np.arange(7, dtype=np.int32)}
joblib.dump({**arrays, 'x': Evil()}, OUT / 'gadget.joblib')
joblib.dump({**arrays, 'x': Evil()}, OUT / 'gadget.joblib.gz', compress=('gzip', 3))
joblib.dump({**arrays, 'x': Evil()}, OUT / 'gadget.joblib.xz', compress=('xz', 3))
# An object array is a whole pickle inside the stream.
obj = np.empty(2, dtype=object)
obj[0] = 'fine'
obj[1] = Evil()
joblib.dump({'w': arrays['w'], 'o': obj}, OUT / 'gadget-object-array.joblib')
# Raw bytes that spell opcodes: an array whose data is a pickle of os.system (read as data by joblib).
payload = pickle.dumps(Evil(), protocol=2)
joblib.dump({'raw': np.frombuffer(payload, dtype=np.uint8).copy()}, OUT / 'opcodes-as-data.joblib')
joblib.dump({'w': arrays['w'], 'o': np.array(['a', 1], dtype=object)}, OUT / 'object-array.joblib')
print('wrote', sorted(p.name for p in OUT.iterdir()))


class NoTell:
    """A file joblib cannot tell() in: it writes no alignment padding (as before joblib 1.2)."""

    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buf += b
        return len(b)

    def tell(self):
        import io
        raise io.UnsupportedOperation()

    def seekable(self):
        return False


# Without padding the array bytes follow BUILD at once: pickle.load (not joblib.load) runs them.
nt = NoTell()
joblib.dump({'raw': np.frombuffer(payload, dtype=np.uint8).copy()}, nt)
(OUT / 'polyglot.nopad.joblib').write_bytes(bytes(nt.buf))
print('wrote polyglot.nopad.joblib')
