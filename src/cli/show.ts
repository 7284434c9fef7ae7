/**
 * `brine show`: prints every pickle of each file as `python -m pickle` does
 * (pprint's layout), or the JSON view; nothing a pickle names runs.
 *
 * @module
 */
import { PickleError } from '../errors.js';
import { DEFAULT_MAX_OUTPUT } from '../formats/compress/errors.js';
import { decompress, sniffCompression } from '../formats/compress/index.js';
import { sniffFormat } from '../formats/sniff.js';
import { loadJoblib } from '../joblib/load.js';
import { toJSON } from '../tools/json.js';
import { pformat, repr } from '../tools/repr.js';
import { joblibLayout } from '../tools/scan/joblib-layout.js';
import { Unpickler } from '../unpickler.js';
import { help, intOption, parse } from './args.js';
import {
  badInput,
  CliError,
  displayName,
  EXIT,
  EXIT_TABLE,
  escapeText,
  notAPickle,
  Output,
  readInput,
  streams,
  usage,
} from './io.js';
import {
  checkpointRows,
  loadCheckpoint,
  peekFile,
  readSafetensorsHeader,
  SHOW_VALUES_MAX_STORAGE,
  safetensorsValue,
  type TorchKind,
  tensorJson,
  tensorTable,
  torchKind,
  withBoundedTensorRepr,
} from './torch.js';

export const SHOW_HELP = `Usage: brine show [--json] [--tensors] [--width N] [--max-output N] FILE...

Prints every pickle of each file (a file may hold several, written by repeated
pickle.dump calls) with pprint's layout, as "python -m pickle FILE" prints the
first. A compressed file (gzip, zlib, bz2, xz, lzma) is decompressed first
(at most 1 GiB); a joblib file is read as joblib.load reads it (its arrays'
raw bytes after their wrappers). Integral floats print as floats (1.0). Instances and globals brine does
not reconstruct print as <PyObject ...> and <global module.name>: nothing runs.

A PyTorch checkpoint (torch.save's zip, or the legacy format) prints as
torch.load(weights_only=True) returns it, each tensor as
tensor(dtype=..., shape=[...], values=[...]) with its first values; storages
stay on disk, and a tensor whose storage is over ${SHOW_VALUES_MAX_STORAGE / 2 ** 20} MiB prints
without values. A safetensors file prints as a dict of its tensors (and
__metadata__), reading only the values it prints.

Options:
  --json              print the JSON view instead (see docs/json.md); with
                      --tensors, the listing as JSON
  --tensors           (PyTorch and safetensors files) list every tensor:
                      name, dtype, shape and size in bytes, and a total
  -w, --width N       line width (default 80)
  --max-output N      most characters printed per pickle (default: the
                      library's output budget, 16 Mi); more is an error
  -h, --help          show this help

${EXIT_TABLE}
`;

