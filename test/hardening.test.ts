/**
 * Attacks on the loader, the converters and the inspection tools, each with
 * the bound that makes it harmless: hostile input gets a PickleError, or
 * loads as Python loads it, and costs time linear in its size.
 *
 * Costs are compared as ratios (the same operation at size n and 4n, best of
 * a few runs): a linear path scales by about 4, a quadratic one by 16. The
 * factor allowed is generous, since the test machines are shared. The few
 * absolute budgets are there to stop a hang, and are far above the real cost.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  disassemble,
  dumps,
  isPickleError,
  loads,
  PickleChunkReader,
  type PyDateTime,
  PyFloat,
  type PyFraction,
  type PyZoneInfo,
  scan,
  tuple,
  UnpicklingError,
} from '../src/index.js';
import { loadAll } from '../src/node/index.js';
import { escapeUntrusted } from '../src/python-repr.js';
import { zoneCacheSizes } from '../src/types/datetime.js';
import { gcd } from '../src/types/numbers.js';
import { cpuSince } from './support/adv-assert.js';
import { assertLinear } from './support/linear.js';
import { fromHex, runPython, runPythonPieces, toHex } from './support/python.js';

/** The python3 code of the tests that send it nothing they compute: one process for all of it. */
const PY = runPythonPieces({
  long4:
    'import pickle, random; random.seed(5); v = -random.getrandbits(2**21); print(pickle.dumps(v, 2).hex()); print(hex(v))',
  list0: 'import pickle; print(pickle.dumps(list(range(10000)), 0).hex())',
  gcd: 'import random, math\nrandom.seed(3)\nfor _ in range(200):\n  g = random.getrandbits(random.randrange(1, 400))\n  a = random.getrandbits(random.randrange(1, 3000)) * g\n  b = -random.getrandbits(random.randrange(1, 3000)) * g\n  print(a, b, math.gcd(a, b))',
  nanTuple: "import pickle; d = {}; d[1] = d; print(pickle.dumps([d, (float('nan'),)], 2).hex())",
  nanKeys:
    "import pickle; a = float('nan'); b = float('nan'); print(pickle.dumps({a, b}, 4).hex()); print(pickle.dumps({a: 1, b: 2}, 2).hex())",
});

/** Runs `fn` and returns what it threw (undefined when it returned). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Loads or throws a PickleError: never anything else. */
function loadsOrPickleError(data: Uint8Array): unknown {
  try {
    return loads(data);
  } catch (error) {
    if (!isPickleError(error)) throw error;
    return error;
  }
}

function scanQuietly(data: Uint8Array): unknown {
  try {
    return scan(data);
  } catch (error) {
    if (!isPickleError(error)) throw error;
    return error;
  }
}

function disQuietly(data: Uint8Array): unknown {
  try {
    return disassemble(data);
  } catch (error) {
    if (!isPickleError(error)) throw error;
    return error;
  }
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
}

/** The bytes of `text`, one per character (Latin-1: `\x80` is the byte 0x80). */
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe('a sparse memo costs what it holds', () => {
  it('LONG_BINPUT 0xFFFFFFFE then a fix-up walk loads at once', () => {
    // [] {} LONG_BINPUT 0xfffffffe APPEND LONG_BINGET 0xfffffffe 1 2 SETITEM POP STOP
    const data = fromHex('80025d7d72feffffff616afeffffff4b014b02733 02e'.replace(' ', ''));
    const t = process.cpuUsage();
    const value = loads(data) as unknown[];
    assert.ok(cpuSince(t) < 2000, `${cpuSince(t)} ms of CPU`);
    assert.ok(value[0] instanceof Map);
    assert.equal((value[0] as Map<unknown, unknown>).get(1), 2);
  });

  it('out-of-order memo ids: cost linear in their number', () => {
    assertLinear(
      'PUT of scattered ids',
      20_000,
      (n) => {
        const parts: number[] = [0x80, 2, 0x5d];
        for (let i = 0; i < n; i++) parts.push(0x4b, 1, 0x72, ...u32(0xfffffff0 - i * 7919), 0x61);
        parts.push(0x2e);
        return Uint8Array.from(parts);
      },
      (data) => loads(data),
    );
  });
});

