/**
 * Reconstructors for standard-library value types: decimal, fractions, uuid,
 * collections, array, ipaddress, pathlib, re, types.SimpleNamespace and the
 * built-in exceptions. Each accepts the argument shapes CPython (3.x and 2.7)
 * writes and leaves any other shape inert.
 *
 * @module
 */
import type { Entry, ReconstructContext, Reconstructor, ReconstructorTable } from '../reconstruct.js';
import { isArrayTypecode, PyArray } from '../types/array.js';
import { extendDeque, PyCounter, PyDefaultDict, PyDeque, PyOrderedDict } from '../types/collections.js';
import { BUILTIN_EXCEPTIONS, PyException } from '../types/exception.js';
import { PyDecimal, PyFraction } from '../types/numbers.js';
import { PY_REDUCE, type Reduction } from '../types/protocol.js';
import { PyGlobal } from '../types/py-global.js';
import { PyObject } from '../types/py-object.js';
import {
  IP_ADDRESS_TYPES,
  type IPAddressType,
  isPathType,
  PATH_CLASSES,
  PyIPAddress,
  PyPath,
  PyPattern,
  PySimpleNamespace,
  PyUUID,
} from '../types/stdlib.js';
import { isTuple, type Tuple } from '../types/tuple.js';
import { datetimeEntries } from './datetime.js';
import { build, isInt, table } from './shared.js';

/** The entries of a loaded dict (plain object or Map). */
function dictEntries(value: unknown): [unknown, unknown][] | undefined {
  if (value instanceof Map) return [...value];
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype)
    return Object.entries(value);
  return undefined;
}

/** BUILD of a `__dict__` state on a value class that keeps it in `attributes`. */
function keepAttributes(obj: unknown, state: unknown, context: ReconstructContext): void {
  if (state === null || state === undefined) return;
  if (dictEntries(state) === undefined) context.fail('the state must be a dict');
  (obj as { attributes: unknown }).attributes = state;
}

const decimalReconstructor: Reconstructor = {
  call(args, context) {
    const [value] = args;
    // An integral JS number beyond 2^53 was a float in the pickle (larger ints load as bigints): Python's
    // Decimal(float) is its exact binary value, which BigInt gives; a JS number's shortest text would not.
    if (
      args.length === 1 &&
      typeof value === 'number' &&
      Number.isInteger(value) &&
      !Number.isSafeInteger(value)
    )
      return new PyDecimal(BigInt(value));
    if (args.length === 1 && (typeof value === 'string' || isInt(value)))
      return build(context, () => new PyDecimal(value));
    // Decimal((sign, digits, exponent))
    if (args.length === 1 && isTuple(value) && value.length === 3) {
      const [sign, digits, exponent] = value;
      if (
        (sign === 0 || sign === 1) &&
        isTuple(digits) &&
        digits.every((d) => isInt(d) && Number(d) >= 0 && Number(d) <= 9)
      ) {
        const body = digits.length === 0 ? '0' : digits.join('');
        const sgn = sign === 1 ? '-' : '';
        if (isInt(exponent)) {
          // Far beyond CPython's limits: refused before the number is written out as text.
          if (exponent > 10n ** 20n || exponent < -(10n ** 20n))
            context.fail('Decimal exponent out of range');
          return build(context, () => new PyDecimal(`${sgn}${body}E${exponent}`));
        }
        if (exponent === 'F') return build(context, () => new PyDecimal(`${sgn}Infinity`));
        if (exponent === 'n' || exponent === 'N')
          return build(
            context,
            () => new PyDecimal(`${sgn}${exponent === 'N' ? 's' : ''}NaN${digits.join('')}`),
          );
      }
    }
    return context.inert('reduce', context.global, args);
  },
};

const fractionReconstructor: Reconstructor = {
  call(args, context) {
    const [n, d] = args;
    if (args.length === 2 && isInt(n) && isInt(d)) return build(context, () => new PyFraction(n, d));
    if (args.length === 1 && (typeof n === 'string' || isInt(n)))
      return build(context, () => new PyFraction(n));
    return context.inert('reduce', context.global, args);
  },
};

function setUUIDState(obj: unknown, state: unknown, context: ReconstructContext): void {
  let int: unknown;
  let safe: unknown;
  if (state instanceof Map) {
    int = state.get('int');
    safe = state.get('is_safe');
  } else if (
    typeof state === 'object' &&
    state !== null &&
    Object.getPrototypeOf(state) === Object.prototype
  ) {
    const dict = state as Record<string, unknown>;
    if (Object.hasOwn(dict, 'int')) int = dict.int;
    if (Object.hasOwn(dict, 'is_safe')) safe = dict.is_safe;
  }
  if (!isInt(int)) throw context.fail("UUID state must be a dict with an 'int'");
  const value = BigInt(int);
  if (value < 0n || value >= 1n << 128n) context.fail('int is out of range (need a 128-bit value)');
  const uuid = obj as { int: bigint; isSafe: number | null };
  uuid.int = value;
  uuid.isSafe = isInt(safe) ? Number(safe) : null;
}

