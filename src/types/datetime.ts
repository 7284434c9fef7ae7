/**
 * Python's `datetime` module values: `date`, `time`, `datetime`, `timedelta`,
 * `timezone`, and `zoneinfo.ZoneInfo`. Each holds exactly what Python holds
 * (microseconds, `fold`, the tzinfo object) and pickles back to the bytes
 * CPython writes; conversions to JS `Date` say where they lose precision.
 *
 * @module
 */
import { PicklingError } from '../errors.js';
import { escapeUntrusted } from '../python-repr.js';
import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REDUCE, PY_REPR, type Reduction } from './protocol.js';
import { G_GETATTR, PyGlobal } from './py-global.js';
import { PyObject } from './py-object.js';
import { pyRepr, type ReprFn, reprString } from './py-repr.js';

const G_DATE = new PyGlobal('datetime', 'date');
const G_TIME = new PyGlobal('datetime', 'time');
const G_DATETIME = new PyGlobal('datetime', 'datetime');
const G_TIMEDELTA = new PyGlobal('datetime', 'timedelta');
const G_TIMEZONE = new PyGlobal('datetime', 'timezone');
const G_ZONEINFO = new PyGlobal('zoneinfo', 'ZoneInfo');

const US_PER_DAY = 86_400_000_000n;
const MAX_DAYS = 999_999_999;

function fail(reason: string): never {
  throw new PicklingError(reason);
}

