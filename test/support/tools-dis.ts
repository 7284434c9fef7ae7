/**
 * What the tests of src/tools (disassembler, optimizer, opcode iterator) share:
 * running pickletools on a batch of inputs (test/support/tools-dis.py, two
 * python3 processes at once), running brine's tools the same way, and the
 * corpus both are compared on: the vectors, CPython's bad pickles, the
 * adversarial corpus, pickles `dumps` writes, and seeded mutations of them all.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { dumps } from '../../src/index.js';
import { DisassemblyError, disassemble, disassembleAll } from '../../src/tools/disassemble.js';
import { value } from './dumps-values.js';
import { fromHex, loadCorpus, PYTHON, ROOT, toHex } from './python.js';
import { loadVectorPickles } from './vectors.js';

/** One request to test/support/tools-dis.py. */
export interface ToolJob {
  mode: 'dis' | 'all' | 'files' | 'optimize' | 'genops';
  hex?: string;
  hexes?: string[];
  start?: number;
  annotate?: number;
  indentlevel?: number;
  shareMemo?: boolean;
  /** The SHA-256 of the text (UTF-8, hex) as `out`, instead of the text. */
  digest?: boolean;
}

/** What pickletools printed (or returned) and the exception it raised: [class, message]. */
export interface ToolResult {
  out: string;
  error: [string, string] | null;
}

/** Runs pickletools on every job, in two python3 processes. */
export async function runPickletools(jobs: readonly ToolJob[], workers = 2): Promise<ToolResult[]> {
  const size = Math.ceil(jobs.length / workers);
  const parts: ToolJob[][] = [];
  for (let i = 0; i < jobs.length; i += size) parts.push(jobs.slice(i, i + size));
  const results = await Promise.all(parts.map(runOne));
  return results.flat();
}

function runOne(jobs: readonly ToolJob[]): Promise<ToolResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(ROOT, 'test', 'support', 'tools-dis.py')], { cwd: ROOT });
    const chunks: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => errors.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        reject(new Error(`tools-dis.py exited with ${code}: ${Buffer.concat(errors).toString()}`));
      else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ToolResult[]);
    });
    child.stdin.end(JSON.stringify(jobs));
  });
}

/** Runs brine's disassembler as a job asks, in the shape of a {@link ToolResult}. */
export function runBrine(job: ToolJob): ToolResult {
  const options = { annotate: job.annotate ?? 0, indentLevel: job.indentlevel ?? 4 };
  try {
    switch (job.mode) {
      case 'dis':
        return { out: disassemble(fromHex(job.hex!), { ...options, start: job.start ?? 0 }), error: null };
      case 'all':
        return {
          out: disassembleAll(fromHex(job.hex!), { ...options, shareMemo: job.shareMemo === true }),
          error: null,
        };
      case 'files': {
        const memo = new Map<string, string>();
        let out = '';
        for (const hex of job.hexes!) {
          try {
            out += disassemble(fromHex(hex), { ...options, memo });
          } catch (error) {
            if (error instanceof DisassemblyError) {
              throw new DisassemblyError(
                error.reason,
                error.offset,
                error.opcode,
                error.pythonType,
                out + error.partial,
              );
            }
            throw error;
          }
        }
        return { out, error: null };
      }
      default:
        throw new Error(`runBrine does not run ${job.mode}`);
    }
  } catch (error) {
    if (error instanceof DisassemblyError)
      return { out: error.partial, error: [error.pythonType, error.reason] };
    throw error;
  }
}

