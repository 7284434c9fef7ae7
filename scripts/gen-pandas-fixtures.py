#!/usr/bin/python3
"""Writes the pandas fixtures of the test suite, with the values pandas computes for them.

Run with a Python that has pandas (Debian's /usr/bin/python3 has pandas 1.5.3):

    /usr/bin/python3 scripts/gen-pandas-fixtures.py

It writes test/fixtures/pandas/<case>.p<protocol>.pkl for protocols 2 to 5, the legacy pickles
(older pandas layouts), and test/fixtures/pandas/expected.json: for every file, what brine must
report (type, shape, column labels, index values, each column's dtype and values, encoded
losslessly as described in encode()).
"""

import json
import os
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'pandas')
PANDAS_DATA = os.path.join(os.path.dirname(pd.__file__), 'tests', 'io', 'data')


def encode(v):
    """A cell, as JSON that keeps what JSON cannot: ints as strings, NaN and infinities tagged,
    datetimes as epoch nanoseconds. Missing values of extension arrays and NaT are null."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return {'int': str(int(v))}
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if f != f:
            return {'float': 'nan'}
        if f in (float('inf'), float('-inf')):
            return {'float': 'inf' if f > 0 else '-inf'}
        return f
    if isinstance(v, str):
        return v
    if isinstance(v, pd.Timestamp):
        return {'ns': str(v.value)}
    if isinstance(v, np.datetime64):
        return encode(pd.Timestamp(v))
    if isinstance(v, tuple):
        return {'tuple': [encode(x) for x in v]}
    if isinstance(v, bytes):
        return {'bytes': v.hex()}
    return {'repr': repr(v)}


def cells(values):
    """What brine gives for the values of a column, a Series or an Index."""
    if isinstance(values, (pd.Index, pd.Series)):
        values = values.array
    if isinstance(values, pd.Categorical):
        cats = list(values.categories)
        return [None if c < 0 else encode(cats[c]) for c in values.codes]
    if isinstance(values, pd.arrays.DatetimeArray):
        return [None if m else {'ns': str(int(x))} for x, m in zip(values.asi8, values.isna())]
    if isinstance(values, pd.arrays.TimedeltaArray):
        return [None if m else {'int': str(int(x))} for x, m in zip(values.asi8, values.isna())]
    if isinstance(values, pd.arrays.PandasArray):
        values = values.to_numpy()
    if isinstance(values, np.ndarray) and values.dtype.kind in 'mM':
        ints = values.view('i8')
        return [None if x == np.iinfo('i8').min else {'ns': str(int(x))} for x in ints]
    return [encode(v) for v in values]


def describe_index(idx):
    d = {'class': type(idx).__name__, 'dtype': str(idx.dtype), 'length': len(idx)}
    if isinstance(idx, pd.MultiIndex):
        d['names'] = [encode(n) for n in idx.names]
        d['values'] = [{'tuple': [encode(x) for x in t]} for t in idx]
        d['levels'] = [describe_index(level) for level in idx.levels]
    else:
        d['name'] = encode(idx.name)
        d['values'] = cells(idx)
    if isinstance(idx, pd.RangeIndex):
        d['range'] = [idx.start, idx.stop, idx.step]
    if isinstance(idx, pd.DatetimeIndex):
        d['tz'] = None if idx.tz is None else str(idx.tz)
    return d


def describe(obj):
    if isinstance(obj, pd.DataFrame):
        return {
            'type': 'DataFrame',
            'shape': list(obj.shape),
            'columns': describe_index(obj.columns),
            'index': describe_index(obj.index),
            'data': [
                {'dtype': str(obj.dtypes.iloc[i]), 'values': cells(obj.iloc[:, i])} for i in range(obj.shape[1])
            ],
            'blocks': len(obj._mgr.blocks),
        }
    if isinstance(obj, pd.Series):
        return {
            'type': 'Series',
            'name': encode(obj.name),
            'dtype': str(obj.dtype),
            'index': describe_index(obj.index),
            'values': cells(obj),
        }
    if isinstance(obj, pd.Index):
        return {'type': 'Index', 'index': describe_index(obj)}
    raise TypeError(type(obj))


def cases():
    n = 5
    tz = pd.date_range('2021-03-27 12:00', periods=n, freq='12h', tz='Europe/Paris')
    basic = pd.DataFrame(
        {
            'int64': np.array([1, -2, 3, 2**62, -(2**63)], dtype='int64'),
            'float64': [1.5, np.nan, -0.0, np.inf, 1e-300],
            'bool': [True, False, True, True, False],
            'object': ['a', None, 'ünï', '', 'x' * 40],
            'datetime64': pd.to_datetime(['2020-01-01', None, '1969-12-31 23:59:59.123456789', '2262-04-11', '1677-09-22']),
            'datetime_tz': tz.insert(1, pd.NaT)[:n],
            'category': pd.Categorical(['b', 'a', None, 'b', 'c'], categories=['c', 'b', 'a']),
            'Int64': pd.array([1, None, -3, 2**53 + 1, 0], dtype='Int64'),
            'boolean': pd.array([True, None, False, True, None], dtype='boolean'),
            'string': pd.array(['x', None, 'z', 'é', ''], dtype='string'),
            'int32': np.array([1, 2, 3, 4, -5], dtype='int32'),
            'float32': np.array([0.5, np.nan, 2, 3, 4], dtype='float32'),
            'uint8': np.array([0, 1, 2, 255, 7], dtype='uint8'),
            'timedelta': pd.to_timedelta([1, 2, None, 4, 5], unit='s'),
        }
    )
    out = {
        'frame_kinds': basic,
        'frame_str_index': pd.DataFrame({'v': [1.0, 2.0, 3.0], 'w': ['p', 'q', 'r']}, index=pd.Index(['x', 'y', 'z'], name='key')),
        'frame_int64_index': pd.DataFrame({'v': [10, 20, 30]}, index=pd.Index([7, -1, 2**40], dtype='int64')),
        'frame_datetime_index': pd.DataFrame(
            {'v': [1.0, 2.0, 3.0]}, index=pd.date_range('2020-02-28', periods=3, freq='D', name='when')
        ),
        'frame_tz_index': pd.DataFrame({'v': [1, 2]}, index=pd.date_range('2020-06-01', periods=2, tz='UTC')),
        'frame_multi_index': pd.DataFrame(
            {'v': [1, 2, 3, 4]},
            index=pd.MultiIndex.from_product([['a', 'b'], [1, 2]], names=['letter', 'number']),
        ),
        'frame_multi_columns': pd.DataFrame(
            np.arange(6, dtype='float64').reshape(2, 3),
            columns=pd.MultiIndex.from_tuples([('a', 'x'), ('a', 'y'), ('b', 'x')]),
        ),
        'frame_int_columns': pd.DataFrame({0: [1, 2], 1: ['a', 'b'], 10: [0.5, 1.5]}),
        'frame_empty': pd.DataFrame(),
        'frame_empty_columns': pd.DataFrame(columns=['a', 'b']),
        'frame_empty_rows': pd.DataFrame({'a': pd.Series([], dtype='int64'), 'b': pd.Series([], dtype='float64')}),
        'frame_categorical_index': pd.DataFrame({'v': [1, 2, 3]}, index=pd.CategoricalIndex(['p', 'q', 'p'])),
        'series_int': pd.Series([1, 2, 3], name='n'),
        'series_str_index': pd.Series([1.5, np.nan], index=['a', 'b'], name=None),
        'series_category': pd.Series(pd.Categorical([1, 2, None, 1]), name='c'),
        'series_tz': pd.Series(pd.date_range('2020-01-01', periods=3, tz='America/New_York'), name='t'),
        'series_Int64': pd.Series(pd.array([None, 5], dtype='Int64')),
        'series_boolean': pd.Series(pd.array([True, None], dtype='boolean')),
        'series_string': pd.Series(pd.array(['a', None], dtype='string'), name=('tuple', 'name')),
        'series_datetime': pd.Series(pd.to_datetime(['2000-01-01', None])),
        'series_empty': pd.Series([], dtype='float64'),
        'series_object': pd.Series(['a', 1, 2.5, None, True]),
        'index_range': pd.RangeIndex(3, 20, 4, name='r'),
        'index_str': pd.Index(['a', 'b', None]),
        'index_int64': pd.Index([3, 1, 2]),
        'index_float64': pd.Index([0.5, np.nan]),
        'index_datetime': pd.DatetimeIndex(['2020-01-01', None, '2021-01-01'], name='d'),
        'index_multi': pd.MultiIndex.from_arrays([['a', 'b', 'b'], [1, 2, 3]], names=['s', None]),
        'index_categorical': pd.CategoricalIndex(['x', 'y', 'x'], name='cat'),
    }
    # Several blocks of the same dtype (not consolidated), duplicate labels and mixed dtypes.
    dup = pd.concat(
        [
            pd.DataFrame({'a': [1, 2, 3], 'b': [0.5, 1.5, 2.5]}),
            pd.DataFrame({'a': ['x', 'y', 'z'], 'c': [4, 5, 6]}),
            pd.DataFrame({'b': [True, False, True]}),
        ],
        axis=1,
    )
    out['frame_duplicate_labels'] = dup
    # A frame whose single block places its columns out of order (mgr_locs an array, not a slice).
    shuffled = pd.DataFrame({'a': [1, 2], 'b': ['s', 't'], 'c': [3, 4], 'd': ['u', 'v'], 'e': [5, 6]})
    out['frame_interleaved'] = shuffled
    # A block of objects longer than the lists the loader grows in place (more than 4096 items).
    n = 2100
    out['frame_long'] = pd.DataFrame({'s': [f'v{i % 97}' for i in range(n)], 't': [f'w{i % 89}' for i in range(n)]})
    return out


class ReducedSeriesManager(pickle.Pickler):
    """Writes a Series' manager as `SingleBlockManager(block, axis)` (REDUCE, the form of the Cython
    manager's own reduce for one axis) instead of pandas 1.5's NEWOBJ and '0.14.1' state."""

    def reducer_override(self, obj):
        from pandas.core.internals.managers import SingleBlockManager

        if type(obj) is SingleBlockManager:
            return (SingleBlockManager, (obj.blocks[0], obj.axes[0]))
        return NotImplemented


def reduced_manager_pickle(obj, proto):
    import io

    buffer = io.BytesIO()
    ReducedSeriesManager(buffer, protocol=proto).dump(obj)
    return buffer.getvalue()


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    expected = {}
    for name, obj in cases().items():
        for proto in (2, 3, 4, 5):
            data = pickle.dumps(obj, protocol=proto)
            fname = f'{name}.p{proto}.pkl'
            with open(os.path.join(OUT, fname), 'wb') as f:
                f.write(data)
            back = pickle.loads(data)
            expected[fname] = describe(back)
    # Series whose manager is written as a call, with its block made by _unpickle_block.
    all_cases = cases()
    for name in ('series_int', 'series_category', 'series_tz', 'series_Int64'):
        for proto in (2, 5):
            data = reduced_manager_pickle(all_cases[name], proto)
            fname = f'{name}_reduced_manager.p{proto}.pkl'
            with open(os.path.join(OUT, fname), 'wb') as f:
                f.write(data)
            expected[fname] = describe(pickle.loads(data))
    # Pickles of older pandas versions, from pandas' own test data: the '0.14.1' BlockManager state.
    legacy = {
        'legacy_py27_frame.pkl': os.path.join(PANDAS_DATA, 'pickle', 'test_py27.pkl'),
        'legacy_py27_multi_columns.pkl': os.path.join(PANDAS_DATA, 'pickle', 'test_mi_py27.pkl'),
        'legacy_1.2.4_empty_frame.pkl': os.path.join(PANDAS_DATA, 'legacy_pickle', '1.2.4', 'empty_frame_v1_2_4-GH#42345.pkl'),
    }
    for fname, path in legacy.items():
        if not os.path.exists(path):
            print(f'missing {path}: {fname} not written', file=sys.stderr)
            continue
        shutil.copyfile(path, os.path.join(OUT, fname))
        expected[fname] = describe(pd.read_pickle(path))
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump({'pandas': pd.__version__, 'numpy': np.__version__, 'files': expected}, f, indent=1, sort_keys=True)
        f.write('\n')
    # The project's formatter owns the layout of JSON files.
    subprocess.run(['npx', 'biome', 'format', '--write', os.path.join(OUT, 'expected.json')], cwd=os.path.join(HERE, '..'), check=False, capture_output=True)
    print(f'{len(expected)} pandas fixtures in {os.path.relpath(OUT)}')


if __name__ == '__main__':
    main()