const uuidReconstructor: Reconstructor = {
  // object.__reduce_ex__: UUID.__new__(UUID) then BUILD {'int': ..., 'is_safe': ...}.
  construct(args, kwargs, context) {
    if (args.length !== 0 || kwargs !== null)
      return context.inert(kwargs === null ? 'newobj' : 'newobj_ex', context.global, args, kwargs);
    return Object.create(PyUUID.prototype) as PyUUID;
  },
  call(args, context) {
    const [value] = args;
    if (args.length === 1 && typeof value === 'string') return build(context, () => new PyUUID(value));
    return context.inert('reduce', context.global, args);
  },
  setState: setUUIDState,
};

const orderedDictReconstructor: Reconstructor = {
  call(args, context) {
    if (args.length === 0) return new PyOrderedDict();
    // Python 2.7: OrderedDict([[key, value], ...])
    const [items] = args;
    if (args.length === 1 && Array.isArray(items) && items.every((p) => Array.isArray(p) && p.length === 2))
      return new PyOrderedDict(items as [unknown, unknown][]);
    const entries = args.length === 1 ? dictEntries(items) : undefined;
    if (entries !== undefined) return new PyOrderedDict(entries);
    return context.inert('reduce', context.global, args);
  },
  setState: keepAttributes,
};

const defaultDictReconstructor: Reconstructor = {
  call(args, context) {
    if (args.length === 0) return new PyDefaultDict(null);
    const [factory, initial] = args;
    if (args.length === 1) return new PyDefaultDict(factory);
    const entries = args.length === 2 ? dictEntries(initial) : undefined;
    if (entries !== undefined) return new PyDefaultDict(factory, entries);
    return context.inert('reduce', context.global, args);
  },
};

const counterReconstructor: Reconstructor = {
  call(args, context) {
    if (args.length === 0) return new PyCounter();
    const entries = args.length === 1 ? dictEntries(args[0]) : undefined;
    if (entries?.every(([, v]) => isInt(v) || typeof v === 'number'))
      return new PyCounter(entries as [unknown, number][]);
    return context.inert('reduce', context.global, args);
  },
};

const dequeReconstructor: Reconstructor = {
  call(args, context) {
    const [items = [], maxlen = null] = args;
    if (
      args.length <= 2 &&
      Array.isArray(items) &&
      (maxlen === null || (isInt(maxlen) && Number(maxlen) >= 0))
    ) {
      // CPython keeps maxlen in a Py_ssize_t; a JS number is exact up to 2^53.
      if (maxlen !== null && !Number.isSafeInteger(Number(maxlen)))
        context.fail('Python int too large to convert to C ssize_t');
      return build(context, () => PyDeque.create(items, maxlen === null ? null : Number(maxlen)));
    }
    return context.inert('reduce', context.global, args);
  },
  setState: keepAttributes,
  // deque.extend: a bounded deque keeps the last maxlen items, as CPython's does.
  extend(obj, items, context) {
    // The unpickler also asks this hook for the inert objects the reconstructor returned.
    if (obj instanceof PyObject) {
      obj.listitems ??= [];
      for (const item of items) obj.listitems.push(item);
      return;
    }
    if (!(obj instanceof PyDeque)) return context.fail('APPENDS needs a list');
    // Trimmed in batches; the loader trims what is left before anything sees the deque.
    extendDeque(obj, items);
  },
};

const arrayReconstructor: Reconstructor = {
  call(args, context) {
    const [typecode, items] = args;
    if (args.length >= 1 && args.length <= 2 && isArrayTypecode(typecode)) {
      if (items === undefined) return new PyArray(typecode);
      // Python 2.7 pickled the machine bytes (array.tostring()).
      if (items instanceof Uint8Array) {
        const mformat = {
          b: 1,
          B: 0,
          u: 20,
          w: 20,
          h: 4,
          H: 2,
          i: 8,
          I: 6,
          l: 12,
          L: 10,
          q: 12,
          Q: 10,
          f: 14,
          d: 16,
        }[typecode];
        return build(context, () => PyArray.fromMachineBytes(typecode, mformat, items));
      }
      if (Array.isArray(items) || typeof items === 'string')
        return build(context, () => new PyArray(typecode, items as (number | bigint)[]));
    }
    return context.inert('reduce', context.global, args);
  },
  setState: keepAttributes,
};

const arrayReconstructorFunction: Reconstructor = {
  // array._array_reconstructor(array.array, typecode, mformat_code, items)
  call(args, context) {
    const [, typecode, mformat, items] = args;
    if (args.length === 4 && isArrayTypecode(typecode) && isInt(mformat) && items instanceof Uint8Array)
      return build(context, () => PyArray.fromMachineBytes(typecode, Number(mformat), items));
    return context.inert('reduce', context.global, args);
  },
};