/** The SHA-256 of a text (UTF-8, hex), as test/support/tools-dis.py gives it for a job with `digest`. */
export function digestOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The first difference between two results, or undefined. */
export function difference(actual: ToolResult, expected: ToolResult): string | undefined {
  if (actual.out !== expected.out) {
    const a = actual.out.split('\n');
    const b = expected.out.split('\n');
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return `line ${i + 1}:\n  brine:       ${JSON.stringify(a[i])}\n  pickletools: ${JSON.stringify(b[i])}`;
  }
  if (JSON.stringify(actual.error) !== JSON.stringify(expected.error)) {
    return `error: brine ${JSON.stringify(actual.error)}, pickletools ${JSON.stringify(expected.error)}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// The corpus

/** One input of the corpus. */
export interface ToolInput {
  readonly name: string;
  readonly data: Uint8Array;
  /** Offsets of the pickles after the first, for a buffer holding several. */
  readonly starts?: readonly number[];
}

/** Every vector of test/vectors (their whole data: a sequence holds several pickles). */
export function vectorInputs(): ToolInput[] {
  return loadVectorPickles().map((v) => {
    const input: { name: string; data: Uint8Array; starts?: number[] } = {
      name: `vector ${v.name} (protocol ${v.protocol})`,
      data: fromHex(v.pickle),
    };
    if (v.ends !== undefined) input.starts = v.ends.slice(0, -1);
    return input;
  });
}

/** CPython's bad pickles (scripts/gen-bad-pickles.py, generated when missing or stale). */
export function badPickleInputs(): ToolInput[] {
  const output = join(ROOT, 'test', 'vectors', 'generated', 'bad-pickles.json');
  const script = join(ROOT, 'scripts', 'gen-bad-pickles.py');
  if (!existsSync(output) || statSync(output).mtimeMs < statSync(script).mtimeMs) {
    execFileSync(PYTHON, [script, '-o', output], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const { pickles } = JSON.parse(readFileSync(output, 'utf8')) as {
    pickles: { name: string; hex: string }[];
  };
  return pickles.map((p) => ({ name: `bad pickle ${p.name}`, data: fromHex(p.hex) }));
}

/** The adversarial corpus (test/support/adv-corpus.py), its multi-frame pickles included. */
export function adversarialInputs(): ToolInput[] {
  const corpus = loadCorpus();
  return [...corpus.pickles, ...corpus.big].map((p) => ({
    name: `adversarial ${p.name} (protocol ${p.protocol})`,
    data: p.data,
  }));
}

/** What `dumps` writes for random values of the value model, at every protocol. */
export function dumpsInputs(count: number, seed: number): ToolInput[] {
  const out: ToolInput[] = [];
  fc.sample(value, { seed, numRuns: count }).forEach((v, i) => {
    for (let protocol = 0; protocol <= 5; protocol++) {
      try {
        out.push({ name: `dumps value ${i} (protocol ${protocol})`, data: dumps(v, { protocol }) });
      } catch {
        // a value this protocol cannot hold
      }
    }
  });
  return out;
}

/** A small seeded generator (mulberry32), so the mutations are the same on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes that make interesting text arguments: quotes, backslashes, escapes, digits, newlines, UTF-8 parts. */
const INTERESTING = [
  0x0a, 0x27, 0x22, 0x5c, 0x78, 0x75, 0x55, 0x30, 0x31, 0x39, 0x5f, 0x2e, 0x65, 0x2d, 0x20, 0x4c, 0x80, 0xbf,
  0xc3, 0xe2, 0xed, 0xa0, 0xf0, 0xf4, 0xff, 0x00, 0x28, 0x2e, 0x30, 0x94, 0x95,
];

/** `count` mutations of the given inputs (bytes changed, inserted, removed, cut, spliced). */
export function mutatedInputs(seeds: readonly ToolInput[], count: number, seed: number): ToolInput[] {
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const byte = () => (rand() < 0.5 ? pick(INTERESTING) : Math.floor(rand() * 256));
  const out: ToolInput[] = [];
  for (let n = 0; n < count; n++) {
    const source = pick(seeds);
    let data = Array.from(source.data);
    const steps = 1 + Math.floor(rand() * 3);
    const what: string[] = [];
    for (let s = 0; s < steps; s++) {
      const at = Math.floor(rand() * (data.length + 1));
      const kind = Math.floor(rand() * 6);
      if (kind === 0 && data.length > 0) {
        data[Math.min(at, data.length - 1)] = byte();
        what.push(`set ${at}`);
      } else if (kind === 1) {
        data.splice(at, 0, byte());
        what.push(`insert ${at}`);
      } else if (kind === 2) {
        data.splice(at, 1 + Math.floor(rand() * 4));
        what.push(`remove ${at}`);
      } else if (kind === 3) {
        data = data.slice(0, at);
        what.push(`cut ${at}`);
      } else if (kind === 4) {
        const other = pick(seeds).data;
        const from = Math.floor(rand() * (other.length + 1));
        data = [...data.slice(0, at), ...other.subarray(from)];
        what.push(`splice ${at}`);
      } else {
        data.splice(at, 0, ...Array.from({ length: 1 + Math.floor(rand() * 4) }, byte));
        what.push(`insert run ${at}`);
      }
    }
    out.push({ name: `${source.name} mutated (${what.join(', ')})`, data: Uint8Array.from(data) });
  }
  return out;
}

/** Random opcode soup: opcode bytes with short random arguments, and text lines. */
export const opcodeSoup: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ...'()ltdue0123.aNIJKLMFSTUVXBCGghjpqrs\x80\x81\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98'
          .split('')
          .map((c) => [c.charCodeAt(0)]),
      ),
      fc.uint8Array({ maxLength: 6 }).map((b) => Array.from(b)),
      fc
        .constantFrom('1', '01', '00', "'a'", '"b\\x41"', '-1_0', '1.5e3', 'inf', 'x', '\\u0041', 'a b', '')
        .map((t) => [...Array.from(t, (c) => c.charCodeAt(0)), 0x0a]),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

export { toHex };