describe('big ints are linear', () => {
  const long4 = (n: number) => concat([0x80, 2, 0x8b, ...u32(n)], new Uint8Array(n).fill(0x55), [0x2e]);
  it('LONG4 in loads', () => assertLinear('loads LONG4', 64 * 1024, long4, (d) => loads(d)));
  it('LONG4 in scan', () => assertLinear('scan LONG4', 64 * 1024, long4, (d) => scanQuietly(d)));
  it('LONG4 in disassemble', () => assertLinear('dis LONG4', 64 * 1024, long4, (d) => disQuietly(d)));
  it('bigint in dumps', () =>
    assertLinear(
      'dumps bigint',
      64 * 1024,
      (n) => BigInt(`0x${'9'.repeat(2 * n)}`),
      (v) => dumps(v),
    ));
  it('a 256 KiB LONG4 decodes to the value Python reads', () => {
    const hex = PY('long4').split('\n');
    assert.equal((loads(fromHex(hex[0]!)) as bigint).toString(16), hex[1]!.replace('0x', ''));
    assert.equal(toHex(dumps(loads(fromHex(hex[0]!)), { protocol: 2 })), hex[0]);
  });
});

describe('float text is parsed in one pass', () => {
  const junk = (n: number) => concat(ascii(`F${'1'.repeat(n)}x\n.`));
  it('FLOAT digits then junk in loads', () => assertLinear('loads FLOAT', 100_000, junk, loadsOrPickleError));
  it('FLOAT digits then junk in scan', () => assertLinear('scan FLOAT', 100_000, junk, scanQuietly));
  it('FLOAT digits then junk in disassemble', () => assertLinear('dis FLOAT', 100_000, junk, disQuietly));
  it('INT with a long run of blanks in disassemble', () =>
    assertLinear('dis INT blanks', 100_000, (n) => concat(ascii(`I1${' '.repeat(n)}x\n.`)), disQuietly));
  it('the parser agrees with CPython on float text', () => {
    const texts = [
      '1',
      '1.',
      '.5',
      '-1.5e3',
      '+2E-2',
      'inf',
      '-Infinity',
      'nan',
      '1e',
      '.',
      'e5',
      '1.5.2',
      '--1',
      '1e+',
      '',
    ];
    const expected = JSON.parse(
      runPython(
        `import json,sys,pickle\nout=[]\nfor t in json.loads(sys.argv[1]):\n  try: v=pickle.loads(b'F'+t.encode()+b'\\n.'); out.append(repr(v))\n  except Exception as e: out.append('error')\nprint(json.dumps(out))`,
        [JSON.stringify(texts)],
      ),
    ) as string[];
    texts.forEach((text, i) => {
      const v = loadsOrPickleError(concat(ascii(`F${text}\n.`)));
      const got = v instanceof Error ? 'error' : Number.isNaN(v) ? 'nan' : String(v);
      const want = expected[i]!.replace(/\.0$/, '').replace(/^(-?)inf$/, '$1Infinity');
      assert.equal(got, want, `FLOAT ${JSON.stringify(text)}`);
    });
  });
});

describe('no recursion per opcode, bounded output', () => {
  it('loadAll reads a protocol 0 list of 10,000 ints', async () => {
    const data = fromHex(PY('list0').trim());
    const values: unknown[] = [];
    for await (const v of loadAll(Readable.from([data, data]))) values.push(v);
    assert.equal(values.length, 2);
    assert.equal((values[1] as number[])[9999], 9999);
    const reader = new PickleChunkReader();
    reader.push(data);
    reader.end();
    assert.equal((reader.read()!.value as number[]).length, 10000);
  });

  it('disassemble of 30,000 nested MARKs stops at its output budget with a PickleError', () => {
    const error = thrown(() => disassemble(new Uint8Array(30_001).fill(0x28).fill(0x2e, 30_000)));
    assert.ok(isPickleError(error), String(error));
    assert.match((error as Error).message, /longer than \d+ characters/);
    const partial = (error as unknown as { partial: string }).partial;
    assert.ok(partial.length <= 1024 * 1024, `partial output of ${partial.length} characters`);
  });
});