/** Runs `brine show` with its arguments; returns the exit code. */
export function cmdShow(args: string[]): number {
  const { values, positionals } = parse('show', args, {
    json: { type: 'boolean' },
    width: { type: 'string', short: 'w' },
    'max-output': { type: 'string' },
    tensors: { type: 'boolean' },
  });
  if (values.help) return help(SHOW_HELP);
  if (positionals.length === 0) throw usage('show needs a FILE', 'show');
  const width = intOption(values.width, '--width', 'show', 1, 1_000_000) ?? 80;
  const maxLength = intOption(values['max-output'], '--max-output', 'show', 1, Number.MAX_SAFE_INTEGER);
  const out = new Output(undefined);
  for (const path of positionals) {
    const head = peekFile(path);
    const kind = head === undefined ? undefined : torchKind(head);
    if (kind !== undefined) {
      showTorch(path, kind, undefined, values, width, maxLength, out);
      continue;
    }
    const file = readInput(path, 'pickle');
    const streamKind = head === undefined ? torchKind(file) : undefined;
    if (streamKind !== undefined) {
      showTorch(path, streamKind, file, values, width, maxLength, out);
      continue;
    }
    if (values.tensors) {
      throw new CliError(
        `${displayName(path)}: --tensors needs a PyTorch or safetensors file`,
        EXIT.badInput,
      );
    }
    let data = file;
    const format = sniffCompression(file);
    try {
      // A compressed pickle or joblib file (.pkl.gz, joblib's compressors): decompressed, bounded.
      if (format !== undefined && format !== 'zstd' && format !== 'lz4') {
        data = decompress(file, { format, maxOutput: DEFAULT_MAX_OUTPUT });
      }
    } catch (error) {
      throw badInput(error, path, file);
    }
    const refused = notAPickle(data, path);
    if (refused !== undefined) throw refused;
    const print = (value: unknown): void => {
      if (values.json) out.write(`${escapeText(toJSON(value, { indent: 2 }), 'json')}\n`);
      else {
        prettyOrFlat(value, width, maxLength, (text) => out.write(escapeText(text, 'lines')));
        out.write('\n');
      }
    };
    try {
      if (joblibLayout(data) !== undefined) {
        // A joblib file: its arrays' raw bytes follow their wrappers, read as joblib.load reads them.
        print(loadJoblib(data, { exact: true }));
        continue;
      }
      const unpickler = new Unpickler(data, { exact: true });
      do print(unpickler.load());
      while (!unpickler.done);
    } catch (error) {
      if (data === file) throw badInput(error, path, data);
      // A compressed file whose content does not load: said as such.
      const what = sniffFormat(file)?.description ?? `a ${format}-compressed file`;
      const inner = badInput(error, 'its content', data);
      throw new CliError(`${displayName(path)}: ${what}, not a pickle: ${inner.message}`, EXIT.badInput);
    }
  }
  return EXIT.ok;
}

/** `brine show` of a PyTorch or safetensors file (`data` when read from a stream). */
function showTorch(
  path: string,
  kind: TorchKind,
  data: Uint8Array | undefined,
  values: Record<string, unknown>,
  width: number,
  maxLength: number | undefined,
  out: Output,
): void {
  if (kind === 'safetensors') {
    const header = readSafetensorsHeader(path, data);
    if (values.tensors) {
      const extra = { metadata: header.metadata };
      out.write(
        values.json
          ? tensorJson(header.rows, header.dataBytes, extra)
          : tensorTable(header.rows, header.dataBytes),
      );
      return;
    }
    if (values.json) {
      throw new CliError(
        `${displayName(path)}: a safetensors file has no JSON view: use --tensors --json`,
        EXIT.usage,
      );
    }
    const value = safetensorsValue(path, header, data);
    withBoundedTensorRepr(() =>
      prettyOrFlat(value, width, maxLength, (t) => out.write(escapeText(t, 'lines'))),
    );
    out.write('\n');
    return;
  }
  const value = loadCheckpoint(path, kind, data);
  if (values.tensors) {
    const { rows, totalBytes } = checkpointRows(value);
    out.write(values.json ? tensorJson(rows, totalBytes) : tensorTable(rows, totalBytes));
    return;
  }
  if (values.json) {
    throw new CliError(
      `${displayName(path)}: a PyTorch checkpoint has no JSON view: use --tensors --json`,
      EXIT.usage,
    );
  }
  try {
    withBoundedTensorRepr(() =>
      prettyOrFlat(value, width, maxLength, (t) => out.write(escapeText(t, 'lines'))),
    );
  } catch (error) {
    throw badInput(error, path);
  }
  out.write('\n');
}

/**
 * pprint's text of the value, written in pieces, within the output budget
 * (`maxLength`, where the repr engine has one: shared structure can make a
 * small pickle print without end); one line (repr) for a value too deep to split.
 */
function prettyOrFlat(
  value: unknown,
  width: number,
  maxLength: number | undefined,
  write: (text: string) => void,
): void {
  const options = { width, write, ...(maxLength === undefined ? {} : { maxLength }) };
  try {
    pformat(value, options);
  } catch (error) {
    // The depth check comes before any output; a budget error is the input's, said as such.
    if (!(error instanceof PickleError)) throw error;
    if (error.name === 'ReprLimitError' || /longer than maxLength/.test(error.message)) {
      throw new CliError(`${escapeText(error.message)} (brine show --max-output N)`, EXIT.badInput);
    }
    streams().writeStderr(`brine: ${escapeText(error.message)}; printing it on one line\n`);
    write(repr(value));
  }
}
