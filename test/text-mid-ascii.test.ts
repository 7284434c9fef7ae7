/**
 * Text of 14-40 bytes (and a few longer lengths), where the loader builds ASCII strings of 16-31
 * bytes from their bytes in JS and scans longer text four bytes a step for its first non-ASCII
 * byte: every text ASCII throughout, and with a non-ASCII character, a stray continuation byte or
 * an invalid byte at every position, as a str alone, as list items, and as dict keys and values,
 * at protocols 2 (BINUNICODE) and 4 (SHORT_BINUNICODE). Each loads to the str CPython loads, or
 * fails where CPython fails: at the same opcode, and at the same byte of the text as CPython's
 * UnicodeDecodeError. The loaded strings dumped by brine load in python3 to the same texts.
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { dumps, loads, UnpicklingError } from '../src/index.js';
import { runs, size } from './support/budget.js';
import { stringsOf, unitsOf } from './support/loaded-strings.js';
import { fromHex, runPython, toHex } from './support/python.js';

interface Case {
  name: string;
  hex: string;
  /** The code units of each str CPython loaded, in order (JSON cannot carry lone surrogates). */
  units: number[][] | null;
  /** Where CPython refused: the offset of the str opcode, and the byte of the text it named. */
  opcodeAt: number | null;
  byteAt: number | null;
}

const cases = JSON.parse(
  runPython(
    String.raw`
import json, pickle, struct, sys
EVERY = int(sys.argv[1])
ascii = bytes(range(32, 127)) + b'\x00\x01\x7f'
def text(n, shift):
    return bytes(ascii[(i * 7 + shift) % len(ascii)] for i in range(n))
texts = []
for n in list(range(14, 41)) + [47, 48, 63, 64, 65, 100, 127, 128]:
    texts.append(('%d ASCII bytes' % n, text(n, n)))
    # Every position up to 40 bytes (the JS tier and the first scanned lengths); past it, the
    # positions near the start, the middle and the end, each remainder of four among them.
    where = range(n) if n <= 40 else sorted(set(list(range(9)) + list(range(n // 2 - 4, n // 2 + 4)) + list(range(n - 8, n))))
    for k in where:
        base = bytearray(text(n, k))
        for label, piece in (('e-acute', 'é'.encode()), ('euro', '€'.encode()), ('lone surrogate', '\ud800'.encode('utf-8', 'surrogatepass')),
                             ('0x80', b'\x80'), ('0xff', b'\xff'), ('0xc3 cut', b'\xc3')):
            if k + len(piece) > n or (label not in ('e-acute', '0x80') and k % EVERY != 0):
                continue
            if label == '0xc3 cut' and k + 1 < n:
                raw = bytes(base[:k]) + piece + b'A' + bytes(base[k + 2:])
            else:
                raw = bytes(base[:k]) + piece + bytes(base[k + len(piece):])
            texts.append(('%d bytes, %s at %d' % (n, label, k), raw))
def sbu(raw):
    return b'\x8c' + bytes([len(raw)]) + raw
def bu(raw):
    return b'X' + len(raw).to_bytes(4, 'little') + raw
out = []
for name, raw in texts:
    forms = []
    # (name, pickle, offset of the first str opcode that holds raw)
    forms.append(('alone', b'\x80\x04' + sbu(raw) + b'.', 2))
    forms.append(('alone, BINUNICODE', b'\x80\x02' + bu(raw) + b'.', 2))
    forms.append(('list items', b'\x80\x04](' + sbu(b'0123456789abcdefghij') + b'\x94' + sbu(raw) + b'\x94' + sbu(raw) + b'e.', 27))
    forms.append(('list items, BINUNICODE', b'\x80\x02](' + bu(raw) + b'q\x00' + bu(raw) + b'e.', 4))
    forms.append(('dict key and value', b'\x80\x04}(' + sbu(b'k') + sbu(raw) + sbu(raw) + sbu(b'v') + b'u.', 7))
    forms.append(('dict key and value, BINUNICODE', b'\x80\x02}(' + bu(raw) + bu(raw) + b'u.', 4))
    for form, data, at in forms:
        units = opcode_at = byte_at = None
        try:
            v = pickle.loads(data)
            strs = [v] if isinstance(v, str) else v if isinstance(v, list) else [s for kv in v.items() for s in kv]
            encoded = [s.encode('utf-16-le', 'surrogatepass') for s in strs]
            units = [list(struct.unpack('<%dH' % (len(e) // 2), e)) for e in encoded]
        except UnicodeDecodeError as e:
            opcode_at, byte_at = at, e.start
        out.append({'name': '%s, %s' % (name, form), 'hex': data.hex(), 'units': units, 'opcodeAt': opcode_at, 'byteAt': byte_at})
print(json.dumps(out))
`,
    // The other pieces at every position under \`npm run fuzz\`, at every third one under \`npm test\`.
    [String(size(3, 1))],
  ),
) as Case[];

suite('text of 14-128 bytes: ASCII built in JS, the first non-ASCII byte found four at a time', () => {
  test(`${cases.length} pickles load as CPython loads them, or fail at the same opcode and byte`, () => {
    assert.ok(cases.length > 5000);
    assert.ok(cases.some((c) => c.units === null));
    // Decoded once: the rounds below time nothing but the loads and a string compare.
    const inputs = cases.map((c) => fromHex(c.hex));
    const texts = cases.map((c) => (c.units === null ? null : c.units.map((u) => String.fromCharCode(...u))));
    // Rounds: the later ones run the decoders as V8 optimizes them.
    const rounds = runs(2, 10);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i]!;
        const want = texts[i];
        if (want === null || want === undefined) {
          // A refusal costs a stack trace: checked in the first round (the texts that load run the
          // same decoders into their non-ASCII paths in every round).
          if (round > 0) continue;
          assert.throws(
            () => loads(inputs[i]!),
            (error: unknown) => {
              assert.ok(error instanceof UnpicklingError, c.name);
              assert.equal(error.offset, c.opcodeAt, c.name);
              assert.match(error.reason, new RegExp(`at byte ${c.byteAt} of the string`), c.name);
              return true;
            },
          );
          continue;
        }
        const got = stringsOf(loads(inputs[i]!));
        if (got.length !== want.length || got.some((s, j) => s !== want[j])) {
          assert.deepEqual(got.map(unitsOf), c.units, c.name);
        }
      }
    }
  });

  test('python3 loads brine dumps of the loaded texts to the same texts', () => {
    const loaded: string[] = [];
    for (const c of cases) {
      // Lone surrogates dump as CPython writes them (surrogatepass); keep to what loaded.
      if (c.units !== null && c.name.includes(', alone,')) loaded.push(loads(fromHex(c.hex)) as string);
    }
    assert.ok(loaded.length > 1000);
    const expected = cases
      .filter((c) => c.units !== null && c.name.includes(', alone,'))
      .map((c) => toHex(fromHex(c.hex)));
    for (const protocol of [2, 4, 5]) {
      const reply = runPython(
        `
import json, pickle, sys
given = json.load(sys.stdin)
items = pickle.loads(bytes.fromhex(given['dump']))
originals = [pickle.loads(bytes.fromhex(h)) for h in given['originals']]
assert items == originals, [i for i, (a, b) in enumerate(zip(items, originals)) if a != b][:5]
print(len(items))
`,
        [],
        JSON.stringify({ dump: toHex(dumps(loaded, { protocol })), originals: expected }),
      );
      assert.equal(reply.trim(), String(loaded.length));
    }
  });
});
