"""Writes the scikit-learn and joblib fixtures of test/sklearn.test.ts and test/joblib.test.ts.

Run with a python3 that has numpy, scikit-learn and joblib (Debian's /usr/bin/python3):
    /usr/bin/python3 scripts/gen-sklearn-fixtures.py

For each small model: <Name>.p2.pkl .. <Name>.p5.pkl (pickle.dumps at protocols 2-5),
<Name>.joblib (joblib.dump, uncompressed) and <Name>.joblib.<z> for each compressor, and
expected.json with, per model, its class, its array attributes (dtype.str, shape, tolist) and
predict() (or transform()) on a fixed input.
"""
import io
import json
import os
import pickle
import sys

import joblib
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'sklearn')
COMPRESSORS = ['zlib', 'gzip', 'bz2', 'xz', 'lzma']

rng = np.random.RandomState(0)
X = rng.normal(size=(40, 4))
y_reg = X @ np.array([1.5, -2.0, 0.5, 3.0]) + 0.25
y_cls = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1).astype(np.int64)
X_test = np.array([[0.1, -0.2, 0.3, 0.4], [1.0, 1.0, -1.0, 2.0], [-2.0, 0.5, 1.5, -0.5]])

models = {
    'LinearRegression': LinearRegression().fit(X, y_reg),
    'LogisticRegression': LogisticRegression(max_iter=500).fit(X, y_cls),
    'DecisionTreeClassifier': DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y_cls),
    'RandomForestClassifier': RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y_cls),
    'StandardScaler': StandardScaler().fit(X),
    'Pipeline': Pipeline([('scale', StandardScaler()), ('clf', LogisticRegression(max_iter=500))]).fit(X, y_cls),
    'KMeans': KMeans(n_clusters=3, n_init=3, random_state=0).fit(X),
}


def output(model):
    if hasattr(model, 'predict'):
        return np.asarray(model.predict(X_test)).tolist()
    return np.asarray(model.transform(X_test)).tolist()


def describe(value):
    """Array attributes of an estimator (and of its trees' Tree objects)."""
    out = {}
    for key, v in sorted(vars(value).items()):
        if isinstance(v, np.ndarray) and v.dtype != object:
            out[key] = {'dtype': v.dtype.str, 'shape': list(v.shape), 'tolist': v.tolist()}
    return out


def tree_state(tree):
    state = tree.__getstate__()
    nodes = state['nodes']
    return {
        'node_count': int(state['node_count']),
        'max_depth': int(state['max_depth']),
        'nodes_dtype': [[name, nodes.dtype.fields[name][0].str, nodes.dtype.fields[name][1]] for name in nodes.dtype.names],
        'nodes_itemsize': nodes.dtype.itemsize,
        'nodes': [list(map(lambda x: x.item(), row)) for row in nodes],
        'values_shape': list(state['values'].shape),
        'values': state['values'].tolist(),
    }


expected = {'sklearn': sklearn.__version__, 'joblib': joblib.__version__, 'numpy': np.__version__,
            'X_test': X_test.tolist(), 'models': {}}
for name, model in models.items():
    info = {'class': [type(model).__module__, type(model).__qualname__], 'arrays': describe(model), 'output': output(model)}
    if hasattr(model, 'tree_'):
        info['tree'] = tree_state(model.tree_)
    if name == 'RandomForestClassifier':
        info['trees'] = [tree_state(e.tree_) for e in model.estimators_]
    if name == 'Pipeline':
        info['steps'] = {step: describe(est) for step, est in model.steps}
    expected['models'][name] = info
    for protocol in (2, 3, 4, 5):
        with open(os.path.join(OUT, f'{name}.p{protocol}.pkl'), 'wb') as f:
            f.write(pickle.dumps(model, protocol=protocol))
    joblib.dump(model, os.path.join(OUT, f'{name}.joblib'))
    for z in COMPRESSORS:
        joblib.dump(model, os.path.join(OUT, f'{name}.joblib.{z}'), compress=(z, 3))

# Plain arrays through joblib: every order, a big-endian array, an object array, a matrix, a 0-d array.
arrays = {
    'f8': np.arange(12, dtype='<f8').reshape(3, 4),
    'f4_fortran': np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
    'i8_be': np.arange(5, dtype='>i8'),
    'u1': np.arange(7, dtype=np.uint8),
    'bool': np.array([True, False, True]),
    'c16': np.array([1 + 2j, -3.5j]),
    'U': np.array(['ab', 'cde']),
    'empty': np.zeros((0, 3)),
    'scalar0d': np.array(3.25),
    'objects': np.array([1, 'two', None], dtype=object),
    'structured': np.array([(1, 2.5), (3, 4.5)], dtype=[('a', '<i4'), ('b', '<f8')]),
}
value = {'arrays': arrays, 'same_twice': [arrays['u1'], arrays['u1']], 'text': 'hello', 'n': 42}
joblib.dump(value, os.path.join(OUT, 'arrays.joblib'))
joblib.dump(value, os.path.join(OUT, 'arrays.joblib.gzip'), compress=('gzip', 3))
joblib.dump(value, os.path.join(OUT, 'arrays.p2.joblib'), protocol=2)
# Written to a file object without tell(): no alignment padding (numpy_array_alignment_bytes=None).


class NoTell(io.RawIOBase):
    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buf += b
        return len(b)

    def tell(self):
        raise io.UnsupportedOperation()

    def seekable(self):
        return False


nt = NoTell()
joblib.dump(value, nt)
with open(os.path.join(OUT, 'arrays.nopad.joblib'), 'wb') as f:
    f.write(bytes(nt.buf))


def plain(v):
    if isinstance(v, np.ndarray):
        if v.dtype == object:
            return {'dtype': v.dtype.str, 'shape': list(v.shape), 'tolist': [None if x is None else x for x in v.tolist()]}
        return {'dtype': v.dtype.newbyteorder('=').str if v.dtype.byteorder == '>' else v.dtype.str,
                'shape': list(v.shape), 'tolist': v.tolist() if v.dtype.kind != 'c' else [[x.real, x.imag] for x in v.tolist()]}
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


loaded = joblib.load(os.path.join(OUT, 'arrays.joblib'))
expected['arrays'] = plain(loaded)
with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write('\n')
print(f'wrote {len(os.listdir(OUT))} files to {os.path.normpath(OUT)}', file=sys.stderr)
