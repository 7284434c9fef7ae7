/**
 * pandas: every fixture scripts/gen-pandas-fixtures.py wrote with pandas 1.5.3 (frames, series and
 * indexes of every column and index kind, protocols 2 to 5, and pickles of older pandas versions)
 * loads as DataFrame / Series / Index with the labels, dtypes and values pandas reported; dumped
 * back, pandas reads an equal object (checked in python when pandas is installed); damaged pickles
 * fail with PickleErrors only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  DataFrame,
  type DType,
  defaultRegistry,
  dumps,
  Index,
  isPickleError,
  isTuple,
  type LoadOptions,
  loads,
  MultiIndex,
  NDArray,
  PickleError,
  PyObject,
  RangeIndex,
  Series,
  Unpickler,
} from '../src/index.js';
import { PANDAS_SAFE_GLOBALS } from '../src/pandas/index.js';
import { hasPythonModules, ROOT } from './support/python.js';

const DIR = join(ROOT, 'test', 'fixtures', 'pandas');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  pandas: string;
  files: Record<string, Described>;
};

interface IndexDescription {
  class: string;
  dtype: string;
  length: number;
  name?: unknown;
  names?: unknown[];
  values: unknown[];
  range?: [number, number, number];
  tz?: string | null;
}

type Described =
  | {
      type: 'DataFrame';
      shape: [number, number];
      columns: IndexDescription;
      index: IndexDescription;
      data: { dtype: string; values: unknown[] }[];
      blocks: number;
    }
  | { type: 'Series'; name: unknown; dtype: string; index: IndexDescription; values: unknown[] }
  | { type: 'Index'; index: IndexDescription };

/** A brine cell in the JSON form the fixture script writes (see encode() there). */
function encode(value: unknown, dtype = 'object'): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value;
  const datetime = dtype.startsWith('datetime64');
  if (typeof value === 'bigint') return datetime ? { ns: String(value) } : { int: String(value) };
  if (typeof value === 'number') {
    if (datetime) return { ns: String(value) };
    const integral = /^(u?int|Int|UInt)\d+$/.test(dtype) || dtype.startsWith('timedelta64');
    if (integral) return { int: String(value) };
    if (Number.isNaN(value)) return { float: 'nan' };
    if (value === Number.POSITIVE_INFINITY) return { float: 'inf' };
    if (value === Number.NEGATIVE_INFINITY) return { float: '-inf' };
    if (dtype === 'object' || dtype === 'category')
      return Number.isInteger(value) && !Object.is(value, -0) ? { int: String(value) } : value;
    return value;
  }
  if (Array.isArray(value)) return { tuple: value.map((v) => encode(v)) };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  return { repr: String(value) };
}

/** Encoded values compare with -0 and 0 apart, as the JSON keeps them. */
function assertCells(actual: unknown[], wanted: unknown[], label: string): void {
  assert.equal(actual.length, wanted.length, `${label}: length`);
  for (let i = 0; i < wanted.length; i++) {
    const a = actual[i];
    const w = wanted[i];
    if (typeof w === 'number') {
      assert.ok(typeof a === 'number' && Object.is(a, w), `${label}[${i}]: ${String(a)} !== ${w}`);
    } else assert.deepEqual(a, w, `${label}[${i}]`);
  }
}

function checkIndex(index: Index, want: IndexDescription, label: string): void {
  assert.ok(index instanceof Index, `${label}: an Index`);
  assert.equal(index.problem, null, `${label}: readable`);
  assert.equal(index.className, want.class, `${label}: class`);
  assert.equal(index.length, want.length, `${label}: length`);
  const dtype = want.class === 'MultiIndex' ? 'object' : want.dtype;
  assert.equal(index.dtype, dtype, `${label}: dtype`);
  if (want.names !== undefined) {
    assert.ok(index instanceof MultiIndex, `${label}: a MultiIndex`);
    assert.deepEqual(
      index.names.map((n) => encode(n)),
      want.names,
      `${label}: names`,
    );
    assertCells(
      index.toArray().map((t) => encode(t)),
      want.values,
      `${label} labels`,
    );
  } else {
    assert.deepEqual(encode(index.name), want.name, `${label}: name`);
    assertCells(
      index.toArray().map((v) => encode(v, want.dtype)),
      want.values,
      `${label} labels`,
    );
  }
  if (want.range !== undefined) {
    assert.ok(index instanceof RangeIndex, `${label}: a RangeIndex`);
    assert.deepEqual([index.start, index.stop, index.step], want.range, `${label}: range`);
  }
}

