/**
 * Byte identity of `exact: true` on pickles CPython wrote: every pickle of the
 * corpus (test/fixtures/exact-corpus, written by scripts/gen-exact-corpus.py
 * with python3 3.11.7 and Debian's python3 3.11.2 with numpy, pandas and
 * scikit-learn; plus the pickles of test/fixtures/numpy, pandas and sklearn)
 * is loaded with `exact: true` and dumped at its protocol, and the bytes must
 * be the original's. Every failure is listed.
 *
 * Two registries: the default one (numpy arrays, frames and standard-library
 * values are reconstructed, then written back by their own classes) and an
 * inert one (builtins and copyreg only: everything else stays a
 * PyObject/PyGlobal), which isolates the core's own exactness. Both must give
 * every pickle back.
 *
 * Also: enum members in both forms CPython writes (`Status(1)` and, from
 * 3.11.2 to 3.11.4, `getattr(Status, 'ACTIVE')`), registered or not, and the
 * strict-mode message for the getattr form; Flag combinations in both forms
 * (`Perm(6)` and, from 3.11.2 to 3.11.4, `_operator.or_(Perm.R, Perm.W)`),
 * checked against the values Python computed (the corpus' `enums`), and
 * `or_` of anything but registered members left inert.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ARG_SIZES } from '../src/exact-strings.js';
import {
  defineEnum,
  dumps,
  type LoadOptions,
  loads,
  PickleBuffer,
  Pickler,
  PyEnum,
  PyGlobal,
  PyObject,
  Registry,
  repr,
  tuple,
  Unpickler,
  UnpicklingError,
} from '../src/index.js';
import { OPCODES } from '../src/opcodes.js';
import { builtins } from '../src/reconstructors/builtins.js';
import { copyreg } from '../src/reconstructors/copyreg.js';
import { scan } from '../src/tools/scan.js';
import { runs, seed as seedOr } from './support/budget.js';
import { failWithSeed } from './support/fast-check.js';
import { fromHex, ROOT, runPython } from './support/python.js';

const FIXTURES = join(ROOT, 'test', 'fixtures');
const CORPUS = join(FIXTURES, 'exact-corpus');

interface Case {
  name: string;
  protocol: number;
  data: Uint8Array;
  buffers?: Uint8Array[];
  /** The enum members and Flag values in the value, in order, as Python computed them: [class, value, name]. */
  enums?: [string, unknown, string | null][];
}

interface Group {
  name: string;
  python: string;
  cases: Case[];
}

function corpusGroups(): Group[] {
  const groups: Group[] = [];
  for (const file of readdirSync(CORPUS).sort()) {
    if (!file.endsWith('.json.gz')) continue;
    const doc = JSON.parse(gunzipSync(readFileSync(join(CORPUS, file))).toString()) as {
      python: string;
      cases: { name: string; protocol: number; pickle: string; enums?: Case['enums'] }[];
    };
    groups.push({
      name: file.replace('.json.gz', ''),
      python: doc.python,
      cases: doc.cases.map((c) => ({
        name: c.name,
        protocol: c.protocol,
        data: new Uint8Array(Buffer.from(c.pickle, 'base64')),
        ...(c.enums === undefined ? {} : { enums: c.enums }),
      })),
    });
  }
  return groups;
}

/** The pickles of the library fixtures, each written by CPython's pickle.dumps. */
function fixtureGroup(): Group {
  const cases: Case[] = [];
  const numpy = JSON.parse(readFileSync(join(FIXTURES, 'numpy', 'pickles.json'), 'utf8')) as {
    cases: { name: string; protocol: number; pickle: string; buffers?: string[] }[];
  };
  for (const c of numpy.cases) {
    cases.push({
      name: `numpy ${c.name}`,
      protocol: c.protocol,
      data: new Uint8Array(Buffer.from(c.pickle, 'hex')),
      ...(c.buffers === undefined
        ? {}
        : { buffers: c.buffers.map((b) => new Uint8Array(Buffer.from(b, 'hex'))) }),
    });
  }
  for (const lib of ['pandas', 'sklearn']) {
    for (const file of readdirSync(join(FIXTURES, lib)).sort()) {
      const m = /\.p(\d)\.pkl$/.exec(file);
      if (m === null) continue;
      cases.push({
        name: `${lib} ${file}`,
        protocol: Number(m[1]),
        data: readFileSync(join(FIXTURES, lib, file)),
      });
    }
  }
  return { name: 'fixtures', python: '3.11.2', cases };
}

