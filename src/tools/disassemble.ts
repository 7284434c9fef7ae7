/**
 * A symbolic disassembly of pickles, identical byte for byte to Python's
 * `pickletools.dis` (and `python -m pickletools`): the offset column,
 * indentation by MARK depth, memo annotations, the `--annotate` column and
 * its opcode summaries, the closing "highest protocol among opcodes" line, and
 * pickletools' checks (stack and mark use, memo use, "stack not empty after
 * STOP"). Where pickletools prints what it has and raises, {@link disassemble}
 * throws a {@link DisassemblyError} carrying the same text so far and the same
 * message.
 *
 * @module
 */

import { PickleError } from '../errors.js';
import { formatFloatRepr } from '../floats.js';
import { MAX_STR_DIGITS } from '../ints.js';
import { pyLen, reprByteArray, reprCodePoints, reprString } from '../python-repr.js';
import {
  genops,
  memoKey,
  type PickleArg,
  type PickleOp,
  PickletoolsError,
  type PythonErrorType,
  rawUnicodeEscapeDecode,
  reprBytes,
  utf8Decode,
} from './genops.js';

/**
 * The memo of a disassembly, as pickletools keeps it: the memo index (in
 * decimal) to the stack object stored there (`'any'`, `'list'` ...). Pass the
 * same map to several calls to disassemble pickles that share a memo (the
 * `--memo` option of `python -m pickletools`); it starts as `new Map()`.
 */
export type DisassemblyMemo = Map<string, string>;

/** Options of {@link disassemble} and {@link disassembleAll}. */
export interface DisassembleOptions {
  /**
   * Annotate each line with the opcode's one-line summary. A number is the
   * column hint of `pickletools.dis(annotate=)`; `true` is 30, as
   * `python -m pickletools --annotate`. Default: no annotations.
   */
  annotate?: number | boolean;
  /** Blanks per MARK level (`--indentlevel`, default 4). */
  indentLevel?: number;
  /** The memo, shared with other calls and updated (`--memo`); default a fresh one. */
  memo?: DisassemblyMemo;
  /** Offset of the pickle's first opcode (default 0); offsets shown stay those of the whole input. */
  start?: number;
  /**
   * A line written before the disassembly (before each one, for
   * {@link disassembleAll}), as `python -m pickletools --preamble` does when
   * given several files; see {@link formatPreamble} for its `{name}` field.
   */
  preamble?: string;
}

/**
 * Thrown where `pickletools.dis` raises: `reason` is pickletools' message,
 * `pythonType` its exception class, and `partial` the text pickletools had
 * printed before raising (possibly ending in the middle of a line, as its
 * output does).
 */
export class DisassemblyError extends PickletoolsError {
  /** The disassembly written before the error. */
  readonly partial: string;
  constructor(
    reason: string,
    offset: number | undefined,
    opcode: string | undefined,
    pythonType: PythonErrorType,
    partial: string,
    options?: { cause?: unknown; truncated?: boolean },
  ) {
    super(reason, offset, opcode, pythonType, options);
    this.partial = partial;
  }
}

/**
 * Disassembles one pickle, from `options.start` through its STOP, as
 * `pickletools.dis(data, memo=, indentlevel=, annotate=)` prints it.
 *
 * @param data - the bytes holding the pickle (bytes after its STOP are ignored)
 * @param options - annotate, indentLevel, memo, start, preamble (see {@link DisassembleOptions})
 * @returns the text pickletools prints, every line ending in `\n`
 * @throws {@link DisassemblyError} where pickletools raises (malformed input,
 *   unknown opcode, stack or memo misuse, stack not empty after STOP), with the
 *   text printed so far in `partial`
 * @example
 * ```ts
 * console.log(disassemble(dumps([1, 2]), { annotate: true }));
 * ```
 */
export function disassemble(data: Uint8Array, options?: DisassembleOptions): string {
  const out = new TextOut();
  if (options?.preamble !== undefined) out.push(`${options.preamble}\n`);
  disassembleInto(data, options ?? {}, options?.start ?? 0, options?.memo ?? new Map(), out);
  return out.text();
}

/**
 * Disassembles every pickle in `data`, one after the other (the sequential
 * `pickle.dump` pattern), until the input ends.
 *
 * @param data - the bytes holding one or more pickles
 * @param options - as {@link disassemble}, plus `shareMemo`: one memo for all
 *   pickles (as an `Unpickler` reading them in turn keeps it) instead of a
 *   fresh one each; a `memo` given is always shared
 * @returns the disassemblies, one after the other
 * @throws {@link DisassemblyError} as {@link disassemble}; `partial` holds every
 *   disassembly before the error too
 * @example
 * ```ts
 * const both = new Uint8Array([...dumps(1), ...dumps(2)]);
 * console.log(disassembleAll(both));
 * ```
 */
