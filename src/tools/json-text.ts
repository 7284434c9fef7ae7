/**
 * A JSON parser that keeps what `JSON.parse` loses for a pickle: the type and
 * value of every number as Python's `json` module reads it. A number without
 * a fraction or exponent is an int (a `bigint` beyond ±(2^53 - 1), never a
 * rounded double); a number with a `.` or an exponent is a float, a
 * `PyFloat` when its value is integral (`2.0`, `1e3`), so that `dumps`
 * writes a float. Everything else is what `JSON.parse` gives, with object
 * keys as own data properties (`"__proto__"` included). `NaN`, `Infinity`
 * and `-Infinity` are read as floats, as Python's `json` reads (and writes) them.
 *
 * One pass, no backtracking, no recursion (an explicit stack: any nesting
 * depth), and errors in Python's words with the place: `Expecting ','
 * delimiter: line 1 column 9 (char 8)`. `fromJSON` and `brine convert` both
 * read JSON text with it. Browser-safe: no Node module.
 *
 * @module
 */
import { PickleError } from '../errors.js';
import { PyFloat } from '../types/builtins.js';

/**
 * The most digits of an int, as Python's `int_max_str_digits` (4300): Python's
 * `json.loads` refuses longer ones too, and the limit keeps the text-to-bigint
 * conversion (quadratic in the number of digits) cheap.
 */
export const MAX_INT_DIGITS = 4300;

/** Malformed JSON text: the message says what was expected and where. */
export class JSONTextError extends PickleError {
  /** Index (UTF-16 unit) in the text where parsing failed. */
  readonly position: number;
  constructor(message: string, text: string, position: number) {
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf('\n'); i >= 0 && i < position; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    super(`Not valid JSON: ${message}: line ${line} column ${position - lineStart + 1} (char ${position})`);
    this.position = position;
  }
  override get name(): string {
    return 'JSONTextError';
  }
}

interface Frame {
  /** The array, or the object being filled. */
  readonly container: unknown[] | Record<string, unknown>;
  /** The key whose value is being read (objects only). */
  key: string | undefined;
}

const WS = new Uint8Array(128);
WS[0x20] = WS[0x09] = WS[0x0a] = WS[0x0d] = 1;

/**
 * Parses JSON text with lossless numbers (see the module).
 *
 * @throws {@link JSONTextError} for text that is not JSON.
 */
