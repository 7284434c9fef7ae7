/**
 * Small value classes for Python standard-library types: `uuid.UUID`,
 * `ipaddress` addresses, networks and interfaces, `pathlib` paths, compiled
 * `re` patterns and `types.SimpleNamespace`.
 *
 * @module
 */
import { PicklingError } from '../errors.js';
import { INSPECT, inspectRepr } from './inspect.js';
import { FRESH_STATE, PY_REDUCE, PY_REPR, type Reduction } from './protocol.js';
import { G_OBJECT, G_RECONSTRUCTOR, PyGlobal } from './py-global.js';
import { PY_REPR_RECURSIVE, pyRepr, type ReprFn, reprBytes, reprString } from './py-repr.js';

const G_UUID = new PyGlobal('uuid', 'UUID');
const G_RE_COMPILE = new PyGlobal('re', '_compile');
const G_NAMESPACE = new PyGlobal('types', 'SimpleNamespace');

const UUID_MAX = (1n << 128n) - 1n;

/**
 * Python's `uuid.UUID`: a 128-bit number. `toString()` is the canonical
 * `8-4-4-4-12` hex form.
 */
export class PyUUID {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** The UUID as a 128-bit integer (Python's `.int`). */
  readonly int: bigint;
  /** Python's `is_safe` as its `SafeUUID` value (0 safe, -1 unsafe), or `null` for unknown. */
  readonly isSafe: number | null;

  /** From a hex string (with or without dashes, braces or `urn:uuid:`), a 128-bit bigint, or 16 bytes. */
  constructor(value: string | bigint | Uint8Array, isSafe: number | null = null) {
    let int: bigint;
    if (typeof value === 'bigint') int = value;
    else if (value instanceof Uint8Array) {
      if (value.length !== 16) throw new PicklingError('bytes is not a 16-char string');
      int = 0n;
      for (const b of value) int = (int << 8n) | BigInt(b);
    } else {
      const hex = value.replace(/^urn:uuid:/i, '').replace(/[{}-]/g, '');
      if (!/^[0-9a-f]{32}$/i.test(hex)) throw new PicklingError('badly formed hexadecimal UUID string');
      int = BigInt(`0x${hex}`);
    }
    if (int < 0n || int > UUID_MAX) throw new PicklingError('int is out of range (need a 128-bit value)');
    this.int = int;
    this.isSafe = isSafe;
  }

  /**
   * The 32 hex digits. A UUID a pickle created without ever giving it its
   * `int` (`UUID.__new__(UUID)` and no state) has none: `''`.
   */
  get hex(): string {
    return typeof this.int === 'bigint' ? this.int.toString(16).padStart(32, '0') : '';
  }

  /** The 16 bytes, big-endian (Python's `.bytes`); none for a UUID without its `int`. */
  get bytes(): Uint8Array {
    if (typeof this.int !== 'bigint') return new Uint8Array(0);
    const out = new Uint8Array(16);
    let v = this.int;
    for (let i = 15; i >= 0; i--) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return out;
  }

  /** The UUID version, for RFC 4122 UUIDs; else `null`. */
  get version(): number | null {
    if (typeof this.int !== 'bigint') return null;
    return ((this.int >> 62n) & 3n) === 2n ? Number((this.int >> 76n) & 0xfn) : null;
  }

  /** `12345678-1234-5678-1234-567812345678` (`''` for a UUID without its `int`, see {@link PyUUID.hex}). */
  toString(): string {
    const h = this.hex;
    if (h === '') return '';
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  toJSON(): string {
    return this.toString();
  }

  [PY_REPR](): string {
    return typeof this.int === 'bigint' ? `UUID('${this.toString()}')` : '<uuid.UUID object>';
  }

  [PY_REDUCE](protocol: number): Reduction {
    // A UUID the pickle never gave an int is written back as it came: created, without state.
    let state: Record<string, unknown> | undefined;
    if (typeof this.int === 'bigint') {
      state = { int: this.int };
      if (this.isSafe !== null && this.isSafe !== undefined) state.is_safe = this.isSafe;
    }
    // object.__reduce_ex__: NEWOBJ from protocol 2, copyreg._reconstructor below.
    if (protocol >= 2) return { kind: 'newobj', callable: G_UUID, args: [], state, [FRESH_STATE]: true };
    return { callable: G_RECONSTRUCTOR, args: [G_UUID, G_OBJECT, null], state };
  }
}

/** The six `ipaddress` classes. */
export type IPAddressType =
  | 'IPv4Address'
  | 'IPv6Address'
  | 'IPv4Network'
  | 'IPv6Network'
  | 'IPv4Interface'
  | 'IPv6Interface';

/** The `ipaddress` classes brine loads. @internal */
export const IP_ADDRESS_TYPES: readonly IPAddressType[] = [
  'IPv4Address',
  'IPv6Address',
  'IPv4Network',
  'IPv6Network',
  'IPv4Interface',
  'IPv6Interface',
];

const IP_TYPES = new Set<string>(IP_ADDRESS_TYPES);

/** True for the name of an `ipaddress` class. @internal */
export function isIPAddressType(name: string): name is IPAddressType {
  return IP_TYPES.has(name);
}

/**
 * A Python `ipaddress` value: an address (`IPv4Address`, `IPv6Address`), a
 * network or an interface, kept as the text Python prints (`'10.0.0.0/8'`,
 * `'::1%eth0'`). Python pickles IPv4 addresses as their integer and the
 * others as text; both load.
 */
export class PyIPAddress {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** Which `ipaddress` class. */
  readonly type: IPAddressType;
  /** The text form, as Python's `str()`. */
  readonly text: string;

  constructor(type: IPAddressType, text: string) {
    if (!IP_TYPES.has(type)) throw new PicklingError(`not an ipaddress class: ${type}`);
    this.type = type;
    this.text = text;
  }

  /** An `IPv4Address` from its 32-bit integer. */
  static fromIPv4Int(value: number): PyIPAddress {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      throw new PicklingError('IPv4 address integer out of range');
    return new PyIPAddress(
      'IPv4Address',
      [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.'),
    );
  }

  /** 4 or 6. */
  get version(): 4 | 6 {
    return this.type.startsWith('IPv4') ? 4 : 6;
  }

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }

  [PY_REPR](): string {
    return `${this.type}(${reprString(this.text)})`;
  }

  [PY_REDUCE](): Reduction {
    const callable = new PyGlobal('ipaddress', this.type);
    if (this.type === 'IPv4Address') {
      const parts = this.text.split('.').map(Number);
      if (parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255)) {
        const [a, b, c, d] = parts as [number, number, number, number];
        return { callable, args: [((a << 24) >>> 0) + (b << 16) + (c << 8) + d] };
      }
    }
    return { callable, args: [this.text] };
  }
}

/** The `pathlib` classes. */
export type PathType =
  | 'PurePath'
  | 'PurePosixPath'
  | 'PureWindowsPath'
  | 'Path'
  | 'PosixPath'
  | 'WindowsPath';

/** The `pathlib` classes brine loads. @internal */
export const PATH_CLASSES: readonly PathType[] = [
  'PurePath',
  'PurePosixPath',
  'PureWindowsPath',
  'Path',
  'PosixPath',
  'WindowsPath',
];

const PATH_TYPES = new Set<string>(PATH_CLASSES);

/** True for the name of a `pathlib` class. @internal */
export function isPathType(name: string): name is PathType {
  return PATH_TYPES.has(name);
}

/**
 * A Python `pathlib` path: its class and its parts (`['/', 'usr', 'lib']`,
 * `['C:\\', 'Users']`), as Python 3.11 pickles it. `toString()` is the path.
 */
export class PyPath {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly type: PathType;
  readonly parts: readonly string[];