function check(value: unknown, want: Described, label: string): void {
  if (want.type === 'DataFrame') {
    assert.ok(value instanceof DataFrame, `${label}: a DataFrame`);
    assert.equal(value.problem, null, `${label}: readable`);
    assert.deepEqual(value.shape, want.shape, `${label}: shape`);
    checkIndex(value.columns, want.columns, `${label} columns`);
    checkIndex(value.index, want.index, `${label} index`);
    assert.deepEqual(
      value.dtypes,
      want.data.map((c) => c.dtype),
      `${label}: dtypes`,
    );
    want.data.forEach((col, i) => {
      const cells = value.columnArrayAt(i);
      assertCells(
        cells.map((v) => encode(v, col.dtype)),
        col.values,
        `${label} column ${i}`,
      );
      const column = value.columnAt(i);
      if (column instanceof NDArray) {
        assert.deepEqual(column.shape, [want.shape[0]], `${label} column ${i}: a 1-d array`);
        if (column.dtype.kind !== 'M' && column.dtype.kind !== 'm')
          assertCells(
            (column.toArray() as unknown[]).map((v) => encode(v, col.dtype)),
            col.values,
            `${label} column ${i} NDArray`,
          );
      } else assert.deepEqual(column, cells, `${label} column ${i}: the cells of an extension array`);
    });
    const records = value.toRecords();
    assert.equal(records.length, want.shape[0], `${label}: records`);
    const labels = value.columns.toArray();
    if (records.length > 0 && new Set(labels).size === labels.length) {
      const last = records[records.length - 1]!;
      labels.forEach((l, i) => {
        const cell = last instanceof Map ? last.get(l) : (last as Record<string, unknown>)[l as string];
        assert.deepEqual(
          encode(cell, want.data[i]!.dtype),
          want.data[i]!.values[records.length - 1],
          `${label}: record cell ${i}`,
        );
      });
    }
    if (labels.length > 0 && typeof labels[0] === 'string') {
      const first = value.column(labels[0]);
      const cells = first instanceof NDArray ? value.columnArrayAt(0) : first;
      assert.deepEqual(
        cells,
        value.columnArrayAt(0),
        `${label}: column(label) is the first column of that label`,
      );
    }
  } else if (want.type === 'Series') {
    assert.ok(value instanceof Series, `${label}: a Series`);
    assert.equal(value.problem, null, `${label}: readable`);
    assert.deepEqual(encode(value.name), want.name, `${label}: name`);
    assert.equal(value.dtype, want.dtype, `${label}: dtype`);
    assert.equal(value.length, want.values.length, `${label}: length`);
    checkIndex(value.index, want.index, `${label} index`);
    assertCells(
      value.toArray().map((v) => encode(v, want.dtype)),
      want.values,
      `${label} values`,
    );
  } else {
    assert.ok(value instanceof Index, `${label}: an Index`);
    checkIndex(value, want.index, label);
  }
}

const files = Object.keys(expected.files).sort();

/** Python 2 pickles hold numpy's bytes as str: pandas reads them with encoding='latin1', and so does brine. */
function load(file: string, data: Uint8Array, options: LoadOptions = {}): unknown {
  return loads(data, file.includes('py27') ? { ...options, encoding: 'latin1' } : options);
}

describe(`pandas fixtures (written by pandas ${expected.pandas})`, () => {
  test('every fixture file has expected values and every expectation a file', () => {
    const onDisk = readdirSync(DIR)
      .filter((f) => f.endsWith('.pkl'))
      .sort();
    assert.deepEqual(onDisk, files);
    assert.ok(files.length >= 100, `${files.length} fixtures`);
  });

  for (const file of files) {
    test(file, () => {
      const data = readFileSync(join(DIR, file));
      check(load(file, data), expected.files[file]!, file);
    });
  }

  test('every global of a pandas pickle is registered: strict mode loads each fixture the same', (t) => {
    // numpy.ndarray is numpy's to register (the class argument of _reconstruct).
    const allowGlobals = defaultRegistry.has('numpy', 'ndarray') ? [] : ['numpy.ndarray'];
    if (allowGlobals.length > 0)
      t.diagnostic('numpy.ndarray is not in the default registry: allowed by name');
    for (const file of files) {
      const data = readFileSync(join(DIR, file));
      check(load(file, data, { strict: true, allowGlobals }), expected.files[file]!, `${file} (strict)`);
    }
  });

  test('a re-dump at the same protocol reads back the same in brine', () => {
    for (const file of files) {
      const data = readFileSync(join(DIR, file));
      const reader = new Unpickler(data, file.includes('py27') ? { encoding: 'latin1' } : {});
      const value = reader.load();
      const again = dumps(value, { protocol: Math.max(2, reader.protocol) });
      check(loads(again), expected.files[file]!, `${file} re-dumped`);
    }
  });
});