describe('containers and arithmetic', () => {
  it('a deque(maxlen=M) taking N single APPENDs costs O(N)', () => {
    const deque = (n: number) => {
      const parts: number[] = [...ascii('\x80\x02ccollections\ndeque\n]'), 0x4a, ...u32(n / 2), 0x86, 0x52];
      for (let i = 0; i < n; i++) parts.push(0x4a, ...u32(i), 0x61);
      parts.push(0x2e);
      return Uint8Array.from(parts);
    };
    assertLinear('deque APPEND', 20_000, deque, (d) => loads(d));
    const d = loads(deque(20_000)) as number[];
    assert.equal(d.length, 10_000);
    assert.equal(d[0], 10_000);
    assert.equal(d[9_999], 19_999);
  });

  it('gcd agrees with math.gcd', () => {
    const cases = PY('gcd').trim().split('\n');
    for (const line of cases) {
      const [a, b, g] = line.split(' ').map((x) => BigInt(x));
      assert.equal(gcd(a!, b!), g);
    }
  });

  it('a Fraction of two 64 KiB ints is refused at once; 8 KiB ones are normalised', () => {
    const big = 2n ** (8n * 65536n) - 1n;
    const t = process.cpuUsage();
    const error = thrown(() => loads(fractionPickle(big, big - 2n)));
    assert.ok(error instanceof UnpicklingError, String(error));
    assert.match(error.message, /limited to 65536 bits/);
    const f = loads(fractionPickle(6n * 2n ** 65000n, 4n * 2n ** 65000n)) as PyFraction;
    assert.equal(f.numerator, 3n);
    assert.equal(f.denominator, 2n);
    assert.ok(cpuSince(t) < 10_000, `${cpuSince(t)} ms of CPU`);
  });
});

function fractionPickle(n: bigint, d: bigint): Uint8Array {
  const enc = (v: bigint) => {
    const body = dumps(v, { protocol: 2 });
    return body.subarray(2, body.length - 1); // without PROTO and STOP
  };
  return concat(ascii('\x80\x02cfractions\nFraction\n'), enc(n), enc(d), [0x86, 0x52, 0x2e]);
}

describe('caches are bounded', () => {
  it('zone names differing in case share a formatter, and the caches stay small', () => {
    const base = 'Europe/Paris';
    const wall = loads(
      fromHex(
        runPythonOnce(
          'import pickle, datetime; print(pickle.dumps(datetime.datetime(2024, 7, 1, 12), 2).hex())',
        ),
      ),
    ) as PyDateTime;
    for (let i = 0; i < 600; i++) {
      let key = '';
      for (let j = 0; j < base.length; j++)
        key += (i >> j) & 1 ? base[j]!.toUpperCase() : base[j]!.toLowerCase();
      const zone = loads(
        concat(
          ascii('\x80\x02czoneinfo\nZoneInfo._unpickle\n'),
          [0x58, ...u32(key.length)],
          ascii(key),
          [0x4b, 1, 0x86, 0x52, 0x2e],
        ),
      ) as PyZoneInfo;
      // The offset of a datetime in that zone needs the zone's formatter.
      zone.utcOffsetMicroseconds(wall);
    }
    const sizes = zoneCacheSizes();
    assert.ok(sizes.formatters <= 64, `${sizes.formatters} formatters`);
    assert.ok(sizes.names <= 256, `${sizes.names} names`);
  });
});

const pyCache = new Map<string, string>();
function runPythonOnce(code: string): string {
  let out = pyCache.get(code);
  if (out === undefined) {
    out = runPython(code).trim();
    pyCache.set(code, out);
  }
  return out;
}

/** True when `text` holds a C0 or C1 control, DEL, a bidi override or a line separator. */
function hasRawControl(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x202e || c === 0x2028) return true;
  }
  return false;
}

