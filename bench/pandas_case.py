"""The pandas workload of `node bench/pandas.mjs`: a 1M-row DataFrame.

    /usr/bin/python3 bench/pandas_case.py make <file>          writes the frame's pickle (protocol 5)
    /usr/bin/python3 bench/pandas_case.py <loads|dumps> <file>  times pickle.loads / pickle.dumps

Timing: one untimed call, then calls until about a second is spent (at least 5);
prints `@@result {"times": [ms, ...]}`.
"""

import gc
import json
import pickle
import sys
import time

import numpy as np
import pandas as pd


def make(path):
    n = 1_000_000
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            'id': np.arange(n, dtype='int64'),
            'x': rng.standard_normal(n),
            'flag': rng.integers(0, 2, n).astype(bool),
            'when': pd.date_range('2020-01-01', periods=n, freq='s'),
            'kind': pd.Categorical(rng.choice(['a', 'b', 'c', 'd'], n)),
            'name': [f'name{i % 1000}' for i in range(n)],
        }
    )
    with open(path, 'wb') as f:
        pickle.dump(df, f, protocol=5)


def measure(fn):
    gc.collect()
    fn()
    times = []
    spent = 0.0
    while len(times) < 5 or spent < 1000:
        gc.collect()
        t0 = time.perf_counter()
        fn()
        ms = (time.perf_counter() - t0) * 1000
        times.append(ms)
        spent += ms
    return times


def main():
    op, path = sys.argv[1], sys.argv[2]
    if op == 'make':
        make(path)
        return
    with open(path, 'rb') as f:
        data = f.read()
    if op == 'loads':
        times = measure(lambda: pickle.loads(data))
    else:
        df = pickle.loads(data)
        times = measure(lambda: pickle.dumps(df, protocol=5))
    print('@@result ' + json.dumps({'times': times}), flush=True)


if __name__ == '__main__':
    main()