/** The text of an IPv6 address from its 128-bit integer, compressed as Python prints it. */
function ipv6Text(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

/**
 * An IPv6 address pickled as its integer (as Python up to 3.11.4 does; later
 * versions write its text): dumps back as that integer.
 */
class IPv6FromInt extends PyIPAddress {
  readonly #value: number | bigint;
  constructor(text: string, value: number | bigint) {
    super('IPv6Address', text);
    this.#value = value;
  }
  override [PY_REDUCE](): Reduction {
    return { callable: new PyGlobal('ipaddress', 'IPv6Address'), args: [this.#value] };
  }
}

function ipReconstructor(type: IPAddressType): Reconstructor {
  return {
    call(args, context) {
      const [value] = args;
      if (args.length === 1 && typeof value === 'string') return new PyIPAddress(type, value);
      if (args.length === 1 && isInt(value)) {
        if (type === 'IPv4Address') return build(context, () => PyIPAddress.fromIPv4Int(Number(value)));
        if (type === 'IPv6Address' && BigInt(value) >= 0n && BigInt(value) < 1n << 128n)
          return new IPv6FromInt(ipv6Text(BigInt(value)), value);
      }
      return context.inert('reduce', context.global, args);
    },
  };
}

function pathReconstructor(type: string): Reconstructor {
  return {
    call(args, context) {
      if (isPathType(type) && args.every((a) => typeof a === 'string'))
        return new PyPath(type, args as Tuple<string>);
      return context.inert('reduce', context.global, args);
    },
  };
}

const patternReconstructor: Reconstructor = {
  call(args, context) {
    const [pattern, flags = 0] = args;
    // CPython's flags are a C int.
    if (
      args.length <= 2 &&
      (typeof pattern === 'string' || pattern instanceof Uint8Array) &&
      isInt(flags) &&
      flags >= -(2 ** 31) &&
      flags < 2 ** 31
    )
      return new PyPattern(pattern, Number(flags));
    return context.inert('reduce', context.global, args);
  },
};

const namespaceReconstructor: Reconstructor = {
  call(args, context) {
    if (args.length === 0) return new PySimpleNamespace();
    return context.inert('reduce', context.global, args);
  },
  construct(args, kwargs, context) {
    const entries = kwargs === null ? [] : dictEntries(kwargs);
    if (args.length === 0 && entries !== undefined && entries.every(([k]) => typeof k === 'string'))
      return new PySimpleNamespace(Object.fromEntries(entries));
    return context.inert(kwargs === null ? 'newobj' : 'newobj_ex', context.global, args, kwargs);
  },
  setState(obj, state, context) {
    const entries = dictEntries(state);
    if (entries === undefined || !entries.every(([k]) => typeof k === 'string'))
      return context.fail('the state must be a dict of str');
    for (const [k, v] of entries)
      Object.defineProperty(obj, k as string, {
        value: v,
        writable: true,
        enumerable: true,
        configurable: true,
      });
  },
};

const exceptionReconstructor: Reconstructor = {
  call(args, context) {
    return new PyException(context.global, args);
  },
  setState(obj, state) {
    (obj as PyException).state = state;
  },
};

/**
 * The standard-library value classes (datetime, zoneinfo, Decimal, Fraction,
 * UUID, collections, array, ipaddress, pathlib, re, SimpleNamespace and the
 * built-in exceptions), as a table for a registry.
 */
export const stdlib: ReconstructorTable = /* @__PURE__ */ table('stdlib', () => [
  ...datetimeEntries(),
  ['decimal', 'Decimal', decimalReconstructor],
  ['fractions', 'Fraction', fractionReconstructor],
  ['uuid', 'UUID', uuidReconstructor],
  ['collections', 'OrderedDict', orderedDictReconstructor],
  ['collections', 'defaultdict', defaultDictReconstructor],
  ['collections', 'Counter', counterReconstructor],
  ['collections', 'deque', dequeReconstructor],
  ['array', 'array', arrayReconstructor],
  ['array', '_array_reconstructor', arrayReconstructorFunction],
  ...IP_ADDRESS_TYPES.map((t): Entry => ['ipaddress', t, ipReconstructor(t)]),
  ...PATH_CLASSES.flatMap((t): Entry[] => [
    ['pathlib', t, pathReconstructor(t)],
    ['pathlib._local', t, pathReconstructor(t)],
  ]),
  ['re', '_compile', patternReconstructor],
  ['types', 'SimpleNamespace', namespaceReconstructor],
  ...BUILTIN_EXCEPTIONS.map((name): Entry => ['builtins', name, exceptionReconstructor]),
]);
