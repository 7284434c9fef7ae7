"""Writes the .npz files the scanner tests read (test/fixtures/scan/), with the real numpy.

    /usr/bin/python3 scripts/make-scan-npz-fixtures.py

np.savez_compressed deflates every member; an object array's member holds a
pickle (numpy.load(allow_pickle=True) unpickles it). Writes, beside the
files, npz-expected.json: what numpy reports for each file (members, their
compression, whether loading needs allow_pickle), for the tests to compare.
"""
import json
import os
import zipfile

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'scan')


class Gadget:
    """An object whose pickle calls os.system when loaded (never loaded here)."""

    def __reduce__(self):
        return (os.system, ('echo owned',))


def main():
    objects = np.array([{'lr': 1.0}, None, (1, 2)], dtype=object)
    files = {
        'npz-object-deflated.npz': lambda p: np.savez_compressed(p, weights=np.arange(4.0), meta=objects),
        'npz-object-stored.npz': lambda p: np.savez(p, weights=np.arange(4.0), meta=objects),
        'npz-gadget-deflated.npz': lambda p: np.savez_compressed(
            p, weights=np.arange(4.0), meta=np.array([Gadget()], dtype=object)
        ),
        'npz-plain-deflated.npz': lambda p: np.savez_compressed(p, weights=np.arange(4.0)),
    }
    expected = {}
    for name, write in files.items():
        path = os.path.join(OUT, name)
        write(path)
        with zipfile.ZipFile(path) as z:
            members = {i.filename: i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist()}
        needs_pickle = False
        try:
            with np.load(path, allow_pickle=False) as f:
                for k in f.files:
                    f[k]
        except ValueError:
            needs_pickle = True
        expected[name] = {'deflated': members, 'needsAllowPickle': needs_pickle}
    with open(os.path.join(OUT, 'npz-expected.json'), 'w') as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