describe('error messages', () => {
  it('a namespace whose constructor.name is a dict makes a PickleError, not a TypeError', () => {
    const data = fromHex(
      runPython(
        "import pickle, types, sys; ns = types.SimpleNamespace(constructor=types.SimpleNamespace(name={'toString': 1})); d = pickle.dumps(ns, 2); print((d[:-1] + b'K\\x01a.').hex())",
      ).trim(),
    );
    const error = thrown(() => loads(data));
    assert.ok(error instanceof UnpicklingError, String(error));
  });

  it('pickle text in a message has every control, C1 and bidi character escaped', () => {
    const evil = '\x1b]0;owned\x07\r\u0085\u202e\u2028';
    for (const op of ['I', 'L', 'F', 'g', 'p']) {
      const error = thrown(() =>
        loads(concat([0x80, 0x02], ascii(`${op}1`), new TextEncoder().encode(evil), [0x0a, 0x2e])),
      );
      assert.ok(error instanceof UnpicklingError, `${op}: ${String(error)}`);
      assert.ok(!hasRawControl(error.message), `${op}: ${JSON.stringify(error.message)}`);
    }
    const global = thrown(() =>
      loads(concat(ascii('\x80\x02c'), new TextEncoder().encode('mod\u202e\u0085\nname\n.')), {
        strict: true,
      }),
    );
    assert.ok(global instanceof UnpicklingError);
    assert.ok(!hasRawControl(global.message), global.message);
    assert.equal(escapeUntrusted('a\u009bb\u200fc'), 'a\\x9bb\\u200fc');
  });
});

describe('exceptions do not pay for a stack trace', () => {
  it('a list of ValueError() loads in linear time, without stacks', () => {
    const make = (n: number) => {
      const parts: number[] = [...ascii('\x80\x02]cbuiltins\nValueError\n'), 0x71, 0, 0x30, 0x28];
      for (let i = 0; i < n; i++) parts.push(0x68, 0, 0x29, 0x52);
      parts.push(0x65, 0x2e);
      return Uint8Array.from(parts);
    };
    assertLinear('ValueError()', 20_000, make, (d) => loads(d));
    const [e] = loads(make(1)) as Error[];
    assert.ok(e instanceof Error);
    assert.ok((e.stack ?? '').split('\n').length <= 1, e.stack);
    assert.ok(new Error('x').stack!.split('\n').length > 1, 'the stack trace limit is restored');
  });
});

describe('hash flooding', () => {
  it('int keys chosen to collide in V8 are refused; random ones load', () => {
    // V8's unseeded hash of a small int (Thomas Wang's), as a Map uses it.
    const wang = (key: number) => {
      let h = key >>> 0;
      h = (~h + (h << 15)) >>> 0;
      h = (h ^ (h >>> 12)) >>> 0;
      h = (h + (h << 2)) >>> 0;
      h = (h ^ (h >>> 4)) >>> 0;
      h = Math.imul(h, 2057) >>> 0;
      return ((h ^ (h >>> 16)) >>> 0) & 0x3fffffff;
    };
    const flood = new Map<number, number>();
    for (let k = 1; flood.size < 6000; k++) if ((wang(k) & 0xfff) === 0) flood.set(k, 1);
    const data = dumps(flood);
    const t = process.cpuUsage();
    const error = thrown(() => loads(data));
    assert.ok(error instanceof UnpicklingError, String(error));
    assert.match(error.message, /hash flooding/);
    assert.ok(cpuSince(t) < 5000, `${cpuSince(t)} ms of CPU`);
    const random = new Map<number, number>();
    for (let i = 0; i < 50_000; i++) random.set((i * 2654435761) % 2 ** 31, i);
    assert.equal((loads(dumps(random)) as Map<number, number>).size, random.size);
    const sequential = new Map<number, number>();
    for (let i = 0; i < 100_000; i++) sequential.set(i * 1024, i);
    assert.equal((loads(dumps(sequential)) as Map<number, number>).size, sequential.size);
  });
});

