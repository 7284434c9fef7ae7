/**
 * numpy as the scanner sees it (a `ScanLibrary`, see src/scan-library.ts):
 * the globals numpy writes for arrays, dtypes and scalars, numpy's file and
 * code gadgets, and the `.npy` container, whose object arrays are pickles.
 * Plain data: this module imports nothing from the scanner (only its types).
 *
 * @module
 */
import type { ScanContainer, ScanLibrary } from '../scan-library.js';
import { decodeLatin1 } from '../text.js';
import { NUMPY_SAFE_GLOBALS } from './safe-names.js';

/**
 * Where the pickle of a `.npy` file starts, or undefined when `data` is not
 * one. `numpy.load(allow_pickle=True)` reads the header (a Python literal,
 * read with `ast.literal_eval`) and, for a dtype holding objects, unpickles
 * everything after it. The header may name an object dtype when it holds
 * `O`, `object` or a backslash (`'|\x4f'` is `'|O'` to literal_eval).
 */
function sniffNpy(data: Uint8Array): ScanContainer | undefined {
  if (data.length < 10 || data[0] !== 0x93 || decodeLatin1(data, 1, 5) !== 'NUMPY') return undefined;
  const major = data[6]!;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let start: number;
  if (major === 1) start = 10 + view.getUint16(8, true);
  else if (major === 2 || major === 3) {
    if (data.length < 12) return undefined;
    start = 12 + view.getUint32(8, true);
  } else return undefined;
  if (start > data.length) return undefined;
  const header = decodeLatin1(data, 8, start - 8);
  if (!/O|object|\\/.test(header)) {
    return { kind: 'data', note: 'numpy .npy without objects: array data, no pickle' };
  }
  return {
    kind: 'pickle',
    start,
    note: `numpy .npy of objects: numpy.load(allow_pickle=True) unpickles the ${data.length - start} bytes after its header (offsets below are from there)`,
  };
}

/** numpy's contribution to the scanner (the reasons for each entry: docs/scanner.md). */
export const NUMPY_SCAN: ScanLibrary = {
  name: 'numpy',
  // Array, dtype and scalar reconstruction (numpy 1.x `numpy.core`, 2.x `numpy._core`)
  safeGlobals: [
    ...NUMPY_SAFE_GLOBALS,
    'numpy.ndarray',
    'numpy.dtype',
    'numpy.core.multiarray._reconstruct',
    'numpy.core.multiarray.scalar',
    'numpy.core.numeric._frombuffer',
    'numpy._core.multiarray._reconstruct',
    'numpy._core.multiarray.scalar',
    'numpy._core.numeric._frombuffer',
    'numpy.ma.core._mareconstruct',
  ],
  dangerousModules: [
    'numpy.f2py',
    'numpy.distutils',
    'numpy.testing',
    'numpy.ctypeslib',
    'numpy._core.memmap',
    'numpy.core.memmap',
    'numpy.lib._datasource',
    'numpy.lib._npyio_impl',
    'numpy.lib.utils',
    'numpy.lib.npyio',
  ],
  dangerousGlobals: [
    'numpy.load',
    'numpy.save',
    'numpy.savez',
    'numpy.savez_compressed',
    'numpy.savetxt',
    'numpy.loadtxt',
    'numpy.genfromtxt',
    'numpy.fromfile',
    'numpy.fromregex',
    'numpy.memmap',
    'numpy.DataSource',
    'numpy.lib.format.open_memmap',
    'numpy.core.records.fromfile',
    'numpy._core.records.fromfile',
    'numpy.rec.fromfile',
    'numpy.ma.mrecords.fromtextfile',
  ],
  sniff: sniffNpy,
};
