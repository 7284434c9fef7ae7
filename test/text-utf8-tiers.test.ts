/**
 * UTF-8 text of every length around the points where the loader changes decoder (JS for short
 * text, Node's `utf8Slice` from 24 bytes when a byte is not ASCII, with a check for U+FFFD that
 * sends replaced text back to the exact decoder), as a str alone, a list item, a dict key and a
 * dict value: the str CPython loads, and an error wherever CPython refuses the bytes.
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { loads, UnpicklingError } from '../src/index.js';
import { stringsOf, unitsOf } from './support/loaded-strings.js';
import { fromHex, runPython } from './support/python.js';

interface Case {
  name: string;
  hex: string;
  /** The code units of what CPython loaded (a JSON string cannot carry a lone surrogate), or null when it refused. */
  units: number[][] | null;
}

const cases = JSON.parse(
  runPython(String.raw`
import json, pickle, struct
pieces = ['é', '€', '😀', '\ud800', '\udfff', '\ufffd', '\x7f', '\x80', 'ÿ', '\u0800', '\U0010ffff']
texts = []
for n in list(range(12, 34)) + [60, 100, 126, 127, 128, 129, 130, 200]:
    for piece in pieces:
        pb = len(piece.encode('utf-8', 'surrogatepass'))
        if pb > n:
            continue
        for where in ('start', 'middle', 'end'):
            k = (n - pb) if where == 'start' else 0 if where == 'end' else (n - pb) // 2
            t = ('a' * k + piece + 'b' * (n - pb - k)) if where != 'start' else (piece + 'c' * (n - pb))
            texts.append(('%d bytes, %r at %s' % (n, piece, where), t.encode('utf-8', 'surrogatepass')))
# bytes CPython refuses (and some it takes), placed in ASCII text of the same lengths
bad = [b'\xc0\x80', b'\x80', b'\xe2\x82', b'\xf5\x80\x80\x80', b'\xed\xa0', b'\xf0\x8f\xbf\xbf', b'\xff', b'\xc3']
for n in (15, 16, 23, 24, 25, 40, 128, 129, 140):
    for b in bad:
        for k in (0, (n - len(b)) // 2, n - len(b)):
            texts.append(('%d bytes, %r at %d' % (n, b, k), b'x' * k + b + b'y' * (n - len(b) - k)))
def sbu(raw):
    return (b'\x8c' + bytes([len(raw)]) + raw) if len(raw) < 256 else (b'X' + len(raw).to_bytes(4, 'little') + raw)
def bu(raw):
    return b'X' + len(raw).to_bytes(4, 'little') + raw
out = []
for name, raw in texts:
    for form, data in (
        ('alone', b'\x80\x04' + sbu(raw) + b'.'),
        ('alone, BINUNICODE', b'\x80\x02' + bu(raw) + b'.'),
        ('list item', b'\x80\x04](' + sbu(raw) + b'\x94' + sbu(raw) + b'e.'),
        ('dict key and value', b'\x80\x04}(' + sbu(b'k') + sbu(raw) + sbu(raw) + sbu(b'v') + b'u.'),
    ):
        try:
            v = pickle.loads(data)
            strs = [v] if isinstance(v, str) else v if isinstance(v, list) else [s for kv in v.items() for s in kv]
            encoded = [s.encode('utf-16-le', 'surrogatepass') for s in strs]
            units = [list(struct.unpack('<%dH' % (len(e) // 2), e)) for e in encoded]
        except Exception:
            units = None
        out.append({'name': '%s, %s' % (name, form), 'hex': data.hex(), 'units': units})
print(json.dumps(out))
`),
) as Case[];

suite('UTF-8 text around the decoder tiers', () => {
  test(`${cases.length} pickles load as CPython loads them, or fail where it fails`, () => {
    assert.ok(cases.length > 2000);
    assert.ok(cases.some((c) => c.units === null));
    for (let round = 0; round < 2; round++) {
      for (const c of cases) {
        const data = fromHex(c.hex);
        if (c.units === null) {
          assert.throws(() => loads(data), UnpicklingError, c.name);
          continue;
        }
        const got = stringsOf(loads(data)).map(unitsOf);
        assert.deepEqual(got, c.units, c.name);
      }
    }
  });
});
