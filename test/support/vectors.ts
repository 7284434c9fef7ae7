/**
 * Helpers shared by the tests that compare brine with python3: running the
 * Python scripts, hex, and turning the JSON load options of a vector into
 * `LoadOptions`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadOptions, PickleBuffer, Registry } from '../../src/index.js';
import type { Desc } from './describe.js';
import { fromHex, PYTHON, ROOT } from './python.js';

export { fromHex, ROOT };
export const SCRIPTS = join(ROOT, 'scripts');
export const VECTORS_FILE = join(ROOT, 'test', 'vectors', 'generated', 'vectors.json');

/** Load options as a vector stores them (see scripts/gen-vectors.py). */
export interface JsonLoadOptions {
  encoding?: string;
  fixImports?: boolean;
  /** Out-of-band buffers, in hex; each is passed as `new PickleBuffer(bytes)`. */
  buffers?: string[];
  /** `'echo'`: `persistentLoad` returns `{ pid }` for every persistent id. */
  persistentLoad?: 'echo';
  /** `[code, module, name]` triples for EXT1 / EXT2 / EXT4. */
  extensions?: [number, string, string][];
  dicts?: 'map';
}

export interface Vector {
  name: string;
  protocol: number | null;
  /** The pickle (or several, one after the other), in hex. */
  pickle: string;
  /** The description of the loaded value; for a sequence, of the list of every loaded value. */
  expect: Desc;
  options: JsonLoadOptions;
  /** Present for a sequence: the offset after each pickle, as `Unpickler.position` after each `load()`. */
  ends?: number[];
}

/** The vectors describe the value CPython builds with inert globals: standard-library types stay inert. */
const CORE_REGISTRY = new Registry({ stdlib: false }).freeze();

export function toLoadOptions(json: JsonLoadOptions): LoadOptions {
  const options: LoadOptions = { registry: CORE_REGISTRY };
  if (json.encoding !== undefined) options.encoding = json.encoding;
  if (json.fixImports !== undefined) options.fixImports = json.fixImports;
  if (json.buffers !== undefined) options.buffers = json.buffers.map((h) => new PickleBuffer(fromHex(h)));
  if (json.persistentLoad === 'echo') options.persistentLoad = (pid: unknown) => ({ pid });
  if (json.extensions !== undefined) {
    options.extensions = new Map(json.extensions.map(([code, module, name]) => [code, [module, name]]));
  }
  if (json.dicts !== undefined) options.dicts = json.dicts;
  return options;
}

function mtime(path: string): number {
  return statSync(path).mtimeMs;
}

/**
 * The vectors of scripts/gen-vectors.py, generated again when the file is
 * missing or older than the generator.
 */
export function loadVectors(): Vector[] {
  freshVectors();
  vectors ??= JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as Vector[];
  return vectors;
}

/**
 * The vectors as read, kept for the other test files of the process (test/support/run-tests.ts runs
 * `dumps` and the vectors' own tests in one): the callers only read them.
 */
let vectors: Vector[] | undefined;

/** Generates the vectors again when the file is missing or older than the generator. */
function freshVectors(): void {
  const sources = [join(SCRIPTS, 'gen-vectors.py'), join(SCRIPTS, 'vectors_lib.py')];
  if (!existsSync(VECTORS_FILE) || sources.some((source) => mtime(source) > mtime(VECTORS_FILE))) {
    execFileSync(PYTHON, [sources[0]!, VECTORS_FILE], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

/** A vector without the description of its value: what the tests of the tools read of it. */
export type VectorPickle = Omit<Vector, 'expect'>;

/** {@link loadVectorPickles}' file: the vectors without their descriptions. */
const PICKLES_FILE = join(ROOT, 'test', 'vectors', 'generated', 'vectors-pickles.json');

/**
 * The vectors without their descriptions (`expect`), in the same order: the tests of the
 * disassembler and the optimizer read only the pickles, their names, protocols and load options.
 * The descriptions are three fifths of the 23 MB of vectors.json, and parsing them cost each of
 * those processes about a second of CPU and 40,000 page faults; the file without them is written
 * once, from vectors.json, when it is missing or older (each writer writes its own temporary file
 * and renames it, so a process never reads half a file).
 */
export function loadVectorPickles(): VectorPickle[] {
  freshVectors();
  if (existsSync(PICKLES_FILE) && mtime(PICKLES_FILE) >= mtime(VECTORS_FILE)) {
    return JSON.parse(readFileSync(PICKLES_FILE, 'utf8')) as VectorPickle[];
  }
  const all = vectors ?? (JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as Vector[]);
  const pickles = all.map(({ expect: _, ...rest }): VectorPickle => rest);
  const temporary = `${PICKLES_FILE}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(pickles));
  renameSync(temporary, PICKLES_FILE);
  return pickles;
}