describe('pandas names', () => {
  test('the safe globals are exactly what the default registry reconstructs for pandas', () => {
    const registered = defaultRegistry
      .names()
      .filter((n) => n.startsWith('pandas.') || n.startsWith('pytz.'))
      .sort();
    assert.deepEqual(registered, [...PANDAS_SAFE_GLOBALS].sort());
    for (const name of PANDAS_SAFE_GLOBALS) {
      const dot = name.lastIndexOf('.');
      const data = new Uint8Array([
        0x80,
        2,
        0x63,
        ...Buffer.from(`${name.slice(0, dot)}\n${name.slice(dot + 1)}\n`),
        0x2e,
      ]);
      // strict mode refuses any global the registry lacks
      assert.doesNotThrow(() => loads(data, { strict: true }), name);
    }
  });
});

/** A Python with pandas: Debian's (`BRINE_PANDAS_PYTHON` overrides). */
const PANDAS_PYTHON = process.env.BRINE_PANDAS_PYTHON ?? '/usr/bin/python3';
const hasPandas = hasPythonModules(PANDAS_PYTHON, ['pandas']);

const ROUND_TRIP = `
import json, os, sys
import pandas as pd
import pandas.testing as tm
folder = sys.argv[1]
out = []
for name in sorted(os.listdir(folder)):
    if not name.endswith('.orig'):
        continue
    base = name[:-5]
    orig, back = os.path.join(folder, name), os.path.join(folder, base + '.brine')
    try:
        a, b = pd.read_pickle(orig), pd.read_pickle(back)
        assert type(a) is type(b), (type(a), type(b))
        if isinstance(a, pd.DataFrame):
            tm.assert_frame_equal(a, b, check_exact=True)
        elif isinstance(a, pd.Series):
            tm.assert_series_equal(a, b, check_exact=True)
        else:
            tm.assert_index_equal(a, b, exact=True, check_exact=True)
        assert a.equals(b)
        with open(orig, 'rb') as f, open(back, 'rb') as g:
            out.append([base, 'ok', f.read() == g.read()])
    except Exception as e:
        out.append([base, repr(e), False])
print(json.dumps(out))
`;