export function disassembleAll(
  data: Uint8Array,
  options?: DisassembleOptions & { shareMemo?: boolean },
): string {
  const out = new TextOut();
  const shared = options?.memo ?? (options?.shareMemo === true ? new Map<string, string>() : undefined);
  let start = options?.start ?? 0;
  do {
    if (options?.preamble !== undefined) out.push(`${options.preamble}\n`);
    start = disassembleInto(data, options ?? {}, start, shared ?? new Map(), out);
  } while (start < data.length);
  return out.text();
}

/**
 * Python's `preamble.format(name=name)` for `--preamble` (default
 * `"==> {name} <=="`): `{name}` (with an optional `!s` / `!r` / `!a`
 * conversion and a fill, align, width and precision spec), `{{` and `}}`.
 *
 * @param template - the preamble, in Python's format syntax
 * @param name - the value of `{name}`
 * @returns the formatted preamble
 * @throws {@link PickleError} with Python's message for a field other than
 *   `name` (`KeyError: 'x'`) or a malformed template
 * @example
 * ```ts
 * formatPreamble('==> {name} <==', 'a.pkl'); // '==> a.pkl <=='
 * ```
 */
export function formatPreamble(template: string, name: string): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === '}') {
      if (template[i + 1] !== '}')
        throw new PickleError("ValueError: Single '}' encountered in format string");
      out += '}';
      i += 2;
      continue;
    }
    if (c !== '{') {
      out += c;
      i++;
      continue;
    }
    if (template[i + 1] === '{') {
      out += '{';
      i += 2;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    if (close < 0) {
      throw new PickleError(
        i + 1 >= template.length
          ? "ValueError: Single '{' encountered in format string"
          : "ValueError: expected '}' before end of string",
      );
    }
    const field = template.slice(i + 1, close);
    i = close + 1;
    const m = /^([^!:]*)(?:!(.))?(?::(.*))?$/s.exec(field);
    if (m === null) throw new PickleError("ValueError: expected ':' after conversion specifier");
    const [, key = '', conversion, spec = ''] = m;
    if (key !== 'name') {
      if (key === '' || /^\d+$/.test(key)) {
        throw new PickleError(
          `IndexError: Replacement index ${key === '' ? 0 : Number(key)} out of range for positional args tuple`,
        );
      }
      throw new PickleError(`KeyError: '${key.split(/[.[]/)[0]}'`);
    }
    let value = name;
    if (conversion === 'r') value = reprStr(name);
    else if (conversion === 'a') value = asciiRepr(name);
    else if (conversion !== undefined && conversion !== 's') {
      throw new PickleError(`ValueError: Unknown conversion specifier ${conversion}`);
    }
    out += applySpec(value, spec);
  }
  return out;
}

function applySpec(value: string, spec: string): string {
  if (spec === '') return value;
  const m = /^(?:(.)?([<>^]))?(\d+)?(?:\.(\d+))?s?$/su.exec(spec);
  if (m === null)
    throw new PickleError(`ValueError: Invalid format specifier '${spec}' for object of type 'str'`);
  const [, fill = ' ', align = '<', width, precision] = m;
  let chars = [...value];
  if (precision !== undefined) chars = chars.slice(0, Number(precision));
  const pad = Math.max(0, Number(width ?? 0) - chars.length);
  const text = chars.join('');
  if (align === '>') return fill.repeat(pad) + text;
  if (align === '^') return fill.repeat(pad >> 1) + text + fill.repeat(pad - (pad >> 1));
  return text + fill.repeat(pad);
}

// ---------------------------------------------------------------------------
// The disassembler

/**
 * The text of a disassembly, gathered in flat chunks of about 16 KiB. Kept as
 * an array of every small piece until the end, the pieces of a long listing
 * all survive the young generation and are copied into fresh old-generation
 * pages (each one a page fault): a listing past a few thousand lines then cost
 * three times as much per line as a short one. Joined into chunks as it goes,
 * each piece dies young and only the text itself is kept.
 */
class TextOut {
  readonly #chunks: string[] = [];
  #current = '';

  push(...pieces: string[]): void {
    for (const piece of pieces) this.#current += piece;
    if (this.#current.length >= 16384) {
      this.#chunks.push(flat(this.#current));
      this.#current = '';
    }
  }

