/**
 * Why a pickle that brine dumps may differ from the one CPython wrote: the
 * categories that scripts/py-roundtrip.py recognises by itself, and the known
 * cases (by vector) that it cannot, each with its reason. docs/byte-identity.md
 * explains them and gives their counts on the vectors.
 *
 * A difference that nothing here explains fails test/dumps.test.ts.
 */
import type { FirstDiff } from './dumps-python.js';

/** The categories that py-roundtrip.py detects from the opcodes. */
export const DETECTED: Readonly<Record<string, string>> = {
  identical: 'byte-identical',
  'python2-str':
    'Python 2 strings (STRING, BINSTRING, SHORT_BINSTRING) are written as what CPython 3 writes for the ' +
    'value they load to: a str, or with encoding "bytes" a bytes object',
  'string-memo':
    'equal strings that were distinct objects in Python: brine memoizes strings by value, ' +
    'so it reads the second one from the memo where CPython writes it again',
  'unframed-original':
    'a hand-made protocol 4+ pickle without FRAME: brine writes the same opcodes, framed as CPython frames them',
  'cpython-redump':
    'the original is not what CPython 3.11 writes for its value (a hand-made pickle); ' +
    'brine writes exactly what CPython writes for that value',
  'set-order': "a set's items in the JS Set's insertion order, where CPython writes its hash-table order",
};

/** A byte difference that is known and explained, for the vectors it names. */
export interface KnownCase {
  category: string;
  reason: string;
  /** The vectors (by name) where it occurs. */
  vectors: RegExp;
  /** What the first difference looks like: the case applies only when this holds. */
  firstDiff: (diff: FirstDiff) => boolean;
}

/** None left: `exact: true` keeps what CPython wrote (docs/byte-identity.md). */
export const KNOWN: readonly KnownCase[] = [];

/** The known case that explains a difference, if any. */
export function knownCase(name: string, diff: FirstDiff | null): KnownCase | undefined {
  if (diff === null) return undefined;
  return KNOWN.find((known) => known.vectors.test(name) && known.firstDiff(diff));
}

/** A vector whose value cannot come back equal from brine's dump, and why. */
export interface KnownUnequal {
  reason: string;
  vectors: RegExp;
  /** What python3 reports for the real values (`unequal: ...`) and for the model. */
  real: RegExp;
  model: RegExp;
}

export const KNOWN_UNEQUAL: readonly KnownUnequal[] = [];

export function knownUnequal(
  name: string,
  real: string | null,
  model: string | null,
): KnownUnequal | undefined {
  return KNOWN_UNEQUAL.find(
    (known) =>
      known.vectors.test(name) &&
      (real === 'equal' || known.real.test(real ?? '')) &&
      (model === 'equal' || known.model.test(model ?? '')),
  );
}
