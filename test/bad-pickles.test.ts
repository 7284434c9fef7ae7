/**
 * CPython's own bad pickles (test.pickletester.AbstractUnpickleTests), extracted
 * by scripts/gen-bad-pickles.py: each must make brine throw an UnpicklingError
 * (Python raises UnpicklingError, EOFError, ValueError, TypeError ... for them;
 * brine raises a PickleError for every bad input), quickly and without
 * allocating what a length claims. An input that CPython's C unpickler loads
 * must load in brine too (when the C unpickler only ran out of memory, the
 * pure-Python unpickler's verdict counts).
 *
 * The JSON is regenerated when missing or older than the script.
 * BRINE_PYTHON=/path/to/python3.13 runs the test suite of another CPython.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import type { LoadOptions } from '../src/index.js';
import { attempt, checkUnpicklingError, describeError, HANG_MS, preview } from './support/adv-assert.js';
import { fromHex, PYTHON, ROOT } from './support/python.js';

interface BadPickle {
  readonly name: string;
  readonly method: string;
  readonly hex: string;
  /** [offset, opcode name] of each opcode a loader reaches (pickletools' reading). */
  readonly ops: readonly (readonly [number, string | null])[];
  /** The exception types CPython's test accepts. */
  readonly expected: readonly string[];
  /** What CPython's C unpickler raised, or null when it loaded the input. */
  readonly pythonError: string | null;
  readonly pythonMessage: string | null;
  /** What the pure-Python unpickler raised, or null. */
  readonly pyError: string | null;
  readonly kwargs?: Record<string, unknown>;
}

const SCRIPT = join(ROOT, 'scripts', 'gen-bad-pickles.py');
/** BRINE_PYTHON (another CPython, with its own test suite) writes to a file of its own, always afresh. */
const OTHER_PYTHON = process.env.BRINE_PYTHON;
const OUTPUT = join(
  ROOT,
  'test',
  'vectors',
  'generated',
  OTHER_PYTHON === undefined
    ? 'bad-pickles.json'
    : `bad-pickles.${basename(OTHER_PYTHON).replace(/[^\w.-]+/g, '_')}.json`,
);

function badPickles(): { python: string; pickles: BadPickle[] } {
  if (
    OTHER_PYTHON !== undefined ||
    !existsSync(OUTPUT) ||
    statSync(OUTPUT).mtimeMs < statSync(SCRIPT).mtimeMs
  ) {
    execFileSync(PYTHON, [SCRIPT, '-o', OUTPUT], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return JSON.parse(readFileSync(OUTPUT, 'utf8'));
}

/**
 * Inputs CPython refuses that brine loads on purpose, with the reason. Empty:
 * the deliberate differences of brine (text INT/LONG read as base 10 only)
 * make no input of CPython 3.11's test suite load.
 */
const LOADS_ON_PURPOSE: ReadonlyMap<string, string> = new Map();

/** A load slower than this on an input of a few bytes means work proportional to a length claim. */
const MAX_MS = HANG_MS;
/** Memory a load of a few bytes may take. */
const MAX_GROWTH = 64 * 2 ** 20;

/**
 * What CPython's verdict on an input is. The C unpickler allocates what some
 * lengths and memo indices claim (the generator runs it under an
 * address-space limit), so its MemoryError says nothing about the input: the
 * pure-Python unpickler, which does not, decides then.
 */
function pythonVerdict(entry: BadPickle): string | null {
  return entry.pythonError === 'MemoryError' ? entry.pyError : entry.pythonError;
}

/** b'...' as Python writes a bytes literal. */
function pyRepr(data: Uint8Array): string {
  let out = '';
  for (const b of data) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x27) out += "\\'";
    else if (b === 0x0a) out += '\\n';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `b'${out}'`;
}

const { python, pickles } = badPickles();

describe(`CPython ${python} bad pickles (test.pickletester.AbstractUnpickleTests)`, () => {
  it('extracted a sensible number of inputs', () => {
    assert.ok(pickles.length >= 150, `only ${pickles.length} bad pickles extracted`);
    const methods = new Set(pickles.map((p) => p.method));
    for (const m of ['test_bad_stack', 'test_bad_mark', 'test_truncated_data', 'test_badly_quoted_string']) {
      assert.ok(methods.has(m), `no input from ${m}`);
    }
  });

  const byMethod = new Map<string, BadPickle[]>();
  for (const p of pickles) byMethod.set(p.method, [...(byMethod.get(p.method) ?? []), p]);
  for (const [method, entries] of byMethod) {
    describe(method, () => {
      for (const entry of entries) {
        const data = fromHex(entry.hex);
        const label = `${entry.name} ${pyRepr(data)}`;
        const verdict = pythonVerdict(entry);
        const shouldLoad = verdict === null || LOADS_ON_PURPOSE.has(entry.name);
        it(`${label} ${shouldLoad ? 'loads' : `-> ${verdict}`}`, () => {
          const before = process.memoryUsage();
          const outcome = attempt(data, entry.kwargs as LoadOptions | undefined);
          const after = process.memoryUsage();
          assert.ok(outcome.ms < MAX_MS, `${label}: took ${outcome.ms.toFixed(0)} ms`);
          // Lengths of 2**32 and more with a few bytes of data (test_large_32b_*): nothing is allocated for them.
          const grown = Math.max(after.arrayBuffers - before.arrayBuffers, after.rss - before.rss);
          assert.ok(grown < MAX_GROWTH, `${label}: memory grew by ${(grown / 2 ** 20).toFixed(0)} MiB`);
          if (shouldLoad) {
            assert.ok(outcome.ok, `${label}: CPython loads it, brine threw ${describeError(outcome.error)}`);
            return;
          }
          assert.ok(
            !outcome.ok,
            `${label}: CPython raises ${entry.pythonError} (${entry.pythonMessage}), brine loaded ${preview(outcome.value)}`,
          );
          const error = checkUnpicklingError(outcome.error, data, label);
          if (error.opcode !== undefined) {
            // The opcode named is one the input holds, at the offset given.
            const known = entry.ops.some(
              ([offset, name]) => offset === error.offset && name === error.opcode,
            );
            assert.ok(
              known,
              `${label}: error names ${error.opcode} at ${error.offset}, but the opcodes are ${JSON.stringify(entry.ops)}: ${error.message}`,
            );
          }
        });
      }
    });
  }
});
