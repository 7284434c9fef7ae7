/**
 * The static scanner against CPython. The corpus (test/support/scan-corpus.py)
 * is written by python3: hostile pickles (gadgets at every protocol, Python 2
 * names, dotted names, calls hidden behind POP and the memo, STACK_GLOBAL
 * operands from the memo, EXT codes, INST/OBJ, payloads before damage, after
 * STOP and in later pickles, torch-like zips) that must never be `safe` and,
 * when they name a gadget, must be `dangerous`; benign ones (data at every
 * protocol, stdlib values, dataclasses, numpy and torch output) that must never
 * be `dangerous`, and plain data `safe`. For each pickle python3 also records
 * every global its C unpickler looks up (the scanner must report all of them),
 * the protocols and the call sites pickletools sees. The attacks of
 * test/support/scan-attacks.py (each proved against CPython under an audit
 * hook) must all be `dangerous`, and hostile sizes must give a report, never a
 * crash.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { isTar, readTar, TarError } from '../src/formats/tar.js';
import { dumps, Unpickler } from '../src/index.js';
import { rateGlobal } from '../src/tools/gadgets.js';
import { DEFAULT_LIBRARIES, type ScanLibrary, type ScanReport, scan } from '../src/tools/scan.js';
import { runs, seed as seedOr, size } from './support/budget.js';
import { failWithSeed } from './support/fast-check.js';
import { bytes, fromHex, hasPythonModules, le, PYTHON, ROOT } from './support/python.js';

interface Case {
  readonly name: string;
  readonly expect: 'dangerous' | 'unsafe' | 'benign' | 'safe';
  readonly data: Uint8Array;
  /** (module, name) pairs CPython's find_class was asked for, raw. */
  readonly lookups?: readonly (readonly [string, string])[];
  readonly protocols?: readonly number[];
  readonly calls?: number;
}