describe('NaN and hashability', () => {
  it('a tuple holding NaN does not stall the fix-up walk', () => {
    const data = fromHex(PY('nanTuple').trim());
    const [d, t] = loads(data) as [Map<unknown, unknown>, number[]];
    assert.equal(d.get(1), d);
    assert.ok(Number.isNaN(t[0]));
  });

  it('two NaN set items and two NaN keys stay two, and dump back as Python had them', () => {
    const [setHex, dictHex] = PY('nanKeys').trim().split('\n');
    const set = loads(fromHex(setHex!)) as Set<unknown>;
    const dict = loads(fromHex(dictHex!)) as Map<unknown, unknown>;
    assert.equal(set.size, 2);
    assert.equal(dict.size, 2);
    for (const key of [...set, ...dict.keys()]) assert.ok(key instanceof PyFloat && Number.isNaN(key.value));
    const back = runPython(
      'import pickle, sys; s = pickle.loads(bytes.fromhex(sys.argv[1])); d = pickle.loads(bytes.fromhex(sys.argv[2])); print(len(s), len(d), sorted(d.values()))',
      [toHex(dumps(set)), toHex(dumps(dict))],
    ).trim();
    assert.equal(back, '2 2 [1, 2]');
  });

  it('a list, dict or set as a key or set item is refused on load with Python message', () => {
    const cases: [string, string][] = [
      ['dict key list', '80027d285d4b01614b0375 2e'],
      ['set item dict', '80048f287d9094 2e'],
      ['frozenset item set', '8004288f91 2e'],
      ['dict key tuple of list', '80027d285d85 4b0175 2e'],
    ];
    for (const [what, hex] of cases) {
      const data = fromHex(hex.replaceAll(' ', ''));
      const error = thrown(() => loads(data));
      assert.ok(error instanceof UnpicklingError, `${what}: ${String(error)}`);
      assert.match(error.message, /unhashable type: '(list|dict|set)'/, what);
      const py = runPython(
        'import pickle, sys\ntry: pickle.loads(bytes.fromhex(sys.argv[1])); print("loaded")\nexcept TypeError as e: print(e)',
        [toHex(data)],
      ).trim();
      assert.equal(error.reason, py, what);
    }
  });

  it('dumps refuses unhashable keys with the path, and takes what Python hashes', () => {
    const e1 = thrown(() => dumps({ a: new Set([[1, 2]]) }));
    assert.ok(isPickleError(e1));
    assert.match((e1 as Error).message, /root\.a.*unhashable type: 'list'.*tuple\(/);
    const e2 = thrown(() => dumps(new Map([[{ x: 1 }, 1]])));
    assert.match((e2 as Error).message, /unhashable type: 'dict'/);
    const e3 = thrown(() => dumps(new Map([[tuple<unknown>(1, [2]), 1]])));
    assert.match((e3 as Error).message, /unhashable type: 'list'/);
    const ok = new Map<unknown, unknown>([
      [tuple<unknown>(1, tuple<unknown>('a', 2.5)), 1],
      ['k', 2],
    ]);
    assert.equal((loads(dumps(ok)) as Map<unknown, unknown>).size, 2);
  });

  it('READONLY_BUFFER keeps in-band bytes, which then dump at any protocol', () => {
    const value = loads(Uint8Array.from([0x80, 5, 0x43, 3, 0x61, 0x62, 0x63, 0x98, 0x2e]));
    assert.ok(value instanceof Uint8Array);
    const out = runPython('import pickle, sys; print(pickle.loads(bytes.fromhex(sys.argv[1])))', [
      toHex(dumps(value, { protocol: 2 })),
    ]).trim();
    assert.equal(out, "b'abc'");
  });

  it('embedded NUL in text numbers is refused (CPython stops reading there)', () => {
    for (const op of ['I', 'L', 'F', 'g', 'p']) {
      const error = thrown(() => loads(concat([0x80, 0x02, 0x4b, 0x01], ascii(`${op}1\x002\n.`))));
      assert.ok(isPickleError(error), `${op}: ${String(error)}`);
    }
  });
});
