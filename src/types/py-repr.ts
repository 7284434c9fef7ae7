/**
 * What the value classes need to write their `PY_REPR`: the core repr engine
 * (their fallback when the caller passes no repr of their own), and the text
 * of a class a pickle names.
 *
 * @module
 */
import { PY_REPR_RECURSIVE, pyRepr, shortRepr } from '../repr.js';
import type { PyGlobal } from './py-global.js';

export { reprByteArray, reprBytes, reprString } from '../python-repr.js';
export { PY_REPR_RECURSIVE, pyRepr, shortRepr };

/** The `repr` callback a value class's `PY_REPR` receives. */
export type ReprFn = (value: unknown) => string;

/** Python's repr of a class or function a pickle names: `<class 'list'>`, `<class 'collections.OrderedDict'>`. */
export function globalRepr(global: PyGlobal): string {
  return global.module === 'builtins' ? `<class '${global.name}'>` : `<class '${global.qualifiedName}'>`;
}
