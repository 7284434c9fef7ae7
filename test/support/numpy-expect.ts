/**
 * The expected values of the numpy fixtures (scripts/gen-numpy-fixtures.py):
 * decoding of the lossless JSON and a comparison with what brine loads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTuple, PyComplex } from '../../src/index.js';
import { ROOT } from './python.js';

export const FIXTURES = join(ROOT, 'test', 'fixtures', 'numpy');

/** What numpy reported for a loaded value. */
export interface Described {
  type: string;
  scalar?: boolean;
  value?: unknown;
  dtype: string;
  name: string;
  descr: unknown;
  itemsize: number;
  shape: number[];
  order: 'C' | 'F';
  hasobject: boolean;
  bytes?: string;
  list: unknown;
  mask?: unknown;
  fill_value?: unknown;
  writeable: boolean | null;
}

export interface PickleCase {
  name: string;
  protocol: number;
  pickle: string;
  /** What numpy writes for the loaded value when it differs from what it read (big-endian data is swapped on load). */
  redump?: string;
  buffers?: string[];
  readonly?: boolean[];
  expected: Described | null;
}

export interface FileCase {
  file: string;
  version?: number;
  expected?: Described;
  arrays?: Record<string, Described>;
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function pickleCases(): { numpy: string; cases: PickleCase[] } {
  return JSON.parse(readFileSync(join(FIXTURES, 'pickles.json'), 'utf8'));
}

export function fileCases(): { numpy: string; files: FileCase[] } {
  return JSON.parse(readFileSync(join(FIXTURES, 'files.json'), 'utf8'));
}

function tagged(expected: unknown, key: string): unknown {
  if (typeof expected !== 'object' || expected === null || Array.isArray(expected)) return undefined;
  const keys = Object.keys(expected);
  return keys.length === 1 && keys[0] === key ? (expected as Record<string, unknown>)[key] : undefined;
}

function floatOf(expected: unknown): number | undefined {
  if (typeof expected === 'number') return expected;
  const f = tagged(expected, 'float');
  if (f === undefined) return undefined;
  return f === 'nan' ? Number.NaN : f === 'inf' ? Infinity : f === '-inf' ? -Infinity : -0;
}

/**
 * Where `actual` (a brine value) differs from `expected` (the fixture's
 * JSON), as a path and a reason; `null` when they are equal.
 */
export function difference(actual: unknown, expected: unknown, path = '$'): string | null {
  if (expected === null) return actual === null ? null : `${path}: expected None, got ${show(actual)}`;
  if (typeof expected === 'boolean' || typeof expected === 'string')
    return actual === expected ? null : `${path}: expected ${JSON.stringify(expected)}, got ${show(actual)}`;
  const f = floatOf(expected);
  if (f !== undefined) {
    if (typeof actual === 'bigint' && Number.isInteger(f))
      return BigInt(f) === actual ? null : `${path}: ${f} != ${actual}`;
    return Object.is(actual, f) || (actual === f && f !== 0)
      ? null
      : `${path}: expected ${f}, got ${show(actual)}`;
  }
  const big = tagged(expected, 'int');
  if (big !== undefined)
    return actual === BigInt(big as string) ? null : `${path}: expected ${big}, got ${show(actual)}`;
  const bytes = tagged(expected, 'bytes');
  if (bytes !== undefined)
    return actual instanceof Uint8Array && toHex(actual) === bytes
      ? null
      : `${path}: expected bytes ${bytes}, got ${show(actual)}`;
  const complex = tagged(expected, 'complex') as unknown[] | undefined;
  if (complex !== undefined) {
    if (!(actual instanceof PyComplex)) return `${path}: expected a complex, got ${show(actual)}`;
    return (
      difference(actual.real, complex[0], `${path}.real`) ??
      difference(actual.imag, complex[1], `${path}.imag`)
    );
  }
  const items = tagged(expected, 'tuple') as unknown[] | undefined;
  if (items !== undefined) {
    if (!isTuple(actual)) return `${path}: expected a tuple, got ${show(actual)}`;
    return sequence(actual, items, path);
  }
  const pairs = tagged(expected, 'dict') as [unknown, unknown][] | undefined;
  if (pairs !== undefined) {
    const entries =
      actual instanceof Map
        ? [...actual]
        : typeof actual === 'object' && actual !== null
          ? Object.entries(actual)
          : undefined;
    if (entries === undefined || entries.length !== pairs.length)
      return `${path}: expected a dict, got ${show(actual)}`;
    for (let i = 0; i < pairs.length; i++) {
      const d =
        difference(entries[i]![0], pairs[i]![0], `${path}.key${i}`) ??
        difference(entries[i]![1], pairs[i]![1], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || isTuple(actual)) return `${path}: expected a list, got ${show(actual)}`;
    return sequence(actual, expected, path);
  }
  return `${path}: cannot compare with ${JSON.stringify(expected)}`;
}

function sequence(actual: readonly unknown[], expected: readonly unknown[], path: string): string | null {
  if (actual.length !== expected.length)
    return `${path}: length ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const d = difference(actual[i], expected[i], `${path}[${i}]`);
    if (d !== null) return d;
  }
  return null;
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `bytes ${toHex(value)}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
