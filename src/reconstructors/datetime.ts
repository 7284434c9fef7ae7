/**
 * Reconstructors for `datetime` and `zoneinfo`. CPython pickles date, time
 * and datetime as a packed byte state (`bytes` in Python 3; a `str` under
 * Python 2, which loads as text with `encoding: 'latin1'` or as bytes with
 * `encoding: 'bytes'`); both are accepted, as Python's constructors accept
 * them. Other argument shapes are plain field values.
 *
 * @module
 */
import type { Entry, Reconstructor } from '../reconstruct.js';
import {
  daysInMonth,
  PyDate,
  PyDateTime,
  PyTime,
  PyTimeDelta,
  PyTimezone,
  PyZoneInfo,
} from '../types/datetime.js';
import type { Tuple } from '../types/tuple.js';
import { build } from './shared.js';

/** The packed state as bytes: bytes as they are, a str of code points < 256 as Python's latin-1 encoding. */
function stateBytes(value: unknown, length: number): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value.length === length ? value : undefined;
  if (typeof value !== 'string' || value.length !== length) return undefined;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

function isSmallInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

const dateReconstructor: Reconstructor = {
  call(args, context) {
    const state = args.length === 1 ? stateBytes(args[0], 4) : undefined;
    if (state !== undefined && state[2]! >= 1 && state[2]! <= 12) {
      const year = state[0]! * 256 + state[1]!;
      return build(context, () => new PyDate(year, state[2]!, state[3]!));
    }
    if (args.length === 3 && args.every(isSmallInt)) {
      const [y, m, d] = args as Tuple<number>;
      return build(context, () => new PyDate(y!, m!, d!));
    }
    return context.inert('reduce', context.global, args);
  },
};

const timeReconstructor: Reconstructor = {
  call(args, context) {
    const state = args.length === 1 || args.length === 2 ? stateBytes(args[0], 6) : undefined;
    if (state !== undefined && (state[0]! & 0x7f) < 24) {
      const us = (state[3]! << 16) | (state[4]! << 8) | state[5]!;
      const fold = state[0]! >> 7;
      return build(
        context,
        () => new PyTime(state[0]! & 0x7f, state[1]!, state[2]!, us, args[1] ?? null, fold),
      );
    }
    if (args.length <= 4 && args.every(isSmallInt)) {
      const [h = 0, mi = 0, s = 0, us = 0] = args as Tuple<number>;
      return build(context, () => new PyTime(h, mi, s, us));
    }
    return context.inert('reduce', context.global, args);
  },
};

const datetimeReconstructor: Reconstructor = {
  call(args, context) {
    const state = args.length === 1 || args.length === 2 ? stateBytes(args[0], 10) : undefined;
    if (state !== undefined && (state[2]! & 0x7f) >= 1 && (state[2]! & 0x7f) <= 12) {
      const year = state[0]! * 256 + state[1]!;
      const month = state[2]! & 0x7f;
      const us = (state[7]! << 16) | (state[8]! << 8) | state[9]!;
      const fold = state[2]! >> 7;
      if (state[3]! < 1 || state[3]! > daysInMonth(year, month))
        context.fail('day is out of range for month');
      return build(
        context,
        () =>
          new PyDateTime(year, month, state[3]!, state[4]!, state[5]!, state[6]!, us, args[1] ?? null, fold),
      );
    }
    if (args.length >= 3 && args.length <= 7 && args.every(isSmallInt)) {
      const [y, m, d, h = 0, mi = 0, s = 0, us = 0] = args as Tuple<number>;
      return build(context, () => new PyDateTime(y!, m!, d!, h, mi, s, us));
    }
    return context.inert('reduce', context.global, args);
  },
};

const timedeltaReconstructor: Reconstructor = {
  call(args, context) {
    if (args.length <= 3 && args.every(isSmallInt)) {
      const [d = 0, s = 0, us = 0] = args as Tuple<number>;
      return build(context, () => new PyTimeDelta(d, s, us));
    }
    return context.inert('reduce', context.global, args);
  },
};

const timezoneReconstructor: Reconstructor = {
  call(args, context) {
    const [offset, name] = args;
    if (
      (args.length === 1 || args.length === 2) &&
      offset instanceof PyTimeDelta &&
      (name === undefined || typeof name === 'string')
    ) {
      if (args.length === 1 && offset.totalMicroseconds() === 0n) return PyTimezone.utc;
      return build(context, () => new PyTimezone(offset, name ?? null));
    }
    return context.inert('reduce', context.global, args);
  },
};

const zoneinfoUnpickle: Reconstructor = {
  // ZoneInfo._unpickle(key, from_cache), reached as getattr(ZoneInfo, '_unpickle').
  call(args, context) {
    const [key, fromCache] = args;
    if (
      args.length === 2 &&
      typeof key === 'string' &&
      (fromCache === 0 || fromCache === 1 || typeof fromCache === 'boolean')
    )
      return new PyZoneInfo(key, Boolean(fromCache));
    return context.inert('reduce', context.global, args);
  },
};

const zoneinfoClass: Reconstructor = {
  // ZoneInfo(key), as a hand-written pickle may call it.
  call(args, context) {
    const [key] = args;
    if (args.length === 1 && typeof key === 'string') return new PyZoneInfo(key);
    return context.inert('reduce', context.global, args);
  },
};

/** `datetime` and `zoneinfo` reconstructors, as `[module, name, reconstructor]`: part of the `stdlib` table. */
export function datetimeEntries(): Entry[] {
  return [
    ['datetime', 'date', dateReconstructor],
    ['datetime', 'time', timeReconstructor],
    ['datetime', 'datetime', datetimeReconstructor],
    ['datetime', 'timedelta', timedeltaReconstructor],
    ['datetime', 'timezone', timezoneReconstructor],
    ['zoneinfo', 'ZoneInfo', zoneinfoClass],
    ['zoneinfo', 'ZoneInfo._unpickle', zoneinfoUnpickle],
  ];
}