export function parseJSONText(text: string): unknown {
  const n = text.length;
  let i = 0;
  const stack: Frame[] = [];
  const fail = (message: string, at = i): never => {
    throw new JSONTextError(message, text, at);
  };
  const skip = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c >= 128 || WS[c] !== 1) return;
      i++;
    }
  };
  const setKey = (object: Record<string, unknown>, key: string, value: unknown): void => {
    // An own data property for every key, `__proto__` too; a repeated key keeps its first place
    // and takes the last value, as JSON.parse and Python's json do.
    // (A plain assignment where no inherited property could intercept it: the common case, and much faster.)
    if (!(key in object)) object[key] = value;
    else if (Object.hasOwn(object, key)) object[key] = value;
    else Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  };

  const readString = (): string => {
    // i is at the opening quote.
    const start = ++i;
    let out = '';
    let runStart = start;
    for (;;) {
      if (i >= n) return fail('Unterminated string starting at', start - 1);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(runStart, i);
        i++;
        return out;
      }
      if (c < 0x20) return fail('Invalid control character at');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(runStart, i);
      const e = text.charCodeAt(i + 1);
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return fail('Invalid \\uXXXX escape', i + 1);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          return fail('Invalid \\escape', i);
      }
      i += 2;
      runStart = i;
    }
  };

  const readNumber = (): unknown => {
    const start = i;
    if (text.charCodeAt(i) === 0x2d) i++;
    const intStart = i;
    const first = text.charCodeAt(i);
    // The value of the integer part while it is short (exact up to 15 digits): most numbers need no slice.
    let small = 0;
    if (first === 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) {
      for (let c = first; i < n && isDigit(c); c = text.charCodeAt(++i)) small = small * 10 + (c - 0x30);
    } else return fail('Expecting value', start);
    const intEnd = i;
    const next = text.charCodeAt(i);
    if (next !== 0x2e && next !== 0x65 && next !== 0x45 && intEnd - intStart <= 15)
      return intStart === start || small === 0 ? small : -small; // -0 is the int 0
    let isFloat = false;
    if (text.charCodeAt(i) === 0x2e && isDigit(text.charCodeAt(i + 1))) {
      isFloat = true;
      i += 2;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      let j = i + 1;
      const sign = text.charCodeAt(j);
      if (sign === 0x2b || sign === 0x2d) j++;
      if (isDigit(text.charCodeAt(j))) {
        isFloat = true;
        i = j + 1;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
      }
    }
    const source = text.slice(start, i);
    if (isFloat) {
      const x = Number(source);
      return Number.isInteger(x) && !Object.is(x, -0) ? new PyFloat(x) : x;
    }
    const digits = intEnd - intStart;
    if (digits <= 15) return Number(source) || 0; // -0 is the int 0
    if (digits > MAX_INT_DIGITS) {
      return fail(
        `an int of ${digits} digits exceeds the limit of ${MAX_INT_DIGITS} digits (as Python's)`,
        start,
      );
    }
    const b = BigInt(source);
    return b >= -0x1fffffffffffffn && b <= 0x1fffffffffffffn ? Number(b) : b;
  };

  /** Reads a scalar at i, or opens a container (pushing its frame); returns the value. */
  const readValue = (): unknown => {
    skip();
    if (i >= n) return fail('Expecting value');
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x22:
        return readString();
      case 0x7b: {
        i++;
        const object: Record<string, unknown> = {};
        stack.push({ container: object, key: undefined });
        return object;
      }
      case 0x5b: {
        i++;
        const array: unknown[] = [];
        stack.push({ container: array, key: undefined });
        return array;
      }
      case 0x74:
        if (text.startsWith('true', i)) {
          i += 4;
          return true;
        }
        break;
      case 0x66:
        if (text.startsWith('false', i)) {
          i += 5;
          return false;
        }
        break;
      case 0x6e:
        if (text.startsWith('null', i)) {
          i += 4;
          return null;
        }
        break;
      case 0x4e: // NaN, as Python's json reads (and writes) it
        if (text.startsWith('NaN', i)) {
          i += 3;
          return Number.NaN;
        }
        break;
      case 0x49:
        if (text.startsWith('Infinity', i)) {
          i += 8;
          return Number.POSITIVE_INFINITY;
        }
        break;
      default:
        if (c === 0x2d && text.startsWith('-Infinity', i)) {
          i += 9;
          return Number.NEGATIVE_INFINITY;
        }
        if (c === 0x2d || isDigit(c)) return readNumber();
    }
    return fail('Expecting value');
  };

  // The first item of a container that was just opened: `]` / `}` closes it at once.
  let opened = false;
  const root = readValue();
  opened = stack.length > 0;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const { container } = frame;
    skip();
    const isArray = Array.isArray(container);
    const close = isArray ? 0x5d : 0x7d;
    if (opened) {
      opened = false;
      if (text.charCodeAt(i) === close) {
        i++;
        stack.pop();
        continue;
      }
    } else {
      // After an item: `,` or the end of the container.
      const c = text.charCodeAt(i);
      if (c === close) {
        i++;
        stack.pop();
        continue;
      }
      if (c !== 0x2c) return fail("Expecting ',' delimiter");
      i++;
      skip();
    }
    if (!isArray) {
      if (text.charCodeAt(i) !== 0x22) return fail('Expecting property name enclosed in double quotes');
      frame.key = readString();
      skip();
      if (text.charCodeAt(i) !== 0x3a) return fail("Expecting ':' delimiter");
      i++;
    }
    const depth = stack.length;
    const value = readValue();
    if (isArray) (container as unknown[]).push(value);
    else setKey(container as Record<string, unknown>, frame.key!, value);
    opened = stack.length > depth;
  }
  skip();
  if (i < n) fail('Extra data');
  return root;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
