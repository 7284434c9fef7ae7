/**
 * The python3 side of the dump tests: scripts/py-roundtrip.py checks a batch of
 * pickles written by brine in one process (see that script for the request and
 * result formats).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PicklingError } from '../../src/index.js';
import { dumpChunks } from '../../src/pickler.js';
import type { Desc } from './describe.js';
import { PYTHON, ROOT } from './python.js';

/** One pickle for scripts/py-roundtrip.py. */
export interface RoundtripItem {
  brine_hex: string;
  protocol: number;
  /** `vector` (default): compare with `orig_hex`. `redump`: compare with CPython's re-dump of what it loads. */
  mode?: 'vector' | 'redump';
  orig_hex?: string;
  encoding?: string;
  fix_imports?: boolean;
  persistent?: boolean;
  buffers?: string[];
  brine_buffers?: string[];
  extensions?: [number, string, string][];
}

/** The first differing opcode on one side. */
export interface DiffSide {
  index: number;
  offset: number;
  op: string;
  arg: string;
}

export interface FirstDiff {
  /** CPython's side: the original pickle, or CPython's re-dump. */
  ref: DiffSide | null;
  brine: DiffSide | null;
  /** Offset of the first differing byte. */
  byte: number;
  error?: string;
}

export interface RoundtripResult {
  /** Why the bytes differ from CPython's, when the script can tell; null when nothing explains it. */
  category:
    | 'identical'
    | 'python2-str'
    | 'string-memo'
    | 'unframed-original'
    | 'cpython-redump'
    | 'set-order'
    | null;
  /** Both disassemblies around the first differing opcode. */
  diff: string | null;
  first_diff: FirstDiff | null;
  /**
   * `equal`, `pickle.py-equal: ...` (CPython's C loader reads the original otherwise
   * than pickle.py, which brine follows), `unequal: ...`, `orig-unloadable: ...` or
   * `brine-unloadable: ...`; in mode `redump`, `equal` or `brine-unloadable: ...`.
   */
  real: string | null;
  /** `equal`, `unequal: ...` or `error: ...` (vectors_lib's model of both pickles); mode `redump`: null or `error: ...`. */
  model: string | null;
  /** Mode `redump`: the description of vectors_lib.model_loads of brine's pickle (dicts as maps). */
  describe?: Desc;
  /** The script failed on this item. */
  error?: string;
}

export const ROUNDTRIP_SCRIPT = join(ROOT, 'scripts', 'py-roundtrip.py');

/** Runs every item through one python3 process. */
export function roundtrip(items: readonly RoundtripItem[]): RoundtripResult[] {
  if (items.length === 0) return [];
  const output = execFileSync(PYTHON, [ROUNDTRIP_SCRIPT], {
    cwd: ROOT,
    input: JSON.stringify(items),
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const results = JSON.parse(output.toString('utf8')) as RoundtripResult[];
  if (results.length !== items.length) {
    throw new Error(`py-roundtrip.py answered ${results.length} items of ${items.length}`);
  }
  return results;
}

export function hex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

/** The PicklingError `fn` throws (the assertion fails if it throws anything else, or nothing). */
export function thrown(fn: () => unknown): PicklingError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PicklingError, String(error));
    return error;
  }
  assert.fail('no error');
}

/** The whole output of the streaming dump (frames only, never recursion) as one buffer. */
export function streamed(value: unknown, protocol: number): Uint8Array {
  return Buffer.concat([...dumpChunks(value, { protocol })].map((piece) => Buffer.from(piece)));
}