  text(): string {
    return this.#chunks.join('') + this.#current;
  }
}

/** `text` as one flat string (V8 keeps a concatenation as a tree of its pieces until something reads it). */
function flat(text: string): string {
  // Reading a character makes V8 flatten the tree in place.
  text.charCodeAt(0);
  return text;
}

const MARK = 'mark';

/** Disassembles the pickle at `start` into `out`; returns the offset after its STOP. */
function disassembleInto(
  data: Uint8Array,
  options: DisassembleOptions,
  start: number,
  memo: DisassemblyMemo,
  out: TextOut,
): number {
  const annotate = options.annotate === true ? 30 : options.annotate === false ? 0 : (options.annotate ?? 0);
  const indentLevel = options.indentLevel ?? 4;
  if (!Number.isSafeInteger(annotate) || !Number.isSafeInteger(indentLevel)) {
    throw new PickleError('annotate and indentLevel must be integers');
  }
  const indentChunk = ' '.repeat(Math.max(0, indentLevel));
  const stack: string[] = [];
  const markStack: number[] = [];
  let written = 0;
  let maxProto = -1;
  let annoCol = annotate;
  let op: PickleOp | undefined;
  const fail = (
    reason: string,
    pythonType: PythonErrorType = 'ValueError',
    where: PickleOp | undefined = op,
  ): DisassemblyError => new DisassemblyError(reason, where?.pos, where?.info.name, pythonType, out.text());
  const ops = genops(data, { start });
  for (;;) {
    try {
      const next = ops.next();
      if (next.done === true) break;
      op = next.value;
    } catch (error) {
      if (!(error instanceof PickletoolsError)) throw error;
      throw new DisassemblyError(error.reason, error.offset, error.opcode, error.pythonType, out.text(), {
        cause: error,
        truncated: error.truncated,
      });
    }
    const { info, arg, pos } = op;
    out.push(`${String(pos).padStart(5)}: `);
    let line = `${codeRepr(info.code).padEnd(4)} ${indentChunk.repeat(markStack.length)}${info.name}`;
    maxProto = Math.max(maxProto, info.proto);
    const before = info.stackBefore;
    let after = info.stackAfter;
    let numToPop = before.length;

    // A MARK to pop?
    let markMsg: string | undefined;
    let errorMsg: string | undefined;
    if (
      before.includes(MARK) ||
      (info.name === 'POP' && stack.length > 0 && stack[stack.length - 1] === MARK)
    ) {
      if (markStack.length > 0) {
        markMsg = `(MARK at ${markStack.pop()})`;
        // Pop everything at and after the topmost mark.
        for (;;) {
          if (stack.length === 0) throw fail('list index out of range', 'IndexError');
          if (stack.pop() === MARK) break;
        }
        const at = before.indexOf(MARK);
        numToPop = Math.max(at, 0);
      } else {
        errorMsg = markMsg = 'no MARK exists on stack';
      }
    }

    // Memo use.
    const name = info.name;
    if (name === 'PUT' || name === 'BINPUT' || name === 'LONG_BINPUT' || name === 'MEMOIZE') {
      let key: string;
      if (name === 'MEMOIZE') {
        key = String(memo.size);
        markMsg = `(as ${key})`;
      } else key = String(memoKey(arg));
      if (memo.has(key)) errorMsg = `memo key ${name === 'MEMOIZE' ? 'None' : reprInt(arg)} already defined`;
      else if (stack.length === 0) errorMsg = "stack is empty -- can't store into memo";
      else if (stack[stack.length - 1] === MARK) errorMsg = "can't store markobject in the memo";
      else memo.set(key, stack[stack.length - 1]!);
    } else if (name === 'GET' || name === 'BINGET' || name === 'LONG_BINGET') {
      const stored = memo.get(String(memoKey(arg)));
      if (stored !== undefined) after = [stored];
      else errorMsg = `memo key ${reprInt(arg)} has never been stored into`;
    }

    if (arg !== null || markMsg !== undefined) {
      line += ' '.repeat(Math.max(0, 10 - name.length));
      if (arg !== null) {
        try {
          line += ` ${reprArg(data, op)}`;
        } catch (error) {
          if (error instanceof ReprError) throw fail(error.message);
          throw error;
        }
      }
      if (markMsg !== undefined) line += ` ${markMsg}`;
    }
    if (annotate !== 0) {
      line += ' '.repeat(Math.max(0, annoCol - pyLen(line)));
      annoCol = pyLen(line);
      if (annoCol > 50) annoCol = annotate;
      line += ` ${info.doc}`;
    }
    out.push(line, '\n');
    written += line.length + 12;
    if (written > MAX_DISASSEMBLY_LENGTH) {
      const partial = out.text().slice(0, 1024 * 1024);
      throw new DisassemblyError(
        `the disassembly would be longer than ${MAX_DISASSEMBLY_LENGTH} characters (pickletools indents each line by its MARK depth: ${markStack.length} here)`,
        pos,
        info.name,
        'ValueError',
        partial,
      );
    }

    if (errorMsg !== undefined) throw fail(errorMsg);
    if (stack.length < numToPop) {
      throw fail(`tries to pop ${numToPop} items from stack with only ${stack.length} items`);
    }
    if (numToPop > 0) stack.length -= numToPop;
    if (after.includes(MARK)) markStack.push(pos);
    for (const item of after) stack.push(item);
  }
  out.push(`highest protocol among opcodes = ${maxProto}\n`);
  if (stack.length > 0) throw fail(`stack not empty after STOP: [${stack.join(', ')}]`);
  return op!.end;
}

