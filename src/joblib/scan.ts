/**
 * joblib and scikit-learn as the scanner sees them (a `ScanLibrary`, see
 * src/scan-library.ts): joblib's array wrappers and scikit-learn's data
 * classes are data constructors; joblib's and scikit-learn's file, download,
 * cache and test helpers are gadgets; the layout of joblib's streams (raw array
 * bytes between opcodes) is read in src/tools/scan/joblib-layout.ts.
 *
 * @module
 */
import type { ScanLibrary } from '../scan-library.js';
import { isSklearnDataClass, JOBLIB_SAFE_GLOBALS } from './format.js';

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
};