  /** From parts as Python holds them, or from one path string (split like pathlib does). */
  constructor(type: PathType, parts: readonly string[] | string) {
    if (!PATH_TYPES.has(type)) throw new PicklingError(`not a pathlib class: ${type}`);
    this.type = type;
    this.parts = Object.freeze(typeof parts === 'string' ? splitPath(parts, isWindows(type)) : [...parts]);
  }

  /** True for the Windows flavour. */
  get windows(): boolean {
    return isWindows(this.type);
  }

  toString(): string {
    const sep = this.windows ? '\\' : '/';
    const [first, ...rest] = this.parts;
    if (first === undefined) return '.';
    const head = first.endsWith(sep) || (this.windows && first.endsWith('/')) ? first : `${first}${sep}`;
    return rest.length === 0 ? first : head + rest.join(sep);
  }

  toJSON(): string {
    return this.toString();
  }

  [PY_REPR](): string {
    const text = this.windows ? this.toString().replaceAll('\\', '/') : this.toString();
    return `${this.type}(${reprString(text)})`;
  }

  [PY_REDUCE](): Reduction {
    return { callable: new PyGlobal('pathlib', this.type), args: [...this.parts] };
  }
}

function isWindows(type: PathType): boolean {
  return type === 'PureWindowsPath' || type === 'WindowsPath';
}

function splitPath(text: string, windows: boolean): string[] {
  const parts: string[] = [];
  let rest = text;
  if (windows) {
    rest = rest.replaceAll('/', '\\');
    const drive = /^([A-Za-z]:|\\\\[^\\]+\\[^\\]+)/.exec(rest)?.[0] ?? '';
    rest = rest.slice(drive.length);
    const root = rest.startsWith('\\') ? '\\' : '';
    if (drive !== '' || root !== '') parts.push(drive + root);
    for (const p of rest.split('\\')) if (p !== '' && p !== '.') parts.push(p);
    return parts;
  }
  const root = rest.startsWith('//') && !rest.startsWith('///') ? '//' : rest.startsWith('/') ? '/' : '';
  if (root !== '') parts.push(root);
  for (const p of rest.split('/')) if (p !== '' && p !== '.') parts.push(p);
  return parts;
}

/** `re` flag bits. */
/** The flag names of a pattern's repr, in the order CPython 3.11's `_sre` prints them. */
const RE_FLAGS: readonly (readonly [number, string])[] = [
  [1, 'TEMPLATE'],
  [2, 'IGNORECASE'],
  [4, 'LOCALE'],
  [8, 'MULTILINE'],
  [16, 'DOTALL'],
  [32, 'UNICODE'],
  [64, 'VERBOSE'],
  [128, 'DEBUG'],
  [256, 'ASCII'],
];

/**
 * A compiled Python regular expression (`re.Pattern`): its source (a string,
 * or bytes for a bytes pattern) and flags, as Python pickles it
 * (`re._compile(pattern, flags)`). Nothing is compiled on load;
 * {@link PyPattern.toRegExp} translates the common syntax on request.
 */
export class PyPattern {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly pattern: string | Uint8Array;
  /** Python's `.flags` (a str pattern always has `re.UNICODE`, 32). */
  readonly flags: number;