/**
 * The most text one disassembly writes, in UTF-16 units (128 Mi). pickletools
 * indents every line by its MARK depth, so its output grows with the square of
 * the nesting: 30,000 nested MARKs asked for more than a JavaScript string can
 * hold. Past this budget the disassembly stops with a DisassemblyError (whose
 * `partial` text is cut to its first MiB); below it, the text is pickletools'.
 */
export const MAX_DISASSEMBLY_LENGTH = 128 * 1024 * 1024;
/** `repr(opcode.code)[1:-1]`. */
function codeRepr(code: number): string {
  return code < 0x80 ? String.fromCharCode(code) : `\\x${code.toString(16)}`;
}

// ---------------------------------------------------------------------------
// repr of the arguments

/** A repr Python refuses (an int of more than 4300 digits). */
class ReprError extends Error {}

const DIGIT_LIMIT = 10n ** BigInt(MAX_STR_DIGITS);

function reprInt(arg: PickleArg): string {
  if (typeof arg === 'boolean') return arg ? 'True' : 'False';
  if (typeof arg === 'bigint') {
    if ((arg < 0n ? -arg : arg) >= DIGIT_LIMIT) {
      throw new ReprError(
        `Exceeds the limit (${MAX_STR_DIGITS} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit`,
      );
    }
    return arg.toString();
  }
  return String(arg);
}

/** `repr(arg)` of an opcode's decoded argument. */
function reprArg(data: Uint8Array, op: PickleOp): string {
  const { arg } = op;
  switch (op.info.arg) {
    case 'float8':
    case 'floatnl':
      return formatFloatRepr(arg as number);
    case 'bytes1':
    case 'bytes4':
    case 'bytes8':
      return reprBytes(arg as Uint8Array);
    case 'bytearray8':
      return reprByteArray(arg as Uint8Array);
    case 'unicodestring1':
    case 'unicodestring4':
    case 'unicodestring8':
    case 'unicodestringnl': {
      const text = arg as string;
      if (!/[\ud800-\udfff]/.test(text)) return reprStr(text);
      // Surrogates: decode again as code points, since two lone surrogates in Python
      // are two characters where a JS string would see one pair.
      const { pos, end } = op;
      if (op.info.arg === 'unicodestringnl') {
        return reprStr('', rawUnicodeEscapeDecode(data.subarray(pos + 1, end - 1)));
      }
      const header = op.info.arg === 'unicodestring1' ? 2 : op.info.arg === 'unicodestring4' ? 5 : 9;
      const codePoints: number[] = [];
      utf8Decode(data.subarray(pos + header, end), codePoints);
      return reprStr('', codePoints);
    }
    default:
      if (typeof arg === 'string') return reprStr(arg);
      return reprInt(arg);
  }
}

/** Python's `repr(str)`, of `text` or of the given code points. */
export function reprStr(text: string, codePoints?: readonly number[]): string {
  return codePoints === undefined ? reprString(text) : reprCodePoints(codePoints);
}

/** Python's `ascii(str)`: repr with every non-ASCII character escaped. */
function asciiRepr(text: string): string {
  return reprStr(text).replace(/[^\0-\x7f]/gu, (ch) => {
    const c = ch.codePointAt(0)!;
    if (c <= 0xff) return `\\x${c.toString(16).padStart(2, '0')}`;
    if (c <= 0xffff) return `\\u${c.toString(16).padStart(4, '0')}`;
    return `\\U${c.toString(16).padStart(8, '0')}`;
  });
}