describe('pandas round trip through python', () => {
  test('brine re-dumps every fixture at its protocol; pandas reads an equal object (assert_frame_equal, equals)', {
    skip: hasPandas
      ? false
      : `SKIPPED: no pandas in ${PANDAS_PYTHON} (set BRINE_PANDAS_PYTHON): the dump-back check against pandas did not run`,
  }, (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'brine-pandas-'));
    try {
      for (const file of files) {
        const data = readFileSync(join(DIR, file));
        const reader = new Unpickler(data, file.includes('py27') ? { encoding: 'latin1' } : {});
        const value = reader.load();
        writeFileSync(join(folder, `${file}.orig`), data);
        writeFileSync(
          join(folder, `${file}.brine`),
          dumps(value, { protocol: Math.max(2, reader.protocol) }),
        );
      }
      const run = spawnSync(PANDAS_PYTHON, ['-c', ROUND_TRIP, folder], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      assert.equal(run.status, 0, run.stderr);
      const results = JSON.parse(run.stdout) as [string, string, boolean][];
      assert.equal(results.length, files.length);
      for (const [file, outcome] of results) assert.equal(outcome, 'ok', file);
      const identical = results.filter((r) => r[2]).length;
      t.diagnostic(`${identical} of ${results.length} re-dumps are byte-identical to pandas' own pickle`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

/** Everything a user may ask of a loaded pandas value; any failure must be a PickleError. */
function exercise(value: unknown): void {
  const attempt = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (!isPickleError(error)) throw error;
    }
  };
  if (value instanceof DataFrame) {
    attempt(() => value.problem);
    attempt(() => value.shape);
    attempt(() => value.columns.toArray());
    attempt(() => value.index.toArray());
    attempt(() => value.dtypes);
    attempt(() => value.toRecords());
    attempt(() => value.columnAt(0));
    attempt(() => value.columnArrayAt(0));
  } else if (value instanceof Series) {
    attempt(() => value.problem);
    attempt(() => value.toArray());
    attempt(() => value.values);
    attempt(() => value.dtype);
    attempt(() => value.index.toArray());
    attempt(() => value.name);
  } else if (value instanceof Index) {
    attempt(() => value.problem);
    attempt(() => value.toArray());
    attempt(() => value.dtype);
    attempt(() => value.names);
  }
}

describe('damaged pandas pickles', () => {
  const frame = () =>
    loads(readFileSync(join(DIR, 'frame_duplicate_labels.p4.pkl'))) as DataFrame & {
      state: Record<string, unknown>;
    };

  test('a frame whose blocks do not cover its columns is unreadable, says why, and dumps back unchanged', () => {
    const df = frame();
    const mgr = df.state._mgr as PyObject;
    const blocks = mgr.args[0] as PyObject[];
    // Drop one block: a column is in no block.
    mgr.args = Object.freeze([Object.freeze(blocks.slice(1)), mgr.args[1]]) as unknown as PyObject['args'];
    const again = loads(dumps(df)) as DataFrame;
    assert.match(again.problem ?? '', /column \d+ in no block/);
    assert.throws(() => again.shape, PickleError);
    assert.throws(() => again.toRecords(), PickleError);
    assert.deepEqual(dumps(loads(dumps(again))), dumps(again), 'an unreadable frame dumps back as it loaded');
  });

  test('a block placed twice makes the frame unreadable', () => {
    const df = frame();
    const mgr = df.state._mgr as PyObject;
    const blocks = mgr.args[0] as PyObject[];
    mgr.args = Object.freeze([
      Object.freeze([...blocks, blocks[0]]),
      mgr.args[1],
    ]) as unknown as PyObject['args'];
    const again = loads(dumps(df)) as DataFrame;
    assert.match(again.problem ?? '', /placed at column/);
  });

  test('a state that is not a block manager leaves the frame unreadable, not broken', () => {
    const df = frame();
    df.state._mgr = 'nonsense';
    const again = loads(dumps(df)) as DataFrame;
    assert.ok(again instanceof DataFrame);
    assert.equal(again.readable, false);
    assert.throws(() => again.columns, PickleError);
  });

  test('mutated fixtures load or fail with PickleErrors, and every accessor answers or throws a PickleError', () => {
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const sources = [
      'frame_kinds.p2.pkl',
      'frame_kinds.p5.pkl',
      'frame_multi_index.p4.pkl',
      'series_category.p3.pkl',
      'index_range.p2.pkl',
      'legacy_1.2.4_empty_frame.pkl',
    ];
    let loaded = 0;
    for (const file of sources) {
      const original = readFileSync(join(DIR, file));
      for (let k = 0; k < 300; k++) {
        const data = Uint8Array.from(original);
        const edits = 1 + Math.floor(random() * 3);
        for (let e = 0; e < edits; e++) data[Math.floor(random() * data.length)] = Math.floor(random() * 256);
        let value: unknown;
        try {
          value = loads(data);
        } catch (error) {
          assert.ok(isPickleError(error), `${file} mutation ${k}: ${String(error)}`);
          continue;
        }
        loaded++;
        exercise(value);
      }
    }
    assert.ok(loaded > 0, 'some mutations still load');
  });

  test('a RangeIndex claiming 2^40 labels is unreadable rather than listed', () => {
    const index = loads(readFileSync(join(DIR, 'index_range.p2.pkl'))) as RangeIndex;
    (index.args[1] as Record<string, unknown>).stop = 2 ** 40;
    const again = loads(dumps(index, { protocol: 2 })) as RangeIndex;
    assert.match(again.problem ?? '', /RangeIndex of \d+ labels/);
    assert.throws(() => again.toArray(), PickleError);
  });
});

describe('pandas 2 units', () => {
  test('datetimes kept in microseconds or seconds (pandas 2) read as nanoseconds', () => {
    const df = loads(readFileSync(join(DIR, 'frame_kinds.p5.pkl'))) as DataFrame & {
      state: Record<string, unknown>;
    };
    const position = df.columns.toArray().indexOf('datetime64');
    const wanted = df.columnArrayAt(position);
    const mgr = df.state._mgr as PyObject;
    const blocks = mgr.args[0] as PyObject[];
    for (const [unit, per] of [
      ['us', 1000n],
      ['s', 1_000_000_000n],
    ] as const) {
      const block = blocks.find((b) => {
        const values = b.args[0];
        return values instanceof PyObject && isTuple(values.state) && (values.state[0] as DType).kind === 'M';
      });
      assert.ok(block !== undefined, 'the naive datetime block');
      const array = block.args[0] as PyObject;
      const [dtype, ndarray, attrs] = array.state as [unknown, NDArray, unknown];
      const counts = wanted.map((v) => (v === null ? -(2n ** 63n) : (v as bigint) / per));
      const coarse = NDArray.from(BigInt64Array.from(counts), {
        dtype: `<M8[${unit}]`,
        shape: [...ndarray.shape],
      });
      array.state = Object.freeze([dtype, coarse, attrs]);
      const cells = df.columnArrayAt(position);
      assert.deepEqual(
        cells,
        wanted.map((v) => (v === null ? null : ((v as bigint) / per) * per)),
        `unit ${unit}`,
      );
      array.state = Object.freeze([dtype, ndarray, attrs]);
    }
  });
});
