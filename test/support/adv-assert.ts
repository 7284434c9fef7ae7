/**
 * Assertions shared by the bad-pickle, adversarial and fuzz tests.
 */
import assert from 'node:assert/strict';
import { isPickleError, type LoadOptions, loads, PickleError, UnpicklingError } from '../../src/index.js';
import { toHex } from './python.js';

/**
 * A load of a small input that uses more CPU time than this is treated as a
 * hang. CPU time of the process, not wall time: a process that waits for a
 * core on a busy machine spends no CPU time waiting, so only work counts.
 * The inputs held to it load in milliseconds; a hang (a quadratic path, a
 * loop that never ends) blows through it.
 */
export const HANG_MS = 5000;

export interface Outcome {
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: unknown;
  /** CPU ms the load took (the whole process's, so collector threads count too). */
  readonly ms: number;
}

/** CPU ms used by this process since `start` (a `process.cpuUsage()`). */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Loads `data`, catching anything thrown, and measures its CPU time. */
export function attempt(data: Uint8Array, options?: LoadOptions): Outcome {
  const start = process.cpuUsage();
  try {
    const value = loads(data, options);
    return { ok: true, value, ms: cpuSince(start) };
  } catch (error) {
    return { ok: false, error, ms: cpuSince(start) };
  }
}

/** One line about a thrown value, for assertion messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message}`;
  return `non-Error ${typeof error}: ${String(error)}`;
}

/** A short hex rendering of an input for assertion messages. */
export function shortHex(data: Uint8Array, max = 96): string {
  const hex = toHex(data.length > max ? data.subarray(0, max) : data);
  return data.length > max ? `${hex}... (${data.length} bytes)` : hex;
}

/**
 * Checks that `error` is a well-formed {@link UnpicklingError} for `data`: a
 * PickleError, with an offset inside the input when it names an opcode, and
 * a message that names the opcode.
 */
export function checkUnpicklingError(
  error: unknown,
  data: Uint8Array,
  label = shortHex(data),
): UnpicklingError {
  assert.ok(
    error instanceof UnpicklingError,
    `${label}: expected UnpicklingError, got ${describeError(error)}`,
  );
  assert.ok(error instanceof PickleError, `${label}: UnpicklingError must extend PickleError`);
  assert.ok(isPickleError(error), `${label}: isPickleError must be true`);
  const { offset, opcode } = error;
  if (offset !== undefined) {
    assert.ok(
      Number.isInteger(offset) && offset >= 0 && offset <= data.length,
      `${label}: offset ${offset} outside [0, ${data.length}] (${error.message})`,
    );
  }
  if (opcode !== undefined) {
    assert.equal(typeof offset, 'number', `${label}: an error naming opcode ${opcode} must have an offset`);
    assert.ok(error.message.includes(opcode), `${label}: message does not name ${opcode}: ${error.message}`);
  }
  return error;
}

/**
 * Loads `data` and asserts that it fails with a well-formed UnpicklingError,
 * within `maxMs` of CPU time. Returns the error.
 */
export function expectUnpicklingError(
  data: Uint8Array,
  options?: LoadOptions,
  { maxMs = HANG_MS, label }: { maxMs?: number; label?: string } = {},
): UnpicklingError {
  const name = label ?? shortHex(data);
  const outcome = attempt(data, options);
  assert.ok(!outcome.ok, `${name}: expected UnpicklingError, but it loaded: ${preview(outcome.value)}`);
  const error = checkUnpicklingError(outcome.error, data, name);
  assert.ok(outcome.ms < maxMs, `${name}: took ${outcome.ms.toFixed(0)} ms of CPU time (limit ${maxMs} ms)`);
  return error;
}

/** A short, safe rendering of a loaded value for assertion messages. */
export function preview(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    if (text !== undefined) return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  } catch {
    // cyclic or otherwise unprintable
  }
  return Object.prototype.toString.call(value);
}

const watched: readonly [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['Map.prototype', Map.prototype],
  ['Set.prototype', Set.prototype],
  ['Uint8Array.prototype', Uint8Array.prototype],
];

/** The own keys of the built-in prototypes a pickle could try to reach. */
export function prototypeSnapshot(): string {
  return watched
    .map(([name, proto]) => `${name}: ${Reflect.ownKeys(proto).map(String).sort().join(',')}`)
    .join('\n');
}

/** Asserts that no built-in prototype gained or lost a key since `snapshot`. */
export function assertPrototypesIntact(snapshot: string, label: string): void {
  const now = prototypeSnapshot();
  if (now !== snapshot)
    assert.fail(`${label}: a built-in prototype changed:\nbefore ${snapshot}\nafter  ${now}`);
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.polluted, undefined, `${label}: ({}).polluted is defined`);
}
