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
  usage,
} from './io.js';

export const SHOW_HELP = `Usage: brine show [--json] [--width N] [--max-output N] FILE...

Prints every pickle of each file (a file may hold several, written by repeated
pickle.dump calls) with pprint's layout, as "python -m pickle FILE" prints the
first. A compressed file (gzip, zlib, bz2, xz, lzma) is decompressed first
(at most 1 GiB); a joblib file is read as joblib.load reads it (its arrays'
raw bytes after their wrappers). Integral floats print as floats (1.0). Instances and globals brine does
not reconstruct print as <PyObject ...> and <global module.name>: nothing runs.

Options:
  --json              print the JSON view instead (see docs/json.md)
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
  });
  if (values.help) return help(SHOW_HELP);
  if (positionals.length === 0) throw usage('show needs a FILE', 'show');
  const width = intOption(values.width, '--width', 'show', 1, 1_000_000) ?? 80;
  const maxLength = intOption(values['max-output'], '--max-output', 'show', 1, Number.MAX_SAFE_INTEGER);
  const out = new Output(undefined);
  for (const path of positionals) {
    const file = readInput(path, 'pickle');
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
    process.stderr.write(`brine: ${escapeText(error.message)}; printing it on one line\n`);
    write(repr(value));
  }
}
