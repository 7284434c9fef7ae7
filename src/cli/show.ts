/**
 * `brine show`: prints every pickle of each file as `python -m pickle` does
 * (pprint's layout), or the JSON view; nothing a pickle names runs.
 *
 * @module
 */
import { PickleError } from '../errors.js';
import { toJSON } from '../tools/json.js';
import { pformat, repr } from '../tools/repr.js';
import { Unpickler } from '../unpickler.js';
import { help, intOption, parse } from './args.js';
import { badInput, EXIT, EXIT_TABLE, escapeText, notAPickle, Output, readInput, usage } from './io.js';

export const SHOW_HELP = `Usage: brine show [--json] [--width N] FILE...

Prints every pickle of each file (a file may hold several, written by repeated
pickle.dump calls) with pprint's layout, as "python -m pickle FILE" prints the
first. Integral floats print as floats (1.0). Instances and globals brine does
not reconstruct print as <PyObject ...> and <global module.name>: nothing runs.

Options:
  --json              print the JSON view instead (see docs/json.md)
  -w, --width N       line width (default 80)
  -h, --help          show this help

${EXIT_TABLE}
`;

/** Runs `brine show` with its arguments; returns the exit code. */
export function cmdShow(args: string[]): number {
  const { values, positionals } = parse('show', args, {
    json: { type: 'boolean' },
    width: { type: 'string', short: 'w' },
  });
  if (values.help) return help(SHOW_HELP);
  if (positionals.length === 0) throw usage('show needs a FILE', 'show');
  const width = intOption(values.width, '--width', 'show', 1, 1_000_000) ?? 80;
  const out = new Output(undefined);
  for (const path of positionals) {
    const data = readInput(path, 'pickle');
    const refused = notAPickle(data, path);
    if (refused !== undefined) throw refused;
    const unpickler = new Unpickler(data, { exact: true });
    try {
      do {
        const value = unpickler.load();
        if (values.json) out.write(`${escapeText(toJSON(value, { indent: 2 }), 'json')}\n`);
        else {
          prettyOrFlat(value, width, (text) => out.write(escapeText(text, 'lines')));
          out.write('\n');
        }
      } while (!unpickler.done);
    } catch (error) {
      throw badInput(error, path, data);
    }
  }
  return EXIT.ok;
}

/** pprint's text of the value, written in pieces; one line (repr) for a value too deep to split. */
function prettyOrFlat(value: unknown, width: number, write: (text: string) => void): void {
  try {
    pformat(value, { width, write });
  } catch (error) {
    // The depth check comes before any output.
    if (!(error instanceof PickleError)) throw error;
    process.stderr.write(`brine: ${escapeText(error.message)}; printing it on one line\n`);
    write(repr(value));
  }
}
