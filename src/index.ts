/**
 * brine: Python's pickle for JavaScript. Loads every pickle CPython writes
 * (protocols 0 to 5) into plain JavaScript values, without executing anything
 * the pickle names.
 *
 * @module
 */
export { isPickleError, PickleError, PicklingError, UnpicklingError } from './errors.js';
export { OPCODE_BY_CODE, OPCODES, type OpcodeInfo, opcodeName } from './opcodes.js';
export type { LoadOptions } from './options.js';
export { DEFAULT_PROTOCOL, type DumpOptions, dumps, Pickler } from './pickler.js';
export {
  type ClassOptions,
  type ClassReduction,
  defaultRegistry,
  type ReconstructContext,
  type Reconstructor,
  Registry,
} from './registry.js';
export { PickleBuffer, PyComplex, PyFloat, PyRange, PySlice } from './types/builtins.js';
export { FrozenSet } from './types/frozen-set.js';
export { PyByteArray } from './types/py-bytearray.js';
export { PyGlobal } from './types/py-global.js';
export { PyObject, type PyObjectKind } from './types/py-object.js';
export { isTuple, type Tuple, tuple } from './types/tuple.js';
export { HIGHEST_PROTOCOL, loads, Unpickler } from './unpickler.js';