const GROUPS = [...corpusGroups(), fixtureGroup()];
const INERT = new Registry([builtins, copyreg]).freeze();

/** The re-dump of one pickle, or the error that stopped it. */
function redump(c: Case, registry?: Registry): Uint8Array | Error {
  const load: LoadOptions = { exact: true };
  if (registry !== undefined) load.registry = registry;
  if (c.buffers !== undefined) load.buffers = c.buffers.map((b) => new PickleBuffer(b));
  try {
    return dumps(loads(c.data, load), {
      protocol: c.protocol,
      ...(c.buffers === undefined ? {} : { bufferCallback: () => false }),
    });
  } catch (error) {
    return error as Error;
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

/** Every pickle that does not come back identical: `group: name (protocol p)[: error]`. */
function failures(registry?: Registry): { count: number; failed: string[] } {
  const seen = new Set<string>();
  const failed: string[] = [];
  let count = 0;
  for (const group of GROUPS) {
    for (const c of group.cases) {
      // The two CPython builds write most values alike: check each distinct pickle once.
      const key = Buffer.from(c.data).toString('base64');
      if (seen.has(key)) continue;
      seen.add(key);
      count++;
      const out = redump(c, registry);
      if (out instanceof Error)
        failed.push(`${group.name}: ${c.name} (protocol ${c.protocol}): ${out.message}`);
      else if (!same(out, c.data)) failed.push(`${group.name}: ${c.name} (protocol ${c.protocol})`);
    }
  }
  return { count, failed };
}

test('exact corpus: every pickle CPython wrote comes back byte for byte (inert registry)', () => {
  const { count, failed } = failures(INERT);
  assert.ok(count > 1500, `the corpus holds ${count} distinct pickles`);
  assert.deepEqual(failed, [], `${failed.length} of ${count} pickles differ:\n${failed.join('\n')}`);
});

test('exact corpus: every pickle CPython wrote comes back byte for byte (default registry)', () => {
  // numpy arrays, masked arrays and frames are rebuilt by their value classes, which keep (exact mode
  // only) what numpy's own pickle of the loaded array would write otherwise: see test/numpy-exact.test.ts.
  const { count, failed } = failures();
  assert.ok(count > 1500, `the corpus holds ${count} distinct pickles`);
  assert.deepEqual(failed, [], `${failed.length} of ${count} pickles differ:\n${failed.join('\n')}`);
});

// ---------------------------------------------------------------------------
// What the corpus holds: each category of difference the exact mode handles

function corpusCase(group: string, name: string, protocol: number): Case {
  const found = GROUPS.find((g) => g.name === group)?.cases.find(
    (c) => c.name === name && c.protocol === protocol,
  );
  assert.ok(found, `${group}: ${name} (protocol ${protocol}) is in the corpus`);
  return found;
}

test('exact: equal strings CPython wrote twice stay apart; the value holds plain strings', () => {
  for (let protocol = 0; protocol <= 5; protocol++) {
    const c = corpusCase('stdlib', 'json records', protocol);
    const exact = loads(c.data, { exact: true }) as Map<string, unknown>[];
    assert.equal(typeof exact[0]!.get('status'), 'string');
    assert.equal(exact[0]!.get('status'), 'active');
    assert.ok(same(dumps(exact, { protocol }), c.data));
    // Without exact, equal strings share one memo entry: a smaller pickle.
    const plain = dumps(loads(c.data), { protocol });
    assert.ok(plain.length < c.data.length, `protocol ${protocol}: ${plain.length} < ${c.data.length}`);
  }
});

test('exact: a value changed after loading still dumps every string correctly', () => {
  const c = corpusCase('stdlib', 'csv-like rows', 4);
  const rows = loads(c.data, { exact: true }) as Map<string, unknown>[];
  rows.reverse();
  rows.splice(3, 2);
  rows[0]!.set('status', 'moved');
  const back = loads(dumps(rows, { protocol: 4 })) as Record<string, unknown>[];
  assert.deepEqual(
    back,
    rows.map((m) => Object.fromEntries(m)),
  );
});

test('exact: module names CPython wrote again before STACK_GLOBAL (array after _array_reconstructor)', () => {
  for (const protocol of [4, 5]) {
    const c = corpusCase('stdlib', 'array and other module', protocol);
    assert.ok(same(dumps(loads(c.data, { exact: true }), { protocol }), c.data));
    assert.ok(!same(dumps(loads(c.data), { protocol }), c.data), 'the default mode shares the module name');
  }
});

test('exact: a surrogate pair CPython wrote as two lone surrogates stays apart', () => {
  for (let protocol = 0; protocol <= 5; protocol++) {
    const inList = corpusCase('stdlib', 'str list pair and astral', protocol);
    const list = loads(inList.data, { exact: true }) as string[];
    assert.deepEqual(list, ['😀', '😀', '😀']);
    assert.ok(same(dumps(list, { protocol }), inList.data), `protocol ${protocol}`);
    // A lone str root has no object to keep its record on: exact mode gives a String object.
    const root = corpusCase('stdlib', 'str surrogate pair', protocol);
    const value = loads(root.data, { exact: true });
    assert.ok(value instanceof String);
    assert.equal(String(value), '😀');
    assert.ok(same(dumps(value, { protocol }), root.data), `protocol ${protocol}`);
    assert.equal(loads(root.data), '😀');
  }
});

test('exact: getattr(cls, name) reductions keep their form (classmethods, methods of built-in types)', () => {
  for (const name of ['classmethod', 'builtin method of class', 'method descriptor']) {
    for (let protocol = 0; protocol <= 5; protocol++) {
      const c = corpusCase('stdlib', name, protocol);
      assert.ok(
        same(dumps(loads(c.data, { exact: true }), { protocol }), c.data),
        `${name} (protocol ${protocol})`,
      );
      // The default mode shares equal strings, but keeps the getattr form too.
      assert.ok(contains(dumps(loads(c.data), { protocol }), ENUM_GETATTR), `${name} (protocol ${protocol})`);
    }
  }
});

// ---------------------------------------------------------------------------
// Enums

const ENUM_GETATTR = [0x67, 0x65, 0x74, 0x61, 0x74, 0x74, 0x72]; // 'getattr'

function contains(data: Uint8Array, bytes: readonly number[]): boolean {
  return Buffer.from(data).includes(Buffer.from(bytes));
}

test('enums: python3 3.11.7 writes Color(value), Debian 3.11.2 getattr(Color, name), at every protocol', () => {
  for (let protocol = 0; protocol <= 5; protocol++) {
    assert.ok(!contains(corpusCase('stdlib', 'enum member', protocol).data, ENUM_GETATTR));
    assert.ok(contains(corpusCase('stdlib-debian', 'enum member', protocol).data, ENUM_GETATTR));
  }
});

const Color = defineEnum('__main__', 'Color', { RED: 1, GREEN: 2, BLUE: 'blue' });
const ENUMS = new Registry().registerEnum(Color);

test('enums: both forms load as the registered member, and dump back in the form they were read', () => {
  for (const group of ['stdlib', 'stdlib-debian']) {
    for (let protocol = 0; protocol <= 5; protocol++) {
      const c = corpusCase(group, 'enum members', protocol);
      for (const exact of [true, false]) {
        const members = loads(c.data, { registry: ENUMS, exact }) as PyEnum[];
        assert.deepEqual(members, [
          Color.members.RED,
          Color.members.GREEN,
          Color.members.BLUE,
          Color.members.RED,
        ]);
        assert.equal(members[0], Color.members.RED);
        const out = dumps(members, { protocol, registry: ENUMS });
        assert.ok(same(out, c.data), `${group} protocol ${protocol} exact ${exact}`);
      }
    }
  }
});

test('enums: an unregistered enum member stays inert and dumps back as it was read', () => {
  for (let protocol = 0; protocol <= 5; protocol++) {
    const c = corpusCase('stdlib-debian', 'enum member', protocol);
    const value = loads(c.data);
    assert.ok(value instanceof PyGlobal);
    assert.equal(value.qualifiedName, '__main__.Color.RED');
    assert.ok(same(dumps(value, { protocol }), c.data));
  }
});

test('enums: strict mode names what to register for getattr(Color, name)', () => {
  const c = corpusCase('stdlib-debian', 'enum member', 4);
  // Color allowed but not declared: the message is about the enum, not about a class named RED.
  assert.throws(
    () => loads(c.data, { allowGlobals: ['__main__.Color', 'builtins.getattr'] }),
    (error: unknown) =>
      error instanceof UnpicklingError &&
      /getattr\(__main__\.Color, 'RED'\)/.test(error.message) &&
      /defineEnum\('__main__', 'Color', \{ RED: \.\.\. \}\)/.test(error.message) &&
      /registerEnum\(Color\)/.test(error.message) &&
      !/registerClass\(RED/.test(error.message),
  );
  // Declared without that member.
  const Partial = defineEnum('__main__', 'Color', { GREEN: 2 });
  const registry = new Registry().registerEnum(Partial);
  assert.throws(
    () => loads(c.data, { registry, strict: true }),
    (error: unknown) => error instanceof UnpicklingError && /has no member 'RED'/.test(error.message),
  );
  // Declared: strict mode loads it.
  assert.equal(loads(c.data, { registry: ENUMS, strict: true }), Color.members.RED);
  // Not strict, member not declared: inert.
  assert.ok(loads(c.data, { registry }) instanceof PyGlobal);
});

const DEBIAN_PYTHON = '/usr/bin/python3';
const HAS_DEBIAN = existsSync(DEBIAN_PYTHON);

test('enums: the live pythons write the forms the corpus holds', {
  skip: HAS_DEBIAN ? false : `SKIPPED: ${DEBIAN_PYTHON} not found`,
}, () => {
  const code = [
    'import enum, pickle, sys',
    'class Color(enum.Enum):',
    '    RED = 1',
    'sys.stdout.write(" ".join(pickle.dumps(Color.RED, protocol=p).hex() for p in range(6)))',
  ].join('\n');
  for (const [python, group] of [
    ['python3', 'stdlib'],
    [DEBIAN_PYTHON, 'stdlib-debian'],
  ] as const) {
    const hexes = execFileSync(python, ['-c', code], { encoding: 'utf8' }).split(' ');
    for (let protocol = 0; protocol <= 5; protocol++) {
      const data = new Uint8Array(Buffer.from(hexes[protocol]!, 'hex'));
      const member = loads(data, { registry: ENUMS });
      assert.equal(member, Color.members.RED, `${python} protocol ${protocol}`);
      // A member alone is the shared member object: it dumps in its declared form, Color(value).
      if (group === 'stdlib') assert.ok(same(dumps(member, { protocol, registry: ENUMS }), data));
      assert.ok(
        same(dumps(loads(data, { exact: true }), { protocol }), data),
        `${python} protocol ${protocol}`,
      );
    }
  }
});

// ---------------------------------------------------------------------------
// Flag combinations: Python 3.11.2 to 3.11.4 write `_operator.or_(a, b)` of members

const OR_ = [...Buffer.from('or_')];
const Perm = defineEnum('__main__', 'Perm', { R: 4, W: 2, X: 1 });
const Shape = defineEnum('__main__', 'Shape', { ROUND: 1, SQUARE: 2 });
const Mode = defineEnum('__main__', 'Mode', { R: 4, W: 2, X: 1, RW: 6 });
const FLAGS = new Registry().registerEnum(Perm).registerEnum(Shape).registerEnum(Mode);
const FLAG_CLASSES = new Map<string, { members: Record<string, PyEnum> }>([
  ['Perm', Perm],
  ['Shape', Shape],
  ['Mode', Mode],
]);

/** Every PyEnum in a loaded value, in order (each occurrence). */
function enumsIn(value: unknown, out: PyEnum[] = []): PyEnum[] {
  if (value instanceof PyEnum) out.push(value);
  else if (Array.isArray(value)) for (const v of value) enumsIn(v, out);
  else if (value instanceof Map) for (const v of value.values()) enumsIn(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) enumsIn(v, out);
  return out;
}

function flagCases(group: string): Case[] {
  const cases = GROUPS.find((g) => g.name === group)!.cases.filter(
    (c) => c.enums?.some(([cls]) => FLAG_CLASSES.has(cls)) === true,
  );
  assert.ok(cases.length >= 48, `${group}: ${cases.length} flag pickles`);
  return cases;
}

test('flags: Python 3.11.2 writes combinations as _operator.or_ of members, 3.11.7 as Class(value)', () => {
  for (let protocol = 0; protocol <= 5; protocol++) {
    for (const name of ['flag combination', 'int flag combination of three', 'int flag unknown bits']) {
      assert.ok(!contains(corpusCase('stdlib', name, protocol).data, OR_), `${name} ${protocol}`);
      assert.ok(contains(corpusCase('stdlib-debian', name, protocol).data, OR_), `${name} ${protocol}`);
    }
  }
});

test("flags: both forms load as the registered enum's values Python computed, and dump back in the form read", () => {
  for (const group of ['stdlib', 'stdlib-debian']) {
    for (const c of flagCases(group)) {
      const label = `${group}: ${c.name} (protocol ${c.protocol})`;
      for (const exact of [false, true]) {
        const value = loads(c.data, { registry: FLAGS, exact });
        const found = enumsIn(value);
        assert.equal(found.length, c.enums!.length, label);
        for (const [i, [cls, v, name]] of c.enums!.entries()) {
          const e = found[i]!;
          assert.equal(e.enumClass.qualifiedName, `__main__.${cls}`, label);
          assert.equal(e.value, v, label);
          const declared = FLAG_CLASSES.get(cls)?.members[name ?? ''];
          // A declared member is that very object; any other value (R|W, 0, R|8) a nameless PyEnum.
          if (declared !== undefined) assert.equal(e, declared, label);
          else assert.equal(e.name, null, label);
        }
        const out = dumps(value, { protocol: c.protocol, registry: FLAGS });
        if (group === 'stdlib-debian' && c.name === 'flag multi-bit member alone') {
          // A declared member alone is the shared member: it dumps in its declared form, Mode(6).
          assert.deepEqual(loads(out, { registry: FLAGS }), Mode.members.RW);
          assert.ok(!contains(out, OR_), label);
        } else assert.ok(same(out, c.data), `${label} exact ${exact}`);
      }
    }
  }
});

test("flags: a combination's repr and str are Python's (<Perm.R|W: 6>, <Perm.R|8: 12>, <Perm: 0>)", () => {
  // python3 pickles each value as Class(value) and prints its repr and str; the classes as declared above.
  const out = runPython(`
import enum, json, pickle, sys
class Perm(enum.IntFlag):
    R = 4
    W = 2
    X = 1
class Mode(enum.Flag):
    R = 4
    W = 2
    X = 1
    RW = 6
Perm.__module__ = Mode.__module__ = '__main__'
values = [Perm(v) for v in (0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 15, 64)] + [Mode(v) for v in (0, 3, 5, 6, 7)]
json.dump([[pickle.dumps(v, protocol=4).hex(), repr(v), str(v) if isinstance(v, Mode) else None] for v in values], sys.stdout)
`);
  const cases = JSON.parse(out) as [string, string, string | null][];
  assert.equal(cases.length, 17);
  for (const [hex, pyRepr, pyStr] of cases) {
    const value = loads(fromHex(hex), { registry: FLAGS });
    assert.ok(value instanceof PyEnum, pyRepr);
    assert.equal(repr(value), pyRepr);
    if (pyStr !== null) assert.equal(String(value), pyStr);
  }
});

test('flags: the scanner rates the or_ form by its enum class (review), not as an operator gadget', () => {
  const cases = flagCases('stdlib-debian').filter((c) => contains(c.data, OR_));
  assert.ok(cases.length >= 12, `${cases.length} or_ pickles`);
  for (const c of cases) {
    const report = scan(c.data);
    assert.equal(report.verdict, 'review', `${c.name} (protocol ${c.protocol})`);
    // What is left to review is the enum class itself, never the operator.
    assert.ok(report.findings.length > 0 && report.findings.every((f) => f.message.startsWith('__main__.')));
  }
  // The rest of _operator stays a gadget.
  const gadget = Uint8Array.from(Buffer.from("c_operator\nattrgetter\n(S'x'\ntR.", 'latin1'));
  assert.equal(scan(gadget).verdict, 'dangerous');
});

test('flags: a loaded combination dumps its own form anywhere; one made in JS writes Class(value)', () => {
  const c = corpusCase('stdlib-debian', 'flag combination shared', 4);
  const value = loads(c.data, { registry: FLAGS }) as unknown[];
  const rw = value[0] as PyEnum;
  assert.equal(value[1], rw, 'the pickle shares one object');
  // Dumped alone (not as part of the loaded root), the value still writes the form it was read in.
  const alone = dumps(rw, { protocol: 4 });
  assert.ok(contains(alone, OR_));
  assert.equal((loads(alone, { registry: FLAGS }) as PyEnum).value, 6);
  // A value made in JS writes Class(value), as Python 3.11.5+ does.
  const made = new PyEnum(Perm.pyClass, null, 6);
  assert.ok(!contains(dumps(made, { protocol: 4 }), OR_));
  assert.equal((loads(dumps(made), { registry: FLAGS }) as PyEnum).value, 6);
});

test('flags: the live Debian python writes the or_ form the corpus holds', {
  skip: HAS_DEBIAN ? false : `SKIPPED: ${DEBIAN_PYTHON} not found`,
}, () => {
  const code = [
    'import enum, pickle, sys',
    'class Perm(enum.IntFlag):',
    '    R = 4',
    '    W = 2',
    '    X = 1',
    'sys.stdout.write(" ".join(pickle.dumps(Perm.R | Perm.W | Perm.X, protocol=p).hex() for p in range(6)))',
  ].join('\n');
  const hexes = execFileSync(DEBIAN_PYTHON, ['-c', code], { encoding: 'utf8' }).split(' ');
  for (let protocol = 0; protocol <= 5; protocol++) {
    const data = new Uint8Array(Buffer.from(hexes[protocol]!, 'hex'));
    assert.ok(same(data, corpusCase('stdlib-debian', 'int flag combination of three', protocol).data));
    assert.equal((loads(data, { registry: FLAGS }) as PyEnum).value, 7);
    assert.ok(same(dumps(loads(data, { registry: FLAGS }), { protocol }), data));
  }
});

test('flags: unregistered, a combination stays inert and dumps back as read', () => {
  for (const c of flagCases('stdlib-debian')) {
    if (!contains(c.data, OR_)) continue;
    const value = loads(c.data);
    assert.ok(
      enumsIn(value).length === 0,
      `${c.name} (protocol ${c.protocol}): nothing reconstructed without registration`,
    );
    assert.ok(same(dumps(value, { protocol: c.protocol }), c.data), `${c.name} (protocol ${c.protocol})`);
  }
  const root = loads(corpusCase('stdlib-debian', 'flag combination', 4).data);
  assert.ok(root instanceof PyObject);
  assert.equal(String((root as PyObject).callable), '_operator.or_');
});

test('flags: _operator.or_ combines registered enum members only; any other operands stay inert', () => {
  const OR = new PyGlobal('_operator', 'or_');
  const Color = defineEnum('__main__', 'Color', { RED: 1, GREEN: 2, BLUE: 'blue' });
  const registry = new Registry().registerEnum(Perm).registerEnum(Color);
  const R = Perm.members.R;
  const call = (...args: unknown[]) => loads(dumps(new PyObject('reduce', OR, tuple(...args))), { registry });
  for (const args of [
    [1, 2],
    [R, Color.members.RED], // two enums
    [Color.members.BLUE, 1], // a str value
    [R, 1.5],
    [R, 'x'],
    [R, true],
    [R],
    [R, 1, 2],
    [new PyGlobal('__main__', 'Perm'), R],
    [[4], R],
  ]) {
    const value = call(...args);
    assert.ok(value instanceof PyObject, `or_(${args.map(String).join(', ')})`);
    assert.equal(String((value as PyObject).callable), '_operator.or_');
  }
  // Members of a registered enum combine, ints as the bits no member names, bigints too.
  assert.equal((call(R, Perm.members.W) as PyEnum).value, 6);
  assert.equal(call(R, Perm.members.R), R);
  assert.equal((call(R, 8) as PyEnum).value, 12);
  assert.equal((call(R, 2n ** 70n) as PyEnum).value, 2n ** 70n + 4n);
  assert.equal((call(R, 2 ** 40) as PyEnum).value, 2 ** 40 + 4);
  // Not registered in this registry: inert.
  assert.ok(loads(dumps(new PyObject('reduce', OR, tuple<unknown>(R, 1)))) instanceof PyObject);
  // Strict mode: or_ of registered members loads; or_ of unregistered members is refused with them.
  const data = corpusCase('stdlib-debian', 'flag combination', 4).data;
  assert.equal((loads(data, { registry: FLAGS, strict: true }) as PyEnum).value, 3);
  assert.throws(() => loads(data, { strict: true }), UnpicklingError);
});

test('flags: or_ of random operands combines registered members exactly, leaves the rest inert, never throws', () => {
  const OR = new PyGlobal('_operator', 'or_');
  const Color = defineEnum('__main__', 'Color', { RED: 1, BLUE: 'blue' });
  const registry = new Registry().registerEnum(Perm).registerEnum(Mode).registerEnum(Color);
  const operand = fc.oneof(
    fc.constantFrom<unknown>(...Object.values(Perm.members), ...Object.values(Mode.members)),
    fc.constantFrom<unknown>(
      ...Object.values(Color.members),
      null,
      true,
      'x',
      1.5,
      -0,
      new PyGlobal('__main__', 'Perm'),
    ),
    fc.integer({ min: -5, max: 1 << 20 }).map((v) => new PyEnum(Perm.pyClass, null, v)),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
    fc.integer(),
  );
  const intOf = (v: unknown): bigint | undefined =>
    typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
  const seed = seedOr(20261206);
  try {
    fc.assert(
      fc.property(
        fc.array(operand, { minLength: 0, maxLength: 3 }),
        fc.integer({ min: 0, max: 5 }),
        (args, protocol) => {
          const data = dumps(new PyObject('reduce', OR, tuple(...args)), { protocol });
          const value = loads(data, { registry });
          const [a, b] = args;
          const bits =
            args.length === 2 && a instanceof PyEnum
              ? b instanceof PyEnum
                ? b.enumClass.name === a.enumClass.name
                  ? intOf(b.value)
                  : undefined
                : intOf(b)
              : undefined;
          if (bits === undefined || intOf((a as PyEnum).value) === undefined) {
            assert.ok(value instanceof PyObject);
            assert.ok(same(dumps(value, { protocol }), data));
            return;
          }
          assert.ok(value instanceof PyEnum);
          assert.equal(value.enumClass.name, (a as PyEnum).enumClass.name);
          assert.equal(BigInt(value.value as number | bigint), intOf((a as PyEnum).value)! | bits);
          // Written back as read (a declared member alone is the shared member: Class(value)).
          if (value.name === null) assert.ok(same(dumps(value, { protocol }), data));
        },
      ),
      { seed, numRuns: runs(400, 1600) },
    );
  } catch (error) {
    failWithSeed(error, seed);
  }
});

test('exact: a Pickler keeps one memo across dumps of exact values; a keepMemo stream gets no record', () => {
  const a = loads(corpusCase('stdlib', 'json records', 4).data, { exact: true });
  const b = loads(corpusCase('stdlib', 'split keys', 4).data, { exact: true });
  const pickler = new Pickler({ protocol: 4 });
  const first = pickler.dump(a);
  const second = pickler.dump(b);
  const third = pickler.dump(a); // all from the memo of the first
  const stream = new Uint8Array([...first, ...second, ...third]);
  const reader = new Unpickler(stream, { keepMemo: true, exact: true });
  const back = [reader.load(), reader.load(), reader.load()];
  assert.deepEqual(back, [a, b, a]);
  assert.equal(back[2], back[0]);
  // Read again with keepMemo, the stream dumps to pickles that load equal.
  const again = new Pickler({ protocol: 4 });
  const redumped = back.map((v) => again.dump(v));
  const reread = new Unpickler(new Uint8Array(redumped.flatMap((p) => [...p])), {
    keepMemo: true,
    dicts: 'map',
  });
  assert.deepEqual([reread.load(), reread.load(), reread.load()], back);
});

test("the exact record's opcode argument table agrees with the opcode table", () => {
  const expected = new Int8Array(256).fill(-9);
  for (const op of OPCODES) expected[op.code] = op.argBytes;
  assert.deepEqual([...ARG_SIZES], [...expected]);
});
