/**
 * pandas as the scanner sees it (a `ScanLibrary`, see src/scan-library.ts):
 * its readers of files and URLs and its expression evaluator are gadgets.
 * Plain data: this module imports only the scanner-library types.
 *
 * @module
 */
import type { ScanLibrary } from '../scan-library.js';

/** pandas' contribution to the scanner. */
export const PANDAS_SCAN: ScanLibrary = {
  name: 'pandas',
  safeGlobals: [],
  dangerousModules: ['pandas.io', 'pandas.core.computation'],
  dangerousGlobals: [
    'pandas.read_pickle',
    'pandas.read_csv',
    'pandas.read_table',
    'pandas.read_json',
    'pandas.read_html',
    'pandas.read_sql',
    'pandas.read_excel',
    'pandas.read_parquet',
    'pandas.read_feather',
    'pandas.read_hdf',
    'pandas.eval',
  ],
};
