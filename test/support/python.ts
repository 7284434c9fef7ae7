/**
 * Python-produced inputs of the adversarial and fuzz tests: CPython writes the
 * valid pickles that the tests then cut, mutate and splice.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The CPython the tests compare against: `BRINE_PYTHON`, or else the
 * `python3` on PATH, resolved once to its executable (`sys.executable`).
 *
 * A `python3` on PATH may be a launcher script (a pyenv shim: bash, then
 * `pyenv exec`) that costs several times the interpreter's own start on
 * every call; the tests start python3 hundreds of times. The resolved path
 * is the same interpreter with the same standard library. It is kept in
 * `BRINE_PYTHON3_EXECUTABLE` for the processes the tests start; the test
 * runner (test/support/run-tests.ts) imports this module, so it resolves it
 * once for every test file.
 */
export const PYTHON = process.env.BRINE_PYTHON ?? python3Executable();

/** The python3 on PATH, resolved to its executable (cached in the environment). */
export function python3Executable(): string {
  const known = process.env.BRINE_PYTHON3_EXECUTABLE;
  if (known !== undefined && known !== '') return known;
  let resolved = 'python3';
  try {
    const out = execFileSync('python3', ['-c', 'import sys; sys.stdout.write(sys.executable)'], {
      encoding: 'utf8',
    });
    if (out !== '') resolved = out;
  } catch {
    // no python3: keep the name, the tests that need it fail with the spawn error
  }
  process.env.BRINE_PYTHON3_EXECUTABLE = resolved;
  return resolved;
}

/**
 * Whether the Python `python` (an executable's path) can find every module of
 * `modules`, found without importing them: importing torch costs seconds of
 * CPU, and the live checks that need it import it themselves (a module that
 * is found but fails to import fails those checks, loudly).
 */
export function hasPythonModules(python: string, modules: readonly string[]): boolean {
  const probe = spawnSync(
    python,
    [
      '-c',
      'import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)',
      ...modules,
    ],
    { stdio: 'ignore', timeout: 120_000 },
  );
  return probe.status === 0;
}

/** The project root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `python3 -c code` (with extra argv and stdin) and returns its stdout. */
export function runPython(code: string, args: readonly string[] = [], input?: string): string {
  return execFileSync(PYTHON, ['-c', code, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    ...(input === undefined ? {} : { input }),
  });
}

/** Runs a python3 script of the project (`test/support/x.py`) with argv and stdin, and returns its stdout. */
export function runPythonScript(script: string, args: readonly string[] = [], input?: string): string {
  return execFileSync(PYTHON, [script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    ...(input === undefined ? {} : { input }),
  });
}

/**
 * Runs several pieces of python3 code (each as `python3 -c code` would run it: a `__main__` module
 * of its own, no argv, empty stdin) in one python3 process, one after the other, and
 * returns a function that gives a piece's stdout by name. A start of python3 costs about 0.1 s of
 * CPU: a test file that asks python3 several things asks them all at once. A piece that raises
 * (or exits non-zero) throws its traceback when its output is asked for, so the test that needs it
 * fails, as `runPython` would have failed it.
 */
export function runPythonPieces(pieces: Readonly<Record<string, string>>): (name: string) => string {
  const answers = JSON.parse(
    runPython(
      `
import contextlib, io, json, sys, traceback, types
out = {}
main = sys.modules['__main__']
for name, code in json.load(sys.stdin).items():
    buf = io.StringIO()
    # A module of its own as __main__, so that pickle finds the classes the piece defines.
    module = types.ModuleType('__main__')
    sys.modules['__main__'] = module
    try:
        with contextlib.redirect_stdout(buf):
            sys.argv = ['-c']
            sys.stdin = io.StringIO('')
            exec(compile(code, '<' + name + '>', 'exec'), module.__dict__)
        out[name] = {'out': buf.getvalue()}
    except SystemExit as e:
        if e.code in (None, 0):
            out[name] = {'out': buf.getvalue()}
        else:
            out[name] = {'error': 'SystemExit: %r' % (e.code,)}
    except BaseException:
        out[name] = {'error': traceback.format_exc()}
sys.modules['__main__'] = main
sys.stdout = sys.__stdout__
sys.stdout.write(json.dumps(out))
`,
      [],
      JSON.stringify(pieces),
    ),
  ) as Record<string, { out: string } | { error: string }>;
  return (name) => {
    const answer = answers[name];
    if (answer === undefined) throw new Error(`no python3 piece named ${name}`);
    if ('error' in answer) throw new Error(`python3 piece ${name} failed:\n${answer.error}`);
    return answer.out;
  };
}

/**
 * Runs Python code that defines `cases`, a dict (or list of pairs) from a name
 * to bytes, and returns the bytes by name.
 */
export function pythonCases(code: string): Map<string, Uint8Array> {
  return casesOf(runPython(casesCode(code)));
}

/** The code {@link pythonCases} runs (a piece for {@link runPythonPieces}); {@link casesOf} reads its output. */
export function casesCode(code: string): string {
  return `${code}\nimport json as _j, sys as _s\n_c = cases.items() if isinstance(cases, dict) else cases\n_s.stdout.write(_j.dumps([[k, bytes(v).hex()] for k, v in _c]))`;
}