const cases: Case[] = (() => {
  const out = execFileSync(PYTHON, ['test/support/scan-corpus.py'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  type Raw = Omit<Case, 'data'> & { hex: string };
  return (JSON.parse(out) as { cases: Raw[] }).cases.map(({ hex, ...rest }) => ({
    ...rest,
    data: fromHex(hex),
  }));
})();

const inflateRaw = (b: Uint8Array, max: number): Uint8Array => inflateRawSync(b, { maxOutputLength: max });

/** An attack of test/support/scan-attacks.py, with what CPython's audit hook saw it do. */
interface Attack {
  readonly name: string;
  readonly kind: 'loads' | 'file' | 'stream' | 'torch' | 'npy' | 'npz';
  /** `dangerous`: CPython runs the gadget; `harmless`: CPython fails before calling anything. */
  readonly expect: 'dangerous' | 'harmless';
  readonly data: Uint8Array;
  readonly events: readonly string[];
}

const attacks: Attack[] = (() => {
  const out = execFileSync(PYTHON, ['test/support/scan-attacks.py'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  type Raw = Omit<Attack, 'data'> & { hex: string };
  return (JSON.parse(out) as { cases: Raw[] }).cases.map(({ hex, ...rest }) => ({
    ...rest,
    data: fromHex(hex),
  }));
})();

function scanned(c: Case): ScanReport {
  return scan(c.data, { inflateRaw });
}

function summary(report: ScanReport): string {
  return report.findings
    .slice(0, 4)
    .map((f) => `${f.severity}: ${f.message}`)
    .join(' | ');
}

/** Checks every case of one expectation and lists every failure at once. */
function checkAll(expect: Case['expect'], ok: (verdict: ScanReport['verdict']) => boolean): void {
  const selected = cases.filter((c) => c.expect === expect);
  assert.ok(selected.length > 0);
  const failures = selected
    .map((c) => [c, scanned(c)] as const)
    .filter(([, r]) => !ok(r.verdict))
    .map(([c, r]) => `${c.name}: ${r.verdict} (${summary(r)})`);
  assert.deepEqual(failures, []);
}

describe('scan: verdicts on the python3 corpus', () => {
  it('has a corpus of every kind', () => {
    const count = (e: Case['expect']) => cases.filter((c) => c.expect === e).length;
    assert.ok(count('dangerous') >= 150, `dangerous: ${count('dangerous')}`);
    assert.ok(count('safe') >= 100, `safe: ${count('safe')}`);
    assert.ok(count('unsafe') >= 15);
    assert.ok(count('benign') >= 10);
  });

  it('rates every gadget pickle dangerous', () => checkAll('dangerous', (v) => v === 'dangerous'));
  it('never rates a hostile pickle safe', () => checkAll('unsafe', (v) => v !== 'safe'));
  it('rates plain data, stdlib values, numpy and torch output safe', () =>
    checkAll('safe', (v) => v === 'safe'));
  it('never rates a benign pickle dangerous', () => checkAll('benign', (v) => v !== 'dangerous'));
});

describe('scan: attacks that got past it, checked against CPython', () => {
  const dangerous = attacks.filter((a) => a.expect === 'dangerous');
  const harmless = attacks.filter((a) => a.expect === 'harmless');

  it('has attacks that CPython really runs (an audit hook saw the gadget)', () => {
    assert.ok(dangerous.length >= 20, `${dangerous.length}`);
    assert.deepEqual(
      dangerous.filter((a) => a.events.length === 0).map((a) => a.name),
      [],
    );
  });

  it('does not call dangerous what CPython cannot even resolve (nothing runs)', () => {
    assert.ok(harmless.length >= 2);
    for (const a of harmless) {
      assert.deepEqual(a.events, [], a.name);
      const report = scan(a.data);
      assert.equal(report.verdict, 'review', `${a.name}: ${summary(report)}`);
      assert.ok(report.findings.some((f) => /CPython cannot resolve this name/.test(f.message)));
    }
  });

  it('rates every attack dangerous', () => {
    const failures = dangerous
      .map((a) => [a, scan(a.data, { inflateRaw })] as const)
      .filter(([, r]) => r.verdict !== 'dangerous')
      .map(([a, r]) => `${a.name}: ${r.verdict} (${summary(r)})`);
    assert.deepEqual(failures, []);
  });

  it('reads a stream with a new memo for each pickle as well as with one memo', () => {
    const a = attacks.find((x) => x.name.startsWith('stream: MEMOIZE'))!;
    const report = scan(a.data);
    assert.ok(
      report.findings.some((f) => f.severity === 'dangerous' && /new memo for each pickle/.test(f.message)),
    );
    assert.ok(report.globals.some((g) => g.module === 'os' && g.name === 'system' && g.pickle === 1));
  });

  it('reads a zip that zipfile finds behind a pickle', () => {
    const evil = bytes("cos\nsystem\n(S'id'\ntR.");
    const inner = zipOf([['evil.pkl', deflateRawSync(evil), evil.length, 0]], 1);
    const report = scan(bytes('N.', inner), { inflateRaw });
    assert.equal(report.verdict, 'dangerous');
    assert.ok(report.findings.some((f) => /read as a zip archive/.test(f.message)));
    assert.equal(
      scan(bytes('N.', zipOf([['x.txt', deflateRawSync(bytes('x')), 1, 0]], 1))).verdict,
      'review',
    );
  });

  it('rates a numpy .npy without objects safe (array data, no pickle)', () => {
    const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    const data = bytes(0x93, 'NUMPY', 1, 0, le(header.length + 1, 2), header, '\n', new Uint8Array(16));
    const report = scan(data);
    assert.equal(report.verdict, 'safe');
    assert.match(report.findings[0]!.message, /without objects/);
  });

  it('scans both archives when readers disagree on the end record', () => {
    const a = attacks.find((x) => x.name.includes('second end record'))!;
    const report = scan(a.data, { inflateRaw });
    assert.ok(report.findings.some((f) => /more than one end of central directory record/.test(f.message)));
  });
});

describe('scan: classes of bypass', () => {
  it('rates a dunder attribute of any module, by plain name, dangerous', () => {
    for (const [m, n] of [
      ['numpy', '__builtins__'],
      ['collections', '__builtins__'],
      ['torch', '__loader__'],
      ['json', '__dict__'],
      ['os.path', '__spec__'],
      ['mypackage.sub', '__getattr__'],
    ] as const) {
      assert.equal(rateGlobal(m, n).severity, 'dangerous', `${m}.${n}`);
    }
    // the allow-listed copyreg helpers keep their rating
    assert.equal(rateGlobal('copyreg', '__newobj__').severity, 'safe');
    assert.equal(rateGlobal('copyreg', '__newobj_ex__').severity, 'safe');
    assert.equal(scan(bytes('\x80\x04', 'cnumpy\n__builtins__\n.')).verdict, 'dangerous');
  });

  it("rates torch's own utilities that unpickle, import or run their arguments dangerous", () => {
    for (const [m, n] of [
      ['torch.utils.data.datapipes.utils.decoder', 'basichandlers'],
      ['torch.utils.data.datapipes.iter.routeddecoder', 'decoder_basichandlers'],
      ['torch.utils.data.datapipes.datapipe', '_IterDataPipeSerializationWrapper'],
      ['torch.utils.data.dataloader', '_MapDataPipeSerializationWrapper'],
      ['torch._utils', '_import_dotted_name'],
      ['torch', '_import_dotted_name'],
      ['torch.storage', '_type'],
      ['torch', 'UntypedStorage.type'],
      ['torch.utils.model_dump', 'main'],
      ['torch.cuda._memory_viz', 'compare'],
    ] as const) {
      assert.equal(rateGlobal(m, n).severity, 'dangerous', `${m}.${n}`);
    }
    // what torch.save writes stays safe
    assert.equal(rateGlobal('torch._utils', '_rebuild_tensor_v2').severity, 'safe');
    assert.equal(rateGlobal('torch', 'UntypedStorage').severity, 'safe');
  });

  it('reads a frame straddle both ways: straight through, and as a non-peeking file reader', () => {
    const a = attacks.find((x) => x.name.includes('straddling'))!;
    const report = scan(a.data);
    assert.equal(report.verdict, 'dangerous');
    assert.ok(report.malformed.some((p) => /past the end of its frame/.test(p.reason)));
    const finding = report.findings.find((f) => /cannot peek/.test(f.message))!;
    assert.match(finding.message, /os\.system/);
    // offsets of that reading point into the input
    const g = report.globals.find((x) => x.module === 'os' && x.name === 'system')!;
    assert.equal(a.data[g.offset], 0x93);
    // an unframed pickle, or one whose frames hold whole opcodes, is read once
    assert.ok(
      !scan(dumps([1, 'a', { b: 2 }], { protocol: 4 })).findings.some((f) => /cannot peek/.test(f.message)),
    );
  });

  it('a gadget after an error CPython does not make (a frame straddle) stays dangerous', () => {
    // APPEND into a module-level object after the straddle: CPython reads on, so it runs
    const data = bytes('\x80\x04\x95', le(3, 8), '\x8c\x02a', 'b', 'ccollections\nOrderedDict\n', 'K\x01a.');
    const report = scan(data);
    assert.equal(report.verdict, 'dangerous', summary(report));
    // after a real error (CPython stops there) the same mutation is only review
    const broken = bytes('\x80\x04', '\xff', 'ccollections\nOrderedDict\n', 'K\x01a.');
    assert.notEqual(scan(broken).verdict, 'dangerous');
  });
});

describe('scan: libraries contribute data, the machine stays the same', () => {
  const storagePid = bytes(
    '\x80\x02',
    '(X\x07\x00\x00\x00storagecmylib\nStore\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ.',
  );

  it('the default set lists Python, numpy, PyTorch, pandas and joblib', () => {
    assert.deepEqual(
      DEFAULT_LIBRARIES.map((l) => l.name),
      ['python', 'numpy', 'torch', 'pandas', 'joblib'],
    );
  });

  it("a library's safe globals, gadgets, persistent ids and sniffer change the verdict", () => {
    const mylib: ScanLibrary = {
      name: 'mylib',
      safeGlobals: ['mylib.Point'],
      dangerousGlobals: ['mylib.run_script'],
      persistentIds: [{ name: 'mylib store', tag: 'storage', lengths: [5], classes: ['mylib.Store'] }],
      sniff: (d) =>
        d[0] === 0x4d && d[1] === 0x59
          ? { kind: 'pickle', start: 2, note: 'a mylib file: a pickle after MY' }
          : undefined,
    };
    const libraries = [...DEFAULT_LIBRARIES, mylib];
    const point = bytes('\x80\x02cmylib\nPoint\nK\x01K\x02\x86R.');
    assert.equal(scan(point).verdict, 'review');
    assert.equal(scan(point, { libraries }).verdict, 'safe');
    assert.equal(scan(bytes('cmylib\nrun_script\n.'), { libraries }).verdict, 'dangerous');
    assert.equal(scan(storagePid, { libraries }).verdict, 'review');
    const withPids = scan(storagePid, { libraries, persistentIds: 'mylib' });
    assert.equal(withPids.persistentIds[0]!.detail, 'mylib store');
    assert.equal(withPids.verdict, 'review'); // mylib.Store itself is not allow-listed
    const sniffed = scan(bytes('MY', 'cos\nsystem\n.'), { libraries });
    assert.equal(sniffed.verdict, 'dangerous');
    assert.ok(sniffed.findings.some((f) => f.message === 'a mylib file: a pickle after MY'));
    // a set without numpy no longer knows numpy's names
    assert.equal(scan(bytes('cnumpy\nload\n.'), { libraries: [DEFAULT_LIBRARIES[0]!] }).verdict, 'review');
  });
});

describe('scan: agrees with CPython on what a pickle does', () => {
  it('reports every global the C unpickler looks up, as written', () => {
    let checked = 0;
    for (const c of cases) {
      if (c.lookups === undefined) continue;
      const report = scanned(c);
      const seen = new Set(report.globals.map((g) => `${g.rawModule}\n${g.rawName}`));
      for (const [module, name] of c.lookups) {
        assert.ok(seen.has(`${module}\n${name}`), `${c.name}: ${module}.${name} missing`);
        checked++;
      }
    }
    assert.ok(checked > 400, `only ${checked} lookups`);
  });

  it('reports the protocols and every call site pickletools sees', () => {
    let checked = 0;
    for (const c of cases) {
      if (c.calls === undefined || c.protocols === undefined) continue;
      const report = scanned(c);
      assert.deepEqual(report.protocols, c.protocols, c.name);
      assert.equal(report.calls.length, c.calls, c.name);
      checked++;
    }
    assert.ok(checked > 300);
  });

  it('ends each pickle where the loader ends it', () => {
    for (const c of cases) {
      if (c.name.startsWith('zip:')) continue;
      const unpickler = new Unpickler(c.data, {
        persistentLoad: (pid) => pid,
        buffers: Array.from({ length: 64 }, () => new Uint8Array(8)),
      });
      const report = scanned(c);
      let index = 0;
      while (!unpickler.done) {
        try {
          unpickler.load();
        } catch {
          break;
        }
        const p = report.pickles[index++];
        assert.ok(p?.complete, `${c.name}: pickle ${index - 1} not complete for the scanner`);
        assert.equal(p.end, unpickler.position, c.name);
      }
    }
  });
});

describe('scan: the report', () => {
  const byName = (name: string) => {
    const c = cases.find((x) => x.name === name);
    assert.ok(c, name);
    return scanned(c);
  };

  it('maps Python 2 names and keeps the raw ones', () => {
    const g = byName('py2 __builtin__.eval').globals[0]!;
    assert.deepEqual(
      [g.module, g.name, g.rawModule, g.rawName, g.opcode],
      ['builtins', 'eval', '__builtin__', 'eval', 'GLOBAL'],
    );
    assert.equal(g.severity, 'dangerous');
  });

  it('tracks STACK_GLOBAL operands through the memo', () => {
    const report = byName('STACK_GLOBAL operands from the memo');
    const g = report.globals.find((x) => x.opcode === 'STACK_GLOBAL');
    assert.deepEqual([g?.module, g?.name], ['os', 'system']);
    const call = report.calls.find((x) => x.opcode === 'REDUCE');
    assert.equal(call?.callable, 'os.system');
  });

  it('reports a computed STACK_GLOBAL as such', () => {
    const report = byName('STACK_GLOBAL with computed operands');
    const g = report.globals.find((x) => x.module === null);
    assert.equal(g?.severity, 'review');
    assert.equal(g?.opcode, 'STACK_GLOBAL');
  });

  it('reports calls whose result is popped', () => {
    const report = byName('call result POPped');
    assert.deepEqual(
      report.calls.map((c) => [c.opcode, c.callable, c.severity]),
      [['REDUCE', 'os.system', 'dangerous']],
    );
  });

  it('resolves getattr(global, name) to the dotted global', () => {
    const report = byName('getattr of an attribute string');
    assert.ok(report.globals.some((g) => g.name === 'Path.os' && g.severity === 'dangerous'));
  });

  it('reports extension codes, persistent ids and out-of-band buffers', () => {
    const ext = byName('EXT2 p2');
    assert.deepEqual(
      ext.extensions.map((e) => [e.opcode, e.detail]),
      [['EXT2', String(0x1234)]],
    );
    assert.equal(byName('BINPERSID').persistentIds.length, 1);
    assert.equal(byName('numpy._core array out of band').buffers[0]?.opcode, 'NEXT_BUFFER');
  });

  it('flags a payload before the damage and still says where the damage is', () => {
    const report = byName('payload then garbage');
    assert.equal(report.verdict, 'dangerous');
    assert.equal(report.malformed[0]?.offset, 33);
  });

  it('scans every pickle of a stream', () => {
    const report = byName('concatenated pickles');
    assert.equal(report.pickles.length, 3);
    assert.ok(report.pickles.every((p) => p.complete));
    assert.equal(report.globals.find((g) => g.severity === 'dangerous')?.pickle, 2);
  });

  it('reports a frame-straddling operand as malformed', () => {
    const data = bytes(0x80, 4, 0x95, le(3, 8), 0x8c, 5, 'hello', '.');
    const report = scan(data);
    assert.equal(report.verdict, 'malformed');
    assert.match(report.malformed[0]!.reason, /past the end of its frame/);
  });

  it('says malformed for broken input that names nothing dangerous', () => {
    assert.equal(scan(bytes(0x80, 4, ']', 0xff)).verdict, 'malformed');
    assert.equal(scan(bytes('I0x10\n.')).verdict, 'malformed');
    assert.equal(scan(new Uint8Array(0)).verdict, 'malformed');
  });

  it('knows torch storages only where a torch archive explains them', () => {
    const pkl = cases.find((c) => c.name === 'torch data.pkl alone (persistent ids)')!;
    assert.equal(scan(pkl.data).verdict, 'review');
    const report = scan(pkl.data, { persistentIds: 'torch' });
    assert.equal(report.verdict, 'safe');
    assert.ok(
      report.persistentIds.length === 2 && report.persistentIds.every((p) => p.detail === 'torch storage'),
    );
  });

  it('rates dumps output of plain values safe', () => {
    for (const protocol of [0, 1, 2, 3, 4, 5]) {
      const data = dumps({ a: [1, 2.5, 'x', new Uint8Array(3), null, true], b: new Set([1]) }, { protocol });
      assert.equal(scan(data).verdict, 'safe', `protocol ${protocol}`);
    }
  });
});

describe('scan: the gadget list', () => {
  it('covers whole modules and their submodules, and single names', () => {
    for (const [m, n] of [
      ['asyncio.unix_events', '_UnixSubprocessTransport'],
      ['os', 'system'],
      ['nt', 'system'],
      ['pkgutil', 'resolve_name'],
      ['numpy.f2py', 'crackfortran'],
      ['torch.hub', 'load'],
      ['builtins', 'breakpoint'],
      ['uuid', '_get_command_stdout'],
      ['distutils.file_util', 'write_file'],
      ['_operator', 'attrgetter'],
    ] as const) {
      assert.equal(rateGlobal(m, n).severity, 'dangerous', `${m}.${n}`);
    }
  });

  it('allows plain names only: a dotted name is never safe', () => {
    assert.equal(rateGlobal('collections', 'OrderedDict').severity, 'safe');
    assert.equal(rateGlobal('uuid', 'UUID').severity, 'safe');
    assert.notEqual(rateGlobal('collections', 'OrderedDict.fromkeys').severity, 'safe');
    assert.equal(rateGlobal('mymodule', 'Outer.Inner').severity, 'review');
    assert.equal(rateGlobal('mymodule', 'subprocess.Popen').severity, 'dangerous');
    assert.equal(rateGlobal('mymodule', 'Outer.__class__').severity, 'dangerous');
  });
});

describe('scan: bounded on hostile structure', () => {
  // 10^5 under `npm test` (far past any recursion limit), 10^6 under `npm run fuzz`.
  const n = size(100_000, 1_000_000);
  const count = `10^${Math.log10(n)}`;

  it(`handles ${count} nested MARKs`, () => {
    const data = new Uint8Array(2 * n + 1);
    data.fill(0x28, 0, n); // MARK
    data.fill(0x6c, n, 2 * n); // LIST
    data[2 * n] = 0x2e;
    const report = scan(data);
    assert.equal(report.verdict, 'safe');
  });

  it(`handles ${count} MARKs never closed, and ${count} DUPs`, () => {
    const marks = new Uint8Array(n + 1).fill(0x28);
    marks[n] = 0x2e;
    assert.equal(scan(marks).verdict, 'malformed');
    const dups = new Uint8Array(n + 2).fill(0x32);
    dups[0] = 0x4e; // NONE
    dups[n + 1] = 0x2e;
    assert.equal(scan(dups).verdict, 'safe');
  });

  it('handles huge memo indices', () => {
    const data = bytes(
      ']',
      'r',
      le(0xffffffff, 4),
      '0',
      'j',
      le(0xffffffff, 4),
      'p99999999999999999999\n',
      '.',
    );
    assert.equal(scan(data).verdict, 'safe');
  });

  it('does not expand a billion-laughs structure', () => {
    // Each level is a list of ten references to the previous one: 10^40 leaves.
    const parts: (string | number | Uint8Array)[] = [0x80, 2, ']', 'q', 0];
    for (let level = 1; level <= 40; level++) {
      parts.push('(');
      for (let i = 0; i < 10; i++) parts.push('h', level - 1);
      parts.push('l', 'q', level);
    }
    parts.push('.');
    const report = scan(bytes(...parts));
    assert.equal(report.verdict, 'safe');
  });

  it('caps the lists of the report but not the verdict', () => {
    const parts: (string | number)[] = [];
    for (let i = 0; i < 50_000; i++) parts.push('cmymodule\nC\n', '0');
    parts.push('cos\nsystem\n', '.');
    const report = scan(bytes(...parts), { maxReported: 100 });
    assert.equal(report.verdict, 'dangerous');
    assert.ok(report.globals.length <= 101);
    assert.ok(report.omitted > 0);
  });

  it('holds more than 2^24 memo entries (one Map cannot)', () => {
    const n = 2 ** 24 + 8;
    const data = new Uint8Array(n + 2).fill(0x94); // MEMOIZE
    data[0] = 0x4e; // NONE
    data[n + 1] = 0x2e;
    assert.equal(scan(data).verdict, 'safe');
  });

  it('drops the bottom of a stack deeper than 2^24 and still sees a gadget above it', () => {
    const n = 2 ** 24 + 8;
    const tail = new TextEncoder().encode("cos\nsystem\n(S'id'\ntR.");
    const data = new Uint8Array(n + tail.length).fill(0x4e); // NONE
    data.set(tail, n);
    const report = scan(data);
    assert.equal(report.verdict, 'dangerous');
    assert.ok(report.findings.some((f) => /deepest were dropped/.test(f.message)));
  });

  it('reports negative and huge text memo indices', () => {
    assert.equal(scan(bytes('Np-6\n0g-6\n.')).verdict, 'malformed');
    assert.equal(scan(bytes('Np99999999999999999999999\n0g99999999999999999999999\n.')).verdict, 'safe');
  });

  it('stops reading garbage after 10,000 errors', () => {
    const report = scan(new Uint8Array(2_000_000).fill(0xff));
    assert.equal(report.verdict, 'malformed');
    assert.ok(report.findings.some((f) => /scan stopped after/.test(f.message)));
  });

  it('caps the pickles and errors of a stream of many pickles', () => {
    const n = 100_000;
    const ok = new Uint8Array(2 * n);
    const bad = new Uint8Array(2 * n);
    for (let i = 0; i < n; i++) {
      ok.set([0x4e, 0x2e], 2 * i); // N.
      bad.set([0x28, 0x2e], 2 * i); // (.
    }
    const report = scan(ok, { maxReported: 50 });
    assert.equal(report.verdict, 'safe');
    assert.ok(report.pickles.length <= 50 && report.omitted > 0);
    const broken = scan(bad, { maxReported: 50 });
    assert.equal(broken.verdict, 'malformed');
    assert.ok(broken.malformed.length <= 50 && broken.findings.length <= 60);
  });

  it('inflates entries that share their bytes once, and bounds the inflated total', () => {
    const zeros = deflateRawSync(new Uint8Array(1 << 20));
    // 2,000 central entries naming one local header (an overlapping zip bomb)
    const shared = zipOf(
      Array.from({ length: 2000 }, (_, i) => [`x${i}.pkl`, zeros, 1 << 20, 0] as const),
      1,
    );
    const report = scan(shared, { inflateRaw });
    assert.equal(report.archive?.entries.length, 2000);
    // ten distinct 1 MiB entries against a budget of 4 * maxEntrySize = 8 MiB
    const many = zipOf(
      Array.from({ length: 10 }, (_, i) => [`y${i}.pkl`, zeros, 1 << 20, 0] as const),
      10,
    );
    const limited = scan(many, { inflateRaw, maxEntrySize: 2 << 20 });
    assert.equal(limited.verdict, 'malformed');
    assert.ok(limited.findings.some((f) => /inflate to more than/.test(f.message)));
  });

  it('handles a dotted name of 10^5 parts', () => {
    const name = Array.from({ length: 100_000 }, () => 'a').join('.');
    const report = scan(bytes(0x80, 4, 0x8c, 1, 'm', 0x8d, le(name.length, 8), name, 0x93, '.'));
    assert.equal(report.verdict, 'dangerous');
  });
});

describe('scan: never throws', () => {
  const seed = seedOr(Date.now() % 2 ** 31);
  const valid = cases.filter((c) => !c.name.startsWith('zip:') && c.data.length > 0 && c.data.length < 2000);
  const opcodes = [...'(.0125FGIJKLMNPQRSTUVXabcdeghijlopqrstu}])'].map((c) => c.charCodeAt(0));
  for (let b = 0x80; b <= 0x98; b++) opcodes.push(b);

  function checkReport(data: Uint8Array): void {
    const report = scan(data, { inflateRaw });
    assert.ok(['safe', 'review', 'dangerous', 'malformed'].includes(report.verdict));
  }

  it('on random bytes, opcode soup and mutated corpus pickles', () => {
    const arbitrary = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc
        .array(fc.oneof(fc.constantFrom(...opcodes), fc.integer({ min: 0, max: 255 })), { maxLength: 300 })
        .map((a) => Uint8Array.from(a)),
      fc
        .tuple(
          fc.constantFrom(...valid),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
          fc.nat(),
        )
        .map(([c, edits, cut]) => {
          const data = c.data.slice(0, c.data.length - (cut % 3));
          for (const [at, value] of edits) if (data.length > 0) data[at % data.length] = value;
          return data;
        }),
    );
    try {
      fc.assert(
        fc.property(arbitrary, (data) => checkReport(data)),
        { seed, numRuns: runs(1000, 3000) },
      );
    } catch (error) {
      failWithSeed(error, seed);
    }
  });

  it('agrees with the loader on where a mutated pickle ends', () => {
    const arbitrary = fc
      .tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([c, at, value]) => {
        const data = c.data.slice();
        data[at % data.length] = value;
        return data;
      });
    try {
      fc.assert(
        fc.property(arbitrary, (data) => {
          const unpickler = new Unpickler(data, { persistentLoad: (pid) => pid });
          try {
            unpickler.load();
          } catch {
            return;
          }
          const first = scan(data).pickles[0];
          assert.ok(first?.complete);
          assert.equal(first.end, unpickler.position);
        }),
        { seed, numRuns: runs(1000, 3000) },
      );
    } catch (error) {
      failWithSeed(error, seed);
    }
  });

  it('on random zips of random entries', () => {
    const arbitrary = fc
      .tuple(
        fc.array(
          fc.tuple(fc.constantFrom('archive/data.pkl', 'x.bin', 'a/b.pkl'), fc.uint8Array({ maxLength: 64 })),
          {
            maxLength: 3,
          },
        ),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
      )
      .map(([entries, edits]) => {
        const data = storedZip(entries);
        for (const [at, value] of edits) data[at % data.length] = value;
        return data;
      });
    try {
      fc.assert(
        fc.property(arbitrary, (data) => checkReport(data)),
        { seed, numRuns: runs(300, 1000) },
      );
    } catch (error) {
      failWithSeed(error, seed);
    }
  });
});

/** A stored zip of the given entries (enough structure for the mutations to reach the reader). */
function storedZip(entries: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const nameBytes = new TextEncoder().encode(name);
    const local = bytes(
      'PK\x03\x04',
      le(20, 2),
      le(0, 2),
      le(0, 2),
      le(0, 4),
      le(0, 4),
      le(content.length, 4),
      le(content.length, 4),
      le(nameBytes.length, 2),
      le(0, 2),
      nameBytes,
      content,
    );
    central.push(
      bytes(
        'PK\x01\x02',
        le(20, 2),
        le(20, 2),
        le(0, 2),
        le(0, 2),
        le(0, 4),
        le(0, 4),
        le(content.length, 4),
        le(content.length, 4),
        le(nameBytes.length, 2),
        le(0, 2),
        le(0, 2),
        le(0, 2),
        le(0, 2),
        le(0, 4),
        le(offset, 4),
        nameBytes,
      ),
    );
    parts.push(local);
    offset += local.length;
  }
  const cd = bytes(...central);
  return bytes(...parts, cd, endRecord(entries.length, cd.length, offset));
}

/**
 * A zip of deflated entries `[name, compressed bytes, size, crc]`; the first
 * `locals` of them get a local header, the rest share the first's.
 */
function zipOf(
  entries: readonly (readonly [string, Uint8Array, number, number])[],
  locals: number,
): Uint8Array {
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const [i, [name, body, size, crc]] of entries.entries()) {
    if (i >= locals) {
      offsets.push(offsets[0]!);
      continue;
    }
    const local = bytes(
      'PK\x03\x04',
      le(20, 2),
      le(0, 2),
      le(8, 2),
      le(0, 4),
      le(crc, 4),
      le(body.length, 4),
      le(size, 4),
      le(name.length, 2),
      le(0, 2),
      name,
      body,
    );
    offsets.push(offset);
    parts.push(local);
    offset += local.length;
  }
  const central = entries.map(([name, body, size, crc], i) =>
    bytes(
      'PK\x01\x02',
      le(20, 2),
      le(20, 2),
      le(0, 2),
      le(8, 2),
      le(0, 4),
      le(crc, 4),
      le(body.length, 4),
      le(size, 4),
      le(name.length, 2),
      le(0, 2),
      le(0, 2),
      le(0, 2),
      le(0, 2),
      le(0, 4),
      le(offsets[i]!, 4),
      name,
    ),
  );
  const cd = bytes(...central);
  return bytes(...parts, cd, endRecord(entries.length, cd.length, offset));
}

