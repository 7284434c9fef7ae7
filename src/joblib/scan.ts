/**
 * joblib and scikit-learn as the scanner sees them (a `ScanLibrary`, see
 * src/scan-library.ts): joblib's array wrappers and scikit-learn's data
 * classes are data constructors; joblib's and scikit-learn's file, download,
 * cache and test helpers are gadgets; and the raw array bytes joblib writes
 * after each `NumpyArrayWrapper` are located as `joblib.load` reads them, so
 * that the scanner skips them instead of reading them as opcodes.
 *
 * @module
 */
import { DType } from '../numpy/dtype.js';
import type { ScanLibrary, StreamLayout } from '../scan-library.js';
import { Unpickler } from '../unpickler.js';
import {
  isSklearnDataClass,
  JOBLIB_SAFE_GLOBALS,
  JoblibError,
  joblibArraySpan,
  joblibArrayWrapper,
} from './format.js';

/** `NumpyArrayWrapper` in ASCII: a stream without it has no joblib array. */
const WRAPPER = new TextEncoder().encode('NumpyArrayWrapper');

function contains(data: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0]!;
  for (
    let at = data.indexOf(first);
    at >= 0 && at + needle.length <= data.length;
    at = data.indexOf(first, at + 1)
  ) {
    let i = 1;
    while (i < needle.length && data[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
  }
  return false;
}

/**
 * Where joblib reads raw array data in `data`: the stream is read once by
 * brine's unpickler (which builds inert values and runs nothing), and at each
 * `NumpyArrayWrapper`'s BUILD the array's span is computed from the
 * wrapper's state with {@link joblibArraySpan}. Object arrays are whole
 * pickles, listed to be scanned on their own. A stream the unpickler cannot
 * follow to its end gives the spans found up to there and the problem.
 */
export function joblibLayout(data: Uint8Array): StreamLayout | undefined {
  if (!contains(data, WRAPPER)) return undefined;
  const skips = new Map<number, number>();
  const nested: [number, number][] = [];
  let problem: StreamLayout['problem'];
  const unpickler = new Unpickler(data, {
    afterBuild: (built, offset, bytes) => {
      const info = joblibArrayWrapper(built);
      if (info === undefined) return undefined;
      const dtype = info.dtype;
      if (!(dtype instanceof DType))
        throw new JoblibError('NumpyArrayWrapper dtype is not a numpy dtype', offset);
      const span = joblibArraySpan(bytes, offset, info.shape, dtype.itemsize, {
        alignment: info.alignment,
        hasObject: dtype.hasObject,
      });
      if (span.kind === 'pickle') {
        const inner = new Unpickler(bytes.subarray(offset));
        inner.load();
        nested.push([offset, offset + inner.position]);
        skips.set(offset, offset + inner.position);
        return { value: null, offset: offset + inner.position };
      }
      skips.set(offset, span.end);
      return { value: null, offset: span.end };
    },
  });
  try {
    unpickler.load();
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const offset = (error as { offset?: unknown }).offset;
    problem = {
      offset: typeof offset === 'number' ? offset : undefined,
      message: `joblib array layout cannot be followed past this point: ${error.message}`,
    };
  }
  return {
    note: `joblib stream: the raw data of ${skips.size} array(s) after their NumpyArrayWrapper is skipped as joblib.load reads it`,
    skips,
    nested,
    ...(problem === undefined ? {} : { problem }),
  };
}

/** joblib's and scikit-learn's contribution to the scanner (the reasons: docs/scanner.md). */
export const JOBLIB_SCAN: ScanLibrary = {
  name: 'joblib',
  safeGlobals: JOBLIB_SAFE_GLOBALS,
  // The exact wrappers above are matched first; the rest of joblib loads files, spawns
  // processes and calls functions by name (joblib.load, Memory, Parallel, delayed).
  dangerousModules: [
    'joblib',
    'sklearn.externals',
    'sklearn.datasets',
    'sklearn.utils._testing',
    'sklearn.utils.estimator_checks',
    'sklearn.utils._joblib',
    'sklearn.utils.parallel',
    'sklearn.utils._show_versions',
    'sklearn._build_utils',
    'sklearn.utils.discovery',
  ],
  // CamelCase names scikit-learn's modules import from modules the scanner rates dangerous: the
  // class rule would otherwise take them for scikit-learn's own.
  dangerousGlobals: [
    'sklearn.utils._available_if.MethodType',
    'sklearn.utils.validation.Parameter',
    'sklearn.tree._export.StringIO',
    'sklearn.utils._estimator_html_repr.StringIO',
  ],
  isSafe: isSklearnDataClass,
  layout: joblibLayout,
};
