/**
 * Reconstructors for Python's built-in types. Each one is a pure data
 * constructor: it checks the argument shapes CPython writes and builds the JS
 * value, and leaves any other shape inert.
 *
 * @module
 */
import { pyKeys } from '../keys.js';
import type { Entry, ReconstructContext, Reconstructor, ReconstructorTable } from '../reconstruct.js';
import { PyComplex, PyFloat, PyRange, PySlice } from '../types/builtins.js';
import { FrozenSet } from '../types/frozen-set.js';
import { PyByteArray } from '../types/py-bytearray.js';
import type { Tuple } from '../types/tuple.js';
import { codecsEncode, encodeText } from './codecs.js';
import { getattrReconstructor, operatorOrReconstructor } from './getattr.js';
import { isInt, table } from './shared.js';

/** The items of a Python iterable that CPython writes as a constructor argument (list, tuple, set). */
function iterableItems(value: unknown): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value instanceof Set) return [...value];
  return undefined;
}

function isReal(value: unknown): value is number | bigint | boolean {
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
}

/** `bytes(...)` / `bytearray(...)` arguments: (), (bytes,), (str, encoding), (list of ints,). */
function bytesFrom(args: Tuple, context: ReconstructContext): Uint8Array | undefined {
  if (args.length === 0) return new Uint8Array(0);
  const [source, encoding] = args;
  if (args.length === 1) {
    if (source instanceof Uint8Array) return source;
    const items = iterableItems(source);
    if (items === undefined) return undefined;
    const out = new Uint8Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const b = items[i];
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) return undefined;
      out[i] = b;
    }
    return out;
  }
  if (args.length === 2 && typeof source === 'string' && typeof encoding === 'string') {
    return encodeText(source, encoding, context);
  }
  return undefined;
}

const setReconstructor: Reconstructor = {
  call(args, context) {
    if (args.length === 0) return new Set();
    const items = args.length === 1 ? iterableItems(args[0]) : undefined;
    return items === undefined ? context.inert('reduce', context.global, args) : new Set(pyKeys(items));
  },
};

const frozensetReconstructor: Reconstructor = {
  call(args, context) {
    if (args.length === 0) return new FrozenSet();
    const items = args.length === 1 ? iterableItems(args[0]) : undefined;
    return items === undefined ? context.inert('reduce', context.global, args) : new FrozenSet(pyKeys(items));
  },
};

const bytearrayReconstructor: Reconstructor = {
  call(args, context) {
    const bytes = bytesFrom(args, context);
    return bytes === undefined ? context.inert('reduce', context.global, args) : PyByteArray.from(bytes);
  },
};

const bytesReconstructor: Reconstructor = {
  call(args, context) {
    const bytes = bytesFrom(args, context);
    if (bytes === undefined) return context.inert('reduce', context.global, args);
    return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes);
  },
};

function complexFrom(args: Tuple, kind: 'reduce' | 'newobj', context: ReconstructContext): unknown {
  // With exact: true an integral float arrives as a PyFloat.
  const [real = 0, imag = 0] = args.map((a) => (a instanceof PyFloat ? a.value : a));
  if (args.length <= 2 && isReal(real) && isReal(imag)) return new PyComplex(Number(real), Number(imag));
  return context.inert(kind, context.global, args);
}

const complexReconstructor: Reconstructor = {
  call: (args, context) => complexFrom(args, 'reduce', context),
  construct: (args, kwargs, context) =>
    kwargs === null
      ? complexFrom(args, 'newobj', context)
      : context.inert('newobj_ex', context.global, args, kwargs),
};

const sliceReconstructor: Reconstructor = {
  call(args, context) {
    if (args.length === 1) return new PySlice(null, args[0], null);
    if (args.length === 2 || args.length === 3) return new PySlice(args[0], args[1], args[2] ?? null);
    return context.inert('reduce', context.global, args);
  },
};

const rangeReconstructor: Reconstructor = {
  call(args, context) {
    if (!args.every(isInt) || args.length === 0 || args.length > 3)
      return context.inert('reduce', context.global, args);
    const [a, b, c] = args as readonly (number | bigint)[];
    if (c === 0 || c === 0n) context.fail('range() arg 3 must not be zero');
    if (args.length === 1) return new PyRange(0, a as number | bigint, 1);
    return new PyRange(a as number | bigint, b as number | bigint, c ?? 1);
  },
};

/** Globals that stand for themselves (types passed as arguments, singletons). */
const plainGlobals = [
  'object',
  'list',
  'dict',
  'tuple',
  'int',
  'float',
  'str',
  'bool',
  'Ellipsis',
  'NotImplemented',
] as const;

/** Python's built-in types (and `_codecs.encode`, `functools.partial`), as a table for a registry. */
export const builtins: ReconstructorTable = /* @__PURE__ */ table('builtins', () => [
  ['builtins', 'set', setReconstructor],
  ['builtins', 'frozenset', frozensetReconstructor],
  ['builtins', 'bytearray', bytearrayReconstructor],
  ['builtins', 'bytes', bytesReconstructor],
  ['builtins', 'complex', complexReconstructor],
  ['builtins', 'slice', sliceReconstructor],
  ['builtins', 'range', rangeReconstructor],
  ['builtins', 'getattr', getattrReconstructor],
  ['_operator', 'or_', operatorOrReconstructor],
  ['_codecs', 'encode', codecsEncode],
  // functools.partial(cls.__new__, cls, *args, **kwargs)() is how CPython writes __getnewargs_ex__ below
  // protocol 4: kept inert (nothing is called); the unpickler constructs the class when the registry can.
  ['functools', 'partial', { call: (args, context) => context.inert('reduce', context.global, args) }],
  ...plainGlobals.map((name): Entry => ['builtins', name, {}]),
]);