/** A zip's end of central directory record: `count` entries, the directory's size and offset, no comment. */
function endRecord(count: number, cdLength: number, cdOffset: number): Uint8Array {
  return bytes(
    'PK\x05\x06',
    le(0, 4),
    le(count, 2),
    le(count, 2),
    le(cdLength, 4),
    le(cdOffset, 4),
    le(0, 2),
  );
}

describe('scan: PyTorch checkpoints written and loaded by real torch', () => {
  // Written by test/support/scan-torch.py with torch 1.13; `events` is what its audit hook saw
  // while torch.load read each file.
  interface TorchCase {
    readonly name: string;
    readonly expect: 'safe' | 'benign' | 'dangerous';
    readonly hex: string;
    readonly events: readonly string[];
    readonly loaded: string;
  }
  const fixture = JSON.parse(readFileSync(join(ROOT, 'test/vectors/scan-torch.json'), 'utf8')) as {
    torch: string;
    cases: TorchCase[];
  };

  it('torch.load ran every gadget and nothing else', () => {
    assert.ok(fixture.cases.length >= 10);
    for (const c of fixture.cases) {
      if (c.expect === 'dangerous') assert.ok(c.events.length > 0, c.name);
      else {
        assert.deepEqual(c.events, [], c.name);
        assert.equal(c.loaded, 'yes', c.name);
      }
    }
  });

  it('rates a plain state_dict safe (zip64, legacy), a tar checkpoint not dangerous, every gadget dangerous', () => {
    const failures = fixture.cases
      .map((c) => [c, scan(fromHex(c.hex), { inflateRaw })] as const)
      .filter(([c, r]) => (c.expect === 'benign' ? r.verdict === 'dangerous' : r.verdict !== c.expect))
      .map(([c, r]) => `${c.name}: ${r.verdict} (${summary(r)})`);
    assert.deepEqual(failures, []);
  });

  it('opens the legacy tar layout and walks its storages and tensors as torch.load does', () => {
    const tar = fixture.cases.find((c) => c.name === 'legacy tar checkpoint')!;
    const report = scan(fromHex(tar.hex));
    assert.deepEqual(
      report.archive!.entries.map((e) => e.name),
      ['storages', 'tensors', 'pickle'],
    );
    assert.ok(report.findings.some((f) => /legacy tar checkpoint/.test(f.message)));
    // the raw storage bytes between the records are not read as opcodes
    assert.ok(!report.findings.some((f) => f.severity === 'malformed' || /the rest is read/.test(f.message)));
  });

  it('the fixture is what live torch writes and runs (regenerated where torch is installed)', (t) => {
    if (!hasPythonModules('/usr/bin/python3', ['torch'])) {
      t.skip('SKIPPED: /usr/bin/python3 has no torch: the committed scan-torch.json was not re-proved live');
      return;
    }
    const out = JSON.parse(
      execFileSync('/usr/bin/python3', ['test/support/scan-torch.py'], {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      }),
    ) as { cases: TorchCase[] };
    assert.deepEqual(
      out.cases.map((c) => [c.name, c.expect, c.events.length > 0]),
      fixture.cases.map((c) => [c.name, c.expect, c.events.length > 0]),
    );
    for (const c of out.cases) {
      const r = scan(fromHex(c.hex), { inflateRaw });
      assert.ok(
        c.expect === 'benign' ? r.verdict !== 'dangerous' : r.verdict === c.expect,
        `${c.name}: ${r.verdict}`,
      );
    }
  });
});

