/**
 * The memo around the reductions of brine's value classes and around globals.
 *
 * A date or datetime is written from its fresh state bytes (the bytes and the
 * arguments' tuple memoized without a key, the object under itself), a value
 * reduced to a global called with atoms (a Decimal, a timedelta) without the
 * reduction's PyObject and steps, a UUID with its fresh state dict memoized
 * without a key, a datetime
 * with a tzinfo looks itself up again after the tzinfo only when an object
 * entered the memo meanwhile, and a global (`PyGlobal`) is looked up by
 * identity only once one entered the memo so (a `getattr(Outer, 'Inner')` form
 * below protocol 4). python3 pickles each case at protocols 0-5; brine loads
 * it (exact and plain), and dumps it at the same protocol to the same bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads, Pickler } from '../src/index.js';
import { casePickles, fromHex, runPython, toHex } from './support/python.js';

const CASES = `
import collections, datetime, decimal, fractions, ipaddress, uuid
from datetime import date, timedelta, timezone, tzinfo

class Outer:
    class Inner:
        pass

class OwnTZ(tzinfo):
    """A tzinfo that holds a date, or the datetime that uses it."""
    def __init__(self, held=None):
        self.held = held
    def utcoffset(self, dt):
        return timedelta(hours=1)

d = date(2024, 2, 5)
tz = timezone(timedelta(hours=2))
dt = datetime.datetime(2024, 2, 5, 10, 22, 38, 5978, tzinfo=tz)
naive = datetime.datetime(2023, 1, 1, 0, 0, 0, 1)
own = OwnTZ(d)
dt_own = datetime.datetime(2024, 3, 1, 12, 0, tzinfo=own)
loop = OwnTZ()
dt_loop = datetime.datetime(2024, 3, 2, 12, 0, tzinfo=loop)
loop.held = dt_loop
u = uuid.UUID(int=0x1234567890abcdef1234567890abcdef, version=4)
amount = decimal.Decimal('42617.93')
tags = collections.OrderedDict([('vip', 828), ('new', 717)])

def record(i):
    return {'id': u if i % 2 else uuid.UUID(int=i, version=4), 'created': dt if i % 3 else naive,
            'day': d if i % 2 else date(2024, 1, 1 + i % 28), 'amount': amount,
            'elapsed': timedelta(seconds=i), 'tags': tags if i % 4 else collections.OrderedDict(a=i)}

cases = [
    ('dates', [d, d, date(2024, 2, 5), [d], date(1, 1, 1), date(9999, 12, 31)]),
    ('datetimes', [dt, dt, datetime.datetime(2024, 2, 5, 10, 22, 38, 5978, tzinfo=tz), naive, naive,
                   datetime.datetime(2024, 2, 5, tzinfo=timezone.utc), tz]),
    ('date-in-tzinfo', [dt_own, d, dt_own, own]),
    ('date-before-tzinfo', [d, dt_own]),
    ('datetime-in-own-tzinfo', [dt_loop, dt_loop, loop]),
    ('tzinfo-first', [loop, dt_loop]),
    ('globals', [date, date, len, collections.OrderedDict, decimal.Decimal, date, uuid.UUID, Outer]),
    ('nested-class', [Outer.Inner, Outer.Inner, [Outer.Inner], Outer.Inner()]),
    ('records', [record(i) for i in range(40)]),
    ('uuids', [u, u, uuid.UUID(int=5), uuid.UUID(int=2**128 - 1, is_safe=uuid.SafeUUID.safe),
               uuid.UUID(int=7, is_safe=uuid.SafeUUID.unsafe), [u, {'u': u}]]),
    ('atom-reductions', [amount, amount, decimal.Decimal('7.5'), timedelta(1), timedelta(0, 5, 7),
                         [amount], fractions.Fraction(3, 4), ipaddress.ip_address('10.0.0.1'),
                         ipaddress.ip_address('::1'), decimal.Decimal('-Infinity'), amount]),
]
`;

const pickles = casePickles(CASES);

test('the value classes and globals dump to python3 bytes at protocols 0-5, loaded exact and plain', () => {
  assert.equal(pickles.length, 11);
  for (const [name, hexes] of pickles) {
    for (let proto = 0; proto <= 5; proto++) {
      const data = fromHex(hexes[proto]!);
      for (const exact of [true, false]) {
        const what = `${name} at protocol ${proto}${exact ? ' (exact load)' : ''}`;
        const value = loads(data, { exact });
        assert.equal(toHex(dumps(value, { protocol: proto })), hexes[proto], `${what}: dumps`);
        // Twice in a row (the shared pickler's memo emptied between), and by a new pickler.
        assert.equal(toHex(dumps(value, { protocol: proto })), hexes[proto], `${what}: dumps again`);
        assert.equal(toHex(new Pickler({ protocol: proto }).dump(value)), hexes[proto], `${what}: Pickler`);
      }
    }
  }
});

test('a kept memo finds the global, date and datetime of the first dump again', () => {
  // python3's own: one pickler dumps a case, then its first item alone (a reference to the memo).
  const seconds = JSON.parse(
    runPython(`${CASES}
import io, json, pickle, sys
out = {}
for name, value in cases:
    if name in ('dates', 'datetimes', 'nested-class', 'date-in-tzinfo', 'atom-reductions', 'uuids'):
        out[name] = []
        for p in range(6):
            f = io.BytesIO()
            pickler = pickle.Pickler(f, p)
            pickler.dump(value)
            start = f.tell()
            pickler.dump(value[0])
            out[name].append(f.getvalue()[start:].hex())
sys.stdout.write(json.dumps(out))
`),
  ) as Record<string, string[]>;
  for (const [name, hexes] of pickles) {
    const want = seconds[name];
    if (want === undefined) continue;
    for (let proto = 0; proto <= 5; proto++) {
      const value = loads(fromHex(hexes[proto]!)) as unknown[];
      const pickler = new Pickler({ protocol: proto });
      pickler.dump(value);
      assert.equal(toHex(pickler.dump(value[0])), want[proto], `${name} at protocol ${proto}`);
    }
  }
});