function checkInt(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`${name} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Days in `month` of `year`. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Days from 0001-01-01 (day 1, as Python's `toordinal`). */
function toOrdinal(year: number, month: number, day: number): number {
  const y = year - 1;
  let days = y * 365 + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400);
  for (let m = 1; m < month; m++) days += daysInMonth(year, m);
  return days + day;
}

/** Days from 1970-01-01 to the date. */
function epochDay(year: number, month: number, day: number): number {
  return toOrdinal(year, month, day) - 719_163;
}

/**
 * A tzinfo brine understands: its UTC offset for a wall time, in microseconds,
 * or undefined (also for a zone key the runtime's time zone data does not know).
 */
function offsetOf(tzinfo: unknown, wall: PyDateTime | null): bigint | undefined {
  if (tzinfo instanceof PyTimezone) return tzinfo.offset.totalMicroseconds();
  if (tzinfo instanceof PyZoneInfo && wall !== null) {
    try {
      return tzinfo.utcOffsetMicroseconds(wall);
    } catch (error) {
      if (error instanceof PicklingError) return undefined;
      throw error;
    }
  }
  return undefined;
}

/** `+HH:MM[:SS[.ffffff]]` for an offset in microseconds, as Python's isoformat writes it. */
function formatOffset(us: bigint, separator = ':'): string {
  const sign = us < 0n ? '-' : '+';
  let rest = us < 0n ? -us : us;
  const micro = Number(rest % 1_000_000n);
  rest /= 1_000_000n;
  const seconds = Number(rest % 60n);
  rest /= 60n;
  const minutes = Number(rest % 60n);
  const hours = Number(rest / 60n);
  let out = `${sign}${pad(hours)}${separator}${pad(minutes)}`;
  if (seconds !== 0 || micro !== 0) out += `${separator}${pad(seconds)}`;
  if (micro !== 0) out += `.${pad(micro, 6)}`;
  return out;
}

function reprOf(value: unknown, repr: ReprFn): string {
  return repr(value);
}

interface TimeFields {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  readonly tzinfo: unknown;
  readonly fold: number;
}

/** The repr of a time or datetime: trailing zero seconds and microseconds left out, then fold and tzinfo. */
function reprTimeFields(cls: string, date: number[], t: TimeFields, repr: ReprFn): string {
  const fields = [...date, t.hour, t.minute];
  if (t.second !== 0 || t.microsecond !== 0) fields.push(t.second);
  if (t.microsecond !== 0) fields.push(t.microsecond);
  let out = `${cls}(${fields.join(', ')}`;
  if (t.fold !== 0) out += `, fold=${t.fold}`;
  if (t.tzinfo !== null) out += `, tzinfo=${reprOf(t.tzinfo, repr)}`;
  return `${out})`;
}

/**
 * Python's `datetime.timedelta`: a duration in days, seconds (0..86399) and
 * microseconds (0..999999), normalised as Python normalises it.
 */
export class PyTimeDelta {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly days: number;
  readonly seconds: number;
  readonly microseconds: number;

  /** `timedelta(days, seconds, microseconds)`; integers, normalised like Python. */
  constructor(days = 0, seconds = 0, microseconds = 0) {
    for (const [v, name] of [
      [days, 'days'],
      [seconds, 'seconds'],
      [microseconds, 'microseconds'],
    ] as const) {
      if (!Number.isSafeInteger(v)) fail(`timedelta ${name} must be a safe integer, got ${v}`);
    }
    if (
      seconds >= 0 &&
      seconds < 86_400 &&
      microseconds >= 0 &&
      microseconds < 1_000_000 &&
      Math.abs(days) <= MAX_DAYS
    ) {
      // Already normalised, as every pickled timedelta is.
      this.days = days + 0; // never -0
      this.seconds = seconds + 0;
      this.microseconds = microseconds + 0;
      return;
    }
    const total = (BigInt(days) * 86_400n + BigInt(seconds)) * 1_000_000n + BigInt(microseconds);
    const [d, s, us] = splitMicroseconds(total);
    this.days = d;
    this.seconds = s;
    this.microseconds = us;
  }

  /** A timedelta of `us` microseconds. */
  static fromMicroseconds(us: bigint | number): PyTimeDelta {
    const [d, s, micro] = splitMicroseconds(BigInt(us));
    return new PyTimeDelta(d, s, micro);
  }

  /** The whole duration in microseconds (exact). */
  totalMicroseconds(): bigint {
    return BigInt(this.days) * US_PER_DAY + BigInt(this.seconds * 1_000_000 + this.microseconds);
  }

  /** Python's `total_seconds()`. */
  totalSeconds(): number {
    return this.days * 86_400 + this.seconds + this.microseconds / 1e6;
  }

  /** The duration in seconds, so that timedeltas compare with `<` and `>`. */
  valueOf(): number {
    return this.totalSeconds();
  }

  /** Python's `str()`: `1 day, 0:00:02.000003`. */
  toString(): string {
    const hours = Math.floor(this.seconds / 3600);
    const minutes = Math.floor((this.seconds % 3600) / 60);
    let out = `${hours}:${pad(minutes)}:${pad(this.seconds % 60)}`;
    if (this.microseconds !== 0) out += `.${pad(this.microseconds, 6)}`;
    if (this.days !== 0) out = `${this.days} day${Math.abs(this.days) === 1 ? '' : 's'}, ${out}`;
    return out;
  }

  [PY_REPR](): string {
    const parts: string[] = [];
    if (this.days !== 0) parts.push(`days=${this.days}`);
    if (this.seconds !== 0) parts.push(`seconds=${this.seconds}`);
    if (this.microseconds !== 0) parts.push(`microseconds=${this.microseconds}`);
    return `datetime.timedelta(${parts.length === 0 ? '0' : parts.join(', ')})`;
  }

  [PY_REDUCE](): Reduction {
    return { callable: G_TIMEDELTA, args: [this.days, this.seconds, this.microseconds] };
  }

  toJSON(): string {
    return this.toString();
  }
}

function splitMicroseconds(total: bigint): [number, number, number] {
  let days = total / US_PER_DAY;
  let rest = total % US_PER_DAY;
  if (rest < 0n) {
    rest += US_PER_DAY;
    days -= 1n;
  }
  if (days > BigInt(MAX_DAYS) || days < BigInt(-MAX_DAYS))
    fail(`days=${days}; must have magnitude <= ${MAX_DAYS}`);
  return [Number(days), Number(rest / 1_000_000n), Number(rest % 1_000_000n)];
}

/** Python's `datetime.timezone`: a fixed offset from UTC, with an optional name. */
export class PyTimezone {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** The offset from UTC, strictly between -24 and +24 hours. */
  readonly offset: PyTimeDelta;
  /** The name given to the constructor, or `null` (then `str()` is `UTC+HH:MM`). */
  readonly name: string | null;

  /** `datetime.timezone.utc`. */
  static readonly utc: PyTimezone = new PyTimezone(new PyTimeDelta());

  constructor(offset: PyTimeDelta, name: string | null = null) {
    const us = offset.totalMicroseconds();
    if (us <= -US_PER_DAY || us >= US_PER_DAY)
      fail('offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)');
    this.offset = offset;
    this.name = name;
  }

  /** True for UTC without a name (`timezone.utc`). */
  get isUTC(): boolean {
    return this.name === null && this.offset.totalMicroseconds() === 0n;
  }

  /** Python's `str()`: the name, `UTC`, or `UTC+01:00`. */
  toString(): string {
    if (this.name !== null) return this.name;
    const us = this.offset.totalMicroseconds();
    return us === 0n ? 'UTC' : `UTC${formatOffset(us)}`;
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    if (this.isUTC) return 'datetime.timezone.utc';
    const offset = reprOf(this.offset, repr);
    return this.name === null
      ? `datetime.timezone(${offset})`
      : `datetime.timezone(${offset}, ${reprOf(this.name, repr)})`;
  }

  [PY_REDUCE](): Reduction {
    return { callable: G_TIMEZONE, args: this.name === null ? [this.offset] : [this.offset, this.name] };
  }

  toJSON(): string {
    return this.toString();
  }
}

/**
 * Formatters by canonical zone name (what `resolvedOptions().timeZone` says),
 * and the zone names a pickle gave, each mapped to its canonical name. Both
 * are bounded, least recently used first out: a pickle chooses its keys, and
 * keys differing only in case once each kept a formatter for the life of the
 * process (20,000 of them held 770 MB).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const canonicalNames = new Map<string, string>();
/** The most formatters kept (a program rarely uses more zones than this). */
const MAX_FORMATTERS = 64;
/** The most zone names remembered. */
const MAX_NAMES = 256;

/** `map.get(key)`, marking the entry as the most recently used. */
function touch<K, V>(map: Map<K, V>, key: K): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

/** `map.set(key, value)`, dropping the least recently used entries beyond `max`. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}

/** How many zone formatters and zone names are cached (for tests of the bounds). @internal */
export function zoneCacheSizes(): { formatters: number; names: number } {
  return { formatters: formatters.size, names: canonicalNames.size };
}

function zoneFormatter(key: string): Intl.DateTimeFormat {
  const canonical = touch(canonicalNames, key);
  if (canonical !== undefined) {
    const known = touch(formatters, canonical);
    if (known !== undefined) return known;
  }
  let f: Intl.DateTimeFormat;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: key,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  } catch {
    fail(`the time zone '${escapeUntrusted(key, 100)}' is not known to this JavaScript runtime`);
  }
  const name = f.resolvedOptions().timeZone;
  remember(canonicalNames, key, name, MAX_NAMES);
  const known = touch(formatters, name);
  if (known !== undefined) return known;
  remember(formatters, name, f, MAX_FORMATTERS);
  return f;
}

/**
 * Python's `zoneinfo.ZoneInfo`, by key (`'Europe/Paris'`). Pickles hold only
 * the key; offsets are computed with the runtime's time zone database (`Intl`)
 * when a conversion needs them.
 */
export class PyZoneInfo {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** The IANA key. */
  readonly key: string;
  /** False for `ZoneInfo.no_cache(key)` (pickled as such). */
  readonly cached: boolean;

  constructor(key: string, cached = true) {
    this.key = key;
    this.cached = cached;
  }

  /** The zone's UTC offset (seconds resolution) at the instant `ms` (Unix milliseconds). */
  offsetAt(ms: number): number {
    const parts = zoneFormatter(this.key).formatToParts(new Date(ms));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    let year = get('year');
    if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
    const wall =
      epochDay(year, get('month'), get('day')) * 86_400_000 +
      (get('hour') * 3600 + get('minute') * 60 + get('second')) * 1000;
    return wall - (ms - (((ms % 1000) + 1000) % 1000));
  }

  /**
   * The UTC offset, in microseconds, of a wall time in this zone, as Python's
   * zoneinfo resolves it: `fold` picks the first or second of an ambiguous
   * time, and for a time in a gap the offset before (fold 0) or after (fold 1)
   * the transition.
   */
  utcOffsetMicroseconds(wall: PyDateTime): bigint {
    const wallMs =
      epochDay(wall.year, wall.month, wall.day) * 86_400_000 +
      (wall.hour * 3600 + wall.minute * 60 + wall.second) * 1000;
    const before = this.offsetAt(wallMs - 86_400_000);
    const after = this.offsetAt(wallMs + 86_400_000);
    let offset = before;
    if (before !== after) {
      const validBefore = this.offsetAt(wallMs - before) === before;
      const validAfter = this.offsetAt(wallMs - after) === after;
      if (validBefore && validAfter) offset = wall.fold === 0 ? before : after;
      else if (validBefore) offset = before;
      else if (validAfter) offset = after;
      else offset = wall.fold === 0 ? before : after;
    }
    return BigInt(offset) * 1000n;
  }

  toString(): string {
    return this.key;
  }

  [PY_REPR](): string {
    return `zoneinfo.ZoneInfo(key=${reprString(this.key)})`;
  }

  [PY_REDUCE](): Reduction {
    // ZoneInfo.__reduce__: (ZoneInfo._unpickle, (key, from_cache)); the classmethod pickles as getattr(ZoneInfo, '_unpickle').
    const unpickle = new PyObject('reduce', G_GETATTR, Object.freeze([G_ZONEINFO, '_unpickle']));
    return { callable: unpickle, args: [this.key, this.cached ? 1 : 0] };
  }

  toJSON(): string {
    return this.key;
  }
}

/** Python's `datetime.date`. */
export class PyDate {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly year: number;
  readonly month: number;
  readonly day: number;

  constructor(year: number, month: number, day: number) {
    checkInt(year, 'year', 1, 9999);
    checkInt(month, 'month', 1, 12);
    checkInt(day, 'day', 1, daysInMonth(year, month));
    this.year = year;
    this.month = month;
    this.day = day;
  }

  /** ISO format, `YYYY-MM-DD` (Python's `str()`). */
  toString(): string {
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
  }

  /** Midnight UTC of the date, as a JS `Date` (lossless). */
  toDate(): Date {
    return new Date(epochDay(this.year, this.month, this.day) * 86_400_000);
  }

  [PY_REPR](): string {
    return `datetime.date(${this.year}, ${this.month}, ${this.day})`;
  }

  [PY_REDUCE](): Reduction {
    const state = new Uint8Array([this.year >> 8, this.year & 0xff, this.month, this.day]);
    return { callable: G_DATE, args: [state] };
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Python's `datetime.time`, with its tzinfo and `fold`. */
export class PyTime {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  /** `null` (naive), a {@link PyTimezone}, a {@link PyZoneInfo}, or any tzinfo value a pickle held. */
  readonly tzinfo: unknown;
  /** 0 or 1: which of two equal wall times (PEP 495). */
  readonly fold: number;

  constructor(hour = 0, minute = 0, second = 0, microsecond = 0, tzinfo: unknown = null, fold = 0) {
    this.hour = checkInt(hour, 'hour', 0, 23);
    this.minute = checkInt(minute, 'minute', 0, 59);
    this.second = checkInt(second, 'second', 0, 59);
    this.microsecond = checkInt(microsecond, 'microsecond', 0, 999_999);
    this.tzinfo = tzinfo ?? null;
    this.fold = checkInt(fold, 'fold', 0, 1);
  }

  /** ISO format, `HH:MM:SS[.ffffff][+HH:MM]` (Python's `str()`). */
  toString(): string {
    let out = `${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}`;
    if (this.microsecond !== 0) out += `.${pad(this.microsecond, 6)}`;
    const offset = offsetOf(this.tzinfo, null);
    if (offset !== undefined) out += formatOffset(offset);
    return out;
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    return reprTimeFields('datetime.time', [], this, repr);
  }

  [PY_REDUCE](protocol: number): Reduction {
    const us = this.microsecond;
    const hour = protocol > 3 && this.fold === 1 ? this.hour | 0x80 : this.hour;
    const state = new Uint8Array([hour, this.minute, this.second, us >> 16, (us >> 8) & 0xff, us & 0xff]);
    return { callable: G_TIME, args: this.tzinfo === null ? [state] : [state, this.tzinfo] };
  }

  toJSON(): string {
    return this.toString();
  }
}

/** How {@link PyDateTime.toDate} reads a naive datetime. */
export interface ToDateOptions {
  /** `'utc'` (default): the wall time is UTC. `'local'`: it is the JS runtime's local time. */
  naive?: 'utc' | 'local';
}

/**
 * Python's `datetime.datetime`: naive (`tzinfo` null) or aware, with
 * microseconds and `fold`. A JS `Date` dumps as an aware UTC datetime;
 * {@link PyDateTime.toDate} converts back, dropping microseconds below a
 * millisecond (a `Date` holds milliseconds).
 */
export class PyDateTime {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  /** `null` (naive), a {@link PyTimezone}, a {@link PyZoneInfo}, or any tzinfo value a pickle held. */
  readonly tzinfo: unknown;
  /** 0 or 1: which of two equal wall times (PEP 495). */
  readonly fold: number;

  constructor(
    year: number,
    month: number,
    day: number,
    hour = 0,
    minute = 0,
    second = 0,
    microsecond = 0,
    tzinfo: unknown = null,
    fold = 0,
  ) {
    checkInt(year, 'year', 1, 9999);
    checkInt(month, 'month', 1, 12);
    this.year = year;
    this.month = month;
    this.day = checkInt(day, 'day', 1, daysInMonth(year, month));
    this.hour = checkInt(hour, 'hour', 0, 23);
    this.minute = checkInt(minute, 'minute', 0, 59);
    this.second = checkInt(second, 'second', 0, 59);
    this.microsecond = checkInt(microsecond, 'microsecond', 0, 999_999);
    this.tzinfo = tzinfo ?? null;
    this.fold = checkInt(fold, 'fold', 0, 1);
  }

  /**
   * The aware UTC datetime of a JS `Date` (what `dumps` writes for a `Date`).
   * @throws {@link PicklingError} for an invalid `Date` or one outside years 1..9999.
   */
  static fromDate(date: Date): PyDateTime {
    const ms = date.getTime();
    if (Number.isNaN(ms)) fail('cannot pickle an invalid Date');
    const year = date.getUTCFullYear();
    if (year < 1 || year > 9999) fail(`year ${year} is out of range for a Python datetime (1..9999)`);
    return new PyDateTime(
      year,
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds() * 1000,
      PyTimezone.utc,
    );
  }

  /** True when the datetime has a tzinfo. */
  get aware(): boolean {
    return this.tzinfo !== null;
  }

  /** The date part. */
  date(): PyDate {
    return new PyDate(this.year, this.month, this.day);
  }

  /** The time part, without tzinfo (Python's `time()`). */
  time(): PyTime {
    return new PyTime(this.hour, this.minute, this.second, this.microsecond, null, this.fold);
  }

  /** The UTC offset in microseconds, or `undefined` when naive or the tzinfo is not one brine knows. */
  utcOffsetMicroseconds(): bigint | undefined {
    return offsetOf(this.tzinfo, this);
  }

  /**
   * Microseconds since the Unix epoch, exact. A naive datetime is read as UTC
   * unless `options.naive` is `'local'`.
   * @throws {@link PicklingError} when the tzinfo is one brine cannot evaluate.
   */
  toEpochMicroseconds(options?: ToDateOptions): bigint {
    const wall =
      BigInt(epochDay(this.year, this.month, this.day)) * US_PER_DAY +
      BigInt((this.hour * 3600 + this.minute * 60 + this.second) * 1_000_000 + this.microsecond);
    if (this.tzinfo === null) {
      if (options?.naive !== 'local') return wall;
      const local = new Date(
        this.year,
        this.month - 1,
        this.day,
        this.hour,
        this.minute,
        this.second,
        Math.floor(this.microsecond / 1000),
      );
      if (this.year < 100) local.setFullYear(this.year);
      return BigInt(local.getTime()) * 1000n + BigInt(this.microsecond % 1000);
    }
    const offset = offsetOf(this.tzinfo, this);
    if (offset === undefined) fail(`cannot convert a datetime whose tzinfo is ${String(this.tzinfo)}`);
    return wall - offset;
  }

  /**
   * The instant as a JS `Date`. Lossy below the millisecond: microseconds are
   * truncated to milliseconds. A naive datetime is read as UTC unless
   * `options.naive` is `'local'`; a `ZoneInfo` zone is resolved with the
   * runtime's time zone data (`Intl`), `fold` choosing between repeated times.
   * A tzinfo brine cannot evaluate (a custom class, a zone the runtime does not
   * know) has no instant: the result is then an invalid `Date` (`getTime()` is
   * NaN), as JS's own constructors answer, and {@link PyDateTime.toEpochMicroseconds}
   * says why.
   */
  toDate(options?: ToDateOptions): Date {
    if (this.tzinfo !== null && offsetOf(this.tzinfo, this) === undefined) return new Date(Number.NaN);
    const us = this.toEpochMicroseconds(options);
    const ms = us >= 0n ? us / 1000n : -((-us + 999n) / 1000n);
    return new Date(Number(ms));
  }

  /** ISO format with `sep` between date and time (Python's `isoformat`). */
  isoformat(sep = 'T'): string {
    let out = `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}${sep}${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}`;
    if (this.microsecond !== 0) out += `.${pad(this.microsecond, 6)}`;
    if (this.tzinfo !== null) {
      const offset = offsetOf(this.tzinfo, this);
      if (offset !== undefined) out += formatOffset(offset);
    }
    return out;
  }

  /** Python's `str()`: `2020-01-02 03:04:05.000006+01:00`. */
  toString(): string {
    return this.isoformat(' ');
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    return reprTimeFields('datetime.datetime', [this.year, this.month, this.day], this, repr);
  }

  [PY_REDUCE](protocol: number): Reduction {
    const us = this.microsecond;
    const month = protocol > 3 && this.fold === 1 ? this.month | 0x80 : this.month;
    const state = new Uint8Array([
      this.year >> 8,
      this.year & 0xff,
      month,
      this.day,
      this.hour,
      this.minute,
      this.second,
      us >> 16,
      (us >> 8) & 0xff,
      us & 0xff,
    ]);
    return { callable: G_DATETIME, args: this.tzinfo === null ? [state] : [state, this.tzinfo] };
  }

  toJSON(): string {
    return this.isoformat();
  }
}