describe('the tar reader lists what python3 tarfile lists', () => {
  it('ustar, PAX and GNU long names, empty and odd-sized members, member data offsets', () => {
    const out = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          `import io, json, sys, tarfile
cases = []
for fmt in (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, size in [("storages", 700), ("dir/" + "n" * 90 + "/tensors", 0), ("pickle", 513)]:
            if fmt != tarfile.USTAR_FORMAT:
                name = name + "/" + "long" * 40 + "é"
            info = tarfile.TarInfo(name)
            info.size = size
            t.addfile(info, io.BytesIO(bytes(range(256)) * 3))
    data = buf.getvalue()
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        members = [[m.name, m.size, m.offset_data] for m in t.getmembers()]
    cases.append({"hex": data.hex(), "members": members})
sys.stdout.write(json.dumps(cases))`,
        ],
        { encoding: 'utf8' },
      ),
    ) as { hex: string; members: [string, number, number][] }[];
    for (const c of out) {
      const data = fromHex(c.hex);
      assert.ok(isTar(data));
      assert.deepEqual(
        readTar(data).map((e) => [e.name, e.size, e.dataOffset]),
        c.members,
      );
      // a damaged header is refused, never misread
      const bad = data.slice();
      bad[0] = bad[0]! ^ 0x01;
      assert.equal(isTar(bad), false);
      assert.throws(() => readTar(bad), TarError);
      // a size claim past the end is refused
      assert.throws(() => readTar(data.subarray(0, c.members[0]![2] + 10)), TarError);
    }
  });
});

