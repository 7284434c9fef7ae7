"""The numpy side of bench/numpy.mjs: numpy's own pickle and .npy on a 64 MiB float32 array.

Run with a python3 that has numpy (Debian's /usr/bin/python3):
  python3 bench/numpy_case.py make <dir>          writes the inputs
  python3 bench/numpy_case.py <op> <dir> <runs>   prints `@@result {"times": [ms, ...]}`
"""
import gc
import io
import json
import os
import pickle
import sys
import time

import numpy as np

N = 16 * 1024 * 1024  # float32 elements: 64 MiB


def make(folder):
    os.makedirs(folder, exist_ok=True)
    a = np.random.default_rng(1).standard_normal(N, dtype=np.float32)
    with open(os.path.join(folder, 'p4.pkl'), 'wb') as f:
        f.write(pickle.dumps(a, 4))
    with open(os.path.join(folder, 'p5.pkl'), 'wb') as f:
        f.write(pickle.dumps(a, 5))
    buffers = []
    with open(os.path.join(folder, 'p5oob.pkl'), 'wb') as f:
        f.write(pickle.dumps(a, 5, buffer_callback=buffers.append))
    with open(os.path.join(folder, 'p5oob.buf'), 'wb') as f:
        f.write(buffers[0].raw())
    np.save(os.path.join(folder, 'a.npy'), a)


def main():
    op, folder = sys.argv[1], sys.argv[2]
    if op == 'make':
        make(folder)
        return
    runs = int(sys.argv[3])
    read = lambda name: open(os.path.join(folder, name), 'rb').read()
    if op.startswith('loads-'):
        name = op[6:]
        data = read(f'{name}.pkl')
        buffers = [read('p5oob.buf')] if name == 'p5oob' else None
        fn = lambda: pickle.loads(data, buffers=buffers)
    elif op.startswith('dumps-'):
        arr = pickle.loads(read('p4.pkl'))
        protocol = 4 if op == 'dumps-p4' else 5
        if op == 'dumps-p5oob':
            fn = lambda: pickle.dumps(arr, 5, buffer_callback=[].append)
        else:
            fn = lambda: pickle.dumps(arr, protocol)
    elif op == 'load-npy':
        data = read('a.npy')
        fn = lambda: np.load(io.BytesIO(data))
    elif op == 'dump-npy':
        arr = np.load(os.path.join(folder, 'a.npy'))
        fn = lambda: np.save(io.BytesIO(), arr)
    else:
        raise SystemExit(f'unknown op {op}')
    result = fn()
    del result
    times = []
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
        del result
    print('@@result ' + json.dumps({'times': times}), flush=True)


if __name__ == '__main__':
    main()
