/**
 * What the property tests share: the characters Python strings are drawn
 * from, and the failure report that names the seed to replay.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';

/** One character of a Python str: mostly printable ASCII, with control characters, Latin-1, the BMP, lone surrogates and astral characters. */
export const pythonChar = fc
  .oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }) },
    { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
    { weight: 2, arbitrary: fc.integer({ min: 0x100, max: 0xffff }) },
    { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }) }, // lone surrogates
    { weight: 2, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }) },
  )
  .map((cp) => String.fromCodePoint(cp));

/** Fails a property test with fast-check's report (and its cause) and the seed that replays it. */
export function failWithSeed(error: unknown, seed: number): never {
  let message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) message += `\n${cause.message}`;
  assert.fail(`property failed; replay with BRINE_SEED=${seed}\n${message}`);
}