describe('scan: text-mode damage is malformed, as the loader says', () => {
  it('a CR before a newline in a number, an index or a name makes the pickle malformed, with the reason', () => {
    for (const [text, reason] of [
      ['(lp0\r\nI1\r\na.', /carriage return.*text mode/],
      ['(dp0\r\nVa\r\np1\r\nI1\r\ns.', /carriage return.*text mode/],
      ['F1.5\r\n.', /carriage return.*text mode/],
      ['ccollections\r\nOrderedDict\r\n)R.', /control character/],
    ] as const) {
      const data = bytes(text);
      assert.throws(() => new Unpickler(data, {}).load());
      const report = scan(data);
      assert.equal(report.verdict, 'malformed', text);
      assert.match(report.malformed[0]!.reason, reason);
    }
    // A binary pickle (python3's, protocols 1-5) saved through CR LF translation: malformed, and the
    // finding says why, as loads does.
    for (let protocol = 1; protocol <= 5; protocol++) {
      const good = Buffer.from(
        execFileSync(
          PYTHON,
          [
            '-c',
            `import pickle,sys; sys.stdout.write(pickle.dumps({'a': list(range(300)), 'b': 'x\\ny'}, protocol=${protocol}).hex())`,
          ],
          { encoding: 'utf8' },
        ),
        'hex',
      );
      assert.ok(good.includes(0x0a), `protocol ${protocol} has a line feed byte`);
      const damaged = new Uint8Array(Buffer.from(good.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'));
      const report = scan(damaged);
      assert.equal(report.verdict, 'malformed', `protocol ${protocol}`);
      const finding = report.findings.find((f) => f.severity === 'malformed');
      assert.match(finding!.message, /text mode.*binary mode/, `protocol ${protocol}`);
    }
    // CPython reads INT through the CR (int() strips whitespace): a gadget after it stays dangerous
    const after = bytes('I1\r\n0', 'ccollections\nOrderedDict\n', 'K\x01a.');
    assert.equal(scan(after).verdict, 'dangerous');
  });
});