/** The bytes by name that the output of {@link casesCode}'s code gives. */
export function casesOf(output: string): Map<string, Uint8Array> {
  return new Map((JSON.parse(output) as [string, string][]).map(([k, v]) => [k, fromHex(v)]));
}

/**
 * Python code defining `kept_memo_dumps(v, second)`: for protocols 0-5, the two pickles one
 * `pickle.Pickler` writes when it dumps `v` and then `second` through the same memo, each as hex.
 */
export const KEPT_MEMO_DUMPS_PY = `
import io as _io, pickle as _pickle
def kept_memo_dumps(v, second):
    row = []
    for p in range(6):
        f = _io.BytesIO()
        pk = _pickle.Pickler(f, p)
        pk.dump(v)
        n = f.tell()
        pk.dump(second)
        row.append([f.getvalue()[:n].hex(), f.getvalue()[n:].hex()])
    return row
`;

/** A pickle written by CPython. */
export interface CorpusPickle {
  readonly name: string;
  readonly protocol: number;
  readonly data: Uint8Array;
}

/** One entry of `pickletools.opcodes`. */
export interface PythonOpcode {
  readonly code: number;
  readonly name: string;
  /** pickletools' argument type name (`uint1`, `stringnl_noescape_pair`, ...), null when none. */
  readonly arg: string | null;
  /** pickletools' size marker of the argument. */
  readonly n: number;
  readonly proto: number;
}

export interface Corpus {
  /** Varied values at every protocol, plus CPython's Python 2 era test pickles. */
  readonly pickles: readonly CorpusPickle[];
  /** Pickles spanning several 64 KiB frames. */
  readonly big: readonly CorpusPickle[];
  readonly opcodes: readonly PythonOpcode[];
}

let corpus: Corpus | undefined;

/**
 * The corpus of test/support/adv-corpus.py, kept in test/vectors/generated/adv-corpus.json for the
 * other processes of the run and the runs after it (four test processes read it; python3 made it in
 * each for about a second of CPU): made again when the file is missing, older than the script, or
 * made by another python3 (its path and the interpreter file's time are in the file). Each writer
 * writes a temporary file of its own and renames it, so that no process reads half a file.
 */
export function loadCorpus(): Corpus {
  if (corpus !== undefined) return corpus;
  type Raw = { name: string; protocol: number; hex: string };
  type Made = { python: string; pickles: Raw[]; big: Raw[]; opcodes: PythonOpcode[] };
  const script = join(ROOT, 'test', 'support', 'adv-corpus.py');
  const file = join(ROOT, 'test', 'vectors', 'generated', 'adv-corpus.json');
  let made: Made | undefined;
  const python = `${PYTHON} ${interpreterTime()}`;
  if (existsSync(file) && statSync(file).mtimeMs >= statSync(script).mtimeMs) {
    const read = JSON.parse(readFileSync(file, 'utf8')) as Made;
    if (read.python === python) made = read;
  }
  if (made === undefined) {
    const out = execFileSync(PYTHON, [script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
    made = { python, ...(JSON.parse(out) as Omit<Made, 'python'>) };
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(made));
    renameSync(temporary, file);
  }
  const raw = made;
  const convert = (p: Raw): CorpusPickle => ({ name: p.name, protocol: p.protocol, data: fromHex(p.hex) });
  corpus = { pickles: raw.pickles.map(convert), big: raw.big.map(convert), opcodes: raw.opcodes };
  return corpus;
}

/** When the interpreter's file last changed (an upgrade in place makes the corpus again), or '' if it is not a path. */
function interpreterTime(): string {
  try {
    return String(statSync(PYTHON).mtimeMs);
  } catch {
    return '';
  }
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function toHex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

/** Concatenates byte strings; numbers are single bytes, strings are latin-1. */
export function bytes(...parts: (Uint8Array | number[] | number | string)[]): Uint8Array {
  const chunks = parts.map((p) =>
    typeof p === 'number'
      ? Uint8Array.of(p)
      : typeof p === 'string'
        ? Uint8Array.from(p, (c) => c.charCodeAt(0))
        : Uint8Array.from(p),
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Little-endian unsigned integer of `size` bytes. */
export function le(value: number | bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, BigInt(value));
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Fails with the first offset where brine's bytes differ from python3's, both as hex (the whole hex is too long to print). */
export function assertSameHex(got: string, want: string, what: string): void {
  if (got === want) return;
  let i = 0;
  while (i < got.length && got[i] === want[i]) i++;
  const at = i >> 1;
  assert.fail(
    `${what}: differs at byte ${at} of ${want.length >> 1} (brine ${got.slice(2 * at - 20, 2 * at + 20)}, python3 ${want.slice(2 * at - 20, 2 * at + 20)})`,
  );
}

/**
 * The pickles python3 writes at protocols 0-5 of each case `code` defines (Python code that sets
 * `cases`, a list of [name, value] pairs), as hex, in order.
 */
export function casePickles(code: string): [string, string[]][] {
  const out = runPython(
    `${code}\nimport json, pickle, sys\nsys.stdout.write(json.dumps([[k, [pickle.dumps(v, p).hex() for p in range(6)]] for k, v in cases]))`,
  );
  return JSON.parse(out) as [string, string[]][];
}
