"""Writes the files the command-line tests read, into the folder given as argv[1].

data-P-N.pkl    data values (no str sets: their order is salted per process) at protocol P
two.pkl         two pickles one after the other
evil.pkl        os.system through __reduce__ (dangerous)
review.pkl      an unknown module's function called (review)
truncated.pkl   a pickle cut short (malformed)
big.pkl         a large list, for a reader that closes the pipe early
tree/...        a folder: pickles under pickle names, one disguised as .txt, and text files
"""

import collections
import datetime
import decimal
import os
import pickle
import sys

out = sys.argv[1]


class Evil:
    def __reduce__(self):
        return (os.system, ("echo owned",))


DATA = [
    {"name": "Ada", "scores": [1, 2.5, 3.0], "pair": (1, 2), "tags": {3, 1, 2}, "raw": b"\x00\x01abc"},
    list(range(60)),
    {"nested": {"deeper": {"deepest": ["x" * 30, "y" * 30, "z" * 30]}}, "n": None, "t": True},
    "A long text that pprint splits over several lines because it does not fit on one line of eighty columns at all.",
    (1,),
    {1: "one", 2.5: "two and a half", (1, 2): "tuple", None: "none"},
    [float("inf"), -0.0, 1e100, 2**70, -(2**64), bytearray(b"ba"), range(3), slice(None, 2)],
    frozenset({10, 20, 30}),
    {"when": datetime.datetime(2024, 5, 6, 7, 8, 9), "price": decimal.Decimal("1.50"), "od": collections.OrderedDict(a=1)},
]


def write(name, data):
    path = os.path.join(out, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


for p in range(6):
    for i, value in enumerate(DATA):
        write(f"data-{p}-{i}.pkl", pickle.dumps(value, p))
write("two.pkl", pickle.dumps([1, 2], 2) + pickle.dumps({"b": 3}, 4))
write("evil.pkl", pickle.dumps(Evil(), 4))
write("review.pkl", b"\x80\x04cmymod\nfunc\n)R.")
write("truncated.pkl", pickle.dumps({"a": [1, 2]}, 4)[:-3])
write("big.pkl", pickle.dumps([{"i": i, "s": "row %d" % i} for i in range(20000)], 4))
write("tree/a/model.pkl", pickle.dumps({"weights": [0.5, 0.25]}, 4))
write("tree/a/b/notes.txt", b"hello, world.\n")
write("tree/b/disguised.txt", pickle.dumps(Evil(), 2))
write("tree/b/readme.md", b"# not a pickle\n")
write("tree/c/proto0.log", pickle.dumps(["old", "style"], 0))
