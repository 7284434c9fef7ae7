/**
 * scikit-learn models written by python3 (scripts/gen-sklearn-fixtures.py):
 * every pickle protocol and every joblib compressor loads, with the array
 * attributes equal to what numpy reported; dumped back by brine (pickle and
 * joblib), python3 with scikit-learn predicts the same.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { dumpJoblib, loadJoblib } from '../src/joblib/index.js';
import { NDArray } from '../src/numpy/index.js';
import { dumps } from '../src/pickler.js';
import { PyGlobal } from '../src/types/py-global.js';
import { PyObject } from '../src/types/py-object.js';
import { loads } from '../src/unpickler.js';
import { hasPythonModules, ROOT } from './support/python.js';

const DIR = join(ROOT, 'test/fixtures/sklearn');
const SYSTEM_PYTHON = process.env.BRINE_SKLEARN_PYTHON ?? '/usr/bin/python3';

interface ArrayInfo {
  dtype: string;
  shape: number[];
  tolist: unknown;
}
interface TreeInfo {
  node_count: number;
  max_depth: number;
  nodes_dtype: [string, string, number][];
  nodes_itemsize: number;
  nodes: unknown[][];
  values_shape: number[];
  values: unknown;
}
interface ModelInfo {
  class: [string, string];
  arrays: Record<string, ArrayInfo>;
  output: unknown;
  tree?: TreeInfo;
  trees?: TreeInfo[];
  steps?: Record<string, Record<string, ArrayInfo>>;
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  models: Record<string, ModelInfo>;
  X_test: number[][];
};
const MODELS = Object.keys(expected.models);
const VARIANTS = [
  'p2.pkl',
  'p3.pkl',
  'p4.pkl',
  'p5.pkl',
  'joblib',
  'joblib.zlib',
  'joblib.gzip',
  'joblib.bz2',
  'joblib.xz',
  'joblib.lzma',
];

function load(name: string, variant: string): PyObject {
  const data = readFileSync(join(DIR, `${name}.${variant}`));
  const value = variant.startsWith('joblib') ? loadJoblib(data) : loads(data);
  assert.ok(value instanceof PyObject, `${name}.${variant} is a PyObject`);
  return value;
}

function state(obj: PyObject): Record<string, unknown> {
  const s = obj.state;
  assert.ok(typeof s === 'object' && s !== null && !(s instanceof Map), 'a dict state');
  return s as Record<string, unknown>;
}

/** JSON's view of a value (tuples become lists), to compare with what python wrote. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

function checkArrays(label: string, s: Record<string, unknown>, arrays: Record<string, ArrayInfo>): void {
  for (const [key, want] of Object.entries(arrays)) {
    const got = s[key];
    assert.ok(got instanceof NDArray, `${label}.${key} is an NDArray`);
    assert.equal(got.dtype.str, want.dtype, `${label}.${key} dtype`);
    assert.deepEqual([...got.shape], want.shape, `${label}.${key} shape`);
    assert.deepEqual(plain(got.toArray()), want.tolist, `${label}.${key} values`);
  }
}

function checkTree(label: string, tree: unknown, want: TreeInfo): void {
  assert.ok(tree instanceof PyObject, `${label} is a PyObject`);
  assert.ok(tree.callable instanceof PyGlobal);
  assert.equal(`${tree.callable.module}.${tree.callable.name}`, 'sklearn.tree._tree.Tree');
  const s = state(tree);
  assert.equal(s.node_count, want.node_count);
  assert.equal(s.max_depth, want.max_depth);
  const nodes = s.nodes;
  assert.ok(nodes instanceof NDArray, `${label} nodes`);
  assert.equal(nodes.dtype.itemsize, want.nodes_itemsize);
  assert.deepEqual(
    nodes.dtype.fields?.map((f) => [f.name, f.dtype.str, f.offset]),
    want.nodes_dtype,
    `${label} nodes dtype`,
  );
  assert.deepEqual(plain(nodes.toArray()), want.nodes, `${label} nodes`);
  const values = s.values;
  assert.ok(values instanceof NDArray);
  assert.deepEqual([...values.shape], want.values_shape);
  assert.deepEqual(plain(values.toArray()), want.values);
}

describe('scikit-learn models written by python3', () => {
  for (const name of MODELS) {
    test(`${name}: every protocol and every joblib compressor`, () => {
      const info = expected.models[name]!;
      for (const variant of VARIANTS) {
        const label = `${name}.${variant}`;
        const model = load(name, variant);
        assert.ok(model.callable instanceof PyGlobal || model.callable instanceof PyObject);
        const cls =
          model.callable instanceof PyGlobal && model.callable.name !== '_reconstructor'
            ? model.callable
            : (model.args[0] as PyGlobal);
        assert.deepEqual([cls.module, cls.name], info.class, `${label} class`);
        const s = state(model);
        checkArrays(label, s, info.arrays);
        if (info.tree !== undefined) checkTree(`${label}.tree_`, s.tree_, info.tree);
        if (info.trees !== undefined) {
          const estimators = s.estimators_ as PyObject[];
          assert.equal(estimators.length, info.trees.length);
          for (const [i, e] of estimators.entries()) {
            checkTree(`${label}.estimators_[${i}]`, state(e).tree_, info.trees[i]!);
          }
        }
        if (info.steps !== undefined) {
          const steps = s.steps as [string, PyObject][];
          for (const [stepName, est] of steps)
            checkArrays(`${label}.${stepName}`, state(est), info.steps[stepName]!);
        }
      }
    });
  }
});

function hasSklearn(): string | undefined {
  if (hasPythonModules(SYSTEM_PYTHON, ['sklearn', 'joblib', 'numpy'])) return undefined;
  return `${SYSTEM_PYTHON} with scikit-learn, joblib and numpy is not available: brine's re-dumps of the models were NOT checked in python (install python3-sklearn)`;
}

const missing = hasSklearn();
if (missing !== undefined) console.log(`# SKIPPED: ${missing}`);

describe('dumped back by brine, python3 predicts the same', () => {
  test('pickle at protocols 2-5 and joblib (uncompressed, zlib, gzip), one python process', {
    skip: missing,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'brine-sklearn-'));
    try {
      const files: [string, string, string][] = [];
      for (const name of MODELS) {
        for (const variant of ['p2.pkl', 'p5.pkl', 'joblib', 'joblib.xz']) {
          const model = load(name, variant);
          for (const protocol of [2, 3, 4, 5]) {
            const file = join(dir, `${name}.${variant}.to${protocol}.pkl`);
            writeFileSync(file, dumps(model, { protocol }));
            files.push([name, 'pickle', file]);
          }
          for (const compress of [false, 'zlib', 'gzip'] as const) {
            const file = join(dir, `${name}.${variant}.${compress || 'raw'}.joblib`);
            writeFileSync(file, dumpJoblib(model, { compress }));
            files.push([name, 'joblib', file]);
          }
        }
      }
      const script = `
import json, pickle, sys, warnings
import joblib, numpy as np
warnings.simplefilter('ignore')
X = np.array(json.loads(sys.argv[1]))
out = []
for name, kind, path in json.load(sys.stdin):
    model = joblib.load(path) if kind == 'joblib' else pickle.load(open(path, 'rb'))
    res = model.predict(X) if hasattr(model, 'predict') else model.transform(X)
    out.append(np.asarray(res).tolist())
print(json.dumps(out))`;
      const result = JSON.parse(
        execFileSync(SYSTEM_PYTHON, ['-c', script, JSON.stringify(expected.X_test)], {
          input: JSON.stringify(files),
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        }),
      ) as unknown[];
      assert.equal(result.length, files.length);
      files.forEach(([name, , file], i) => {
        assert.deepEqual(result[i], expected.models[name]!.output, file);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
