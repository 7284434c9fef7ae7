/**
 * A minimal opcode walker over pickle bytes, driven by the opcode table (as
 * pickletools.genops is): yields each opcode's code and offset up to STOP.
 * Tests use it to see which opcodes a corpus exercises.
 */
import { OPCODE_BY_CODE } from '../../src/index.js';

export function* genops(data: Uint8Array): Generator<{ code: number; offset: number }> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  while (pos < data.length) {
    const offset = pos;
    const code = data[pos++]!;
    const info = OPCODE_BY_CODE[code];
    if (info === undefined) throw new Error(`not an opcode at ${offset}: ${code}`);
    yield { code, offset };
    if (code === 0x2e) return;
    const n = info.argBytes;
    if (n >= 0) pos += n;
    else if (n === -1) {
      pos = data.indexOf(0x0a, pos) + 1;
      if (code === 0x63 || code === 0x69) pos = data.indexOf(0x0a, pos) + 1; // GLOBAL, INST: two lines
    } else if (n === -2) pos += 1 + data[pos]!;
    else if (n === -3) pos += 4 + view.getInt32(pos, true);
    else if (n === -4) pos += 4 + view.getUint32(pos, true);
    else pos += 8 + view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 2 ** 32;
  }
}