  constructor(pattern: string | Uint8Array, flags?: number) {
    this.pattern = pattern;
    this.flags = flags ?? (typeof pattern === 'string' ? 32 : 0);
  }

  /**
   * A JS `RegExp` for the pattern: named groups `(?P<name>...)` and
   * `(?P=name)` become JS syntax, IGNORECASE/MULTILINE/DOTALL become `i`/`m`/`s`.
   * Python's regex syntax is not JS's in every detail (possessive
   * quantifiers, `\Z`, inline flags), so this is a best effort.
   * @throws {@link PicklingError} for bytes patterns and flags JS lacks (VERBOSE, LOCALE).
   */
  toRegExp(): RegExp {
    if (typeof this.pattern !== 'string') throw new PicklingError('a bytes pattern has no JS RegExp');
    if (this.flags & (64 | 4)) throw new PicklingError('VERBOSE and LOCALE patterns have no JS RegExp');
    let flags = '';
    if (this.flags & 2) flags += 'i';
    if (this.flags & 8) flags += 'm';
    if (this.flags & 16) flags += 's';
    const source = this.pattern
      .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
      .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
      .replace(/\\Z/g, '$(?![\\s\\S])');
    try {
      return new RegExp(source, flags);
    } catch (error) {
      throw new PicklingError(`the pattern is not valid JS RegExp syntax: ${(error as Error).message}`);
    }
  }

  toString(): string {
    return typeof this.pattern === 'string' ? this.pattern : reprBytes(this.pattern);
  }

  toJSON(): string {
    return this.toString();
  }

  [PY_REPR](): string {
    // CPython prints at most 200 characters of the pattern's repr.
    const full = typeof this.pattern === 'string' ? reprString(this.pattern) : reprBytes(this.pattern);
    const source = [...full.slice(0, 400)].slice(0, 200).join('');
    let flags = this.flags;
    // re.UNICODE is left out for a str pattern that is not also LOCALE or ASCII (its default).
    if (typeof this.pattern === 'string' && (flags & (4 | 32 | 256)) === 32) flags &= ~32;
    const names: string[] = [];
    for (const [bit, name] of RE_FLAGS) {
      if (flags & bit) {
        names.push(`re.${name}`);
        flags &= ~bit;
      }
    }
    if (flags) names.push(`0x${(flags >>> 0).toString(16)}`);
    return names.length === 0 ? `re.compile(${source})` : `re.compile(${source}, ${names.join('|')})`;
  }

  [PY_REDUCE](): Reduction {
    return { callable: G_RE_COMPILE, args: [this.pattern, this.flags] };
  }
}

/**
 * Python's `types.SimpleNamespace`: its attributes are the object's own
 * enumerable properties.
 */
export class PySimpleNamespace {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  constructor(attributes?: Record<string, unknown>) {
    if (attributes !== undefined) {
      for (const [k, v] of Object.entries(attributes))
        Object.defineProperty(this, k, { value: v, writable: true, enumerable: true, configurable: true });
    }
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    return `namespace(${Object.entries(this)
      .map(([k, v]) => `${k}=${repr(v)}`)
      .join(', ')})`;
  }

  /** A namespace met again inside itself. */
  get [PY_REPR_RECURSIVE](): string {
    return 'namespace(...)';
  }

  /**
   * Python's repr, for `String(ns)` and template literals. An attribute named
   * `toString` or `valueOf` (an own property, as every attribute is) cannot
   * shadow it: string conversion asks this symbol first.
   */
  [Symbol.toPrimitive](): string {
    return pyRepr(this);
  }

  [PY_REDUCE](): Reduction {
    const state: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this))
      Object.defineProperty(state, k, { value: v, writable: true, enumerable: true, configurable: true });
    return { callable: G_NAMESPACE, args: [], state };
  }
}
