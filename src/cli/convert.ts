/**
 * `brine convert`: a pickle to brine's JSON view, JSON back to a pickle, or a
 * pickle to another protocol.
 *
 * @module
 */
import { extname } from 'node:path';
import { DEFAULT_PROTOCOL, dumps } from '../pickler.js';
import { fromJSONValue, type JSONValue, toJSON } from '../tools/json.js';
import { parseJSONText } from '../tools/json-text.js';
import { HIGHEST_PROTOCOL, loads } from '../unpickler.js';
import { help, intOption, parse } from './args.js';
import {
  badInput,
  CliError,
  displayName,
  EXIT,
  EXIT_TABLE,
  escapeText,
  isJsonStart,
  notAPickle,
  Output,
  readInput,
  streams,
  usage,
} from './io.js';
import {
  checkpointToSafetensors,
  loadCheckpoint,
  peekFile,
  safetensorsToCheckpoint,
  torchKind,
} from './torch.js';

export const CONVERT_HELP = `Usage: brine convert FILE --to json|pickle|safetensors|pt [--protocol N] [-o OUT]

  pickle -> JSON      brine convert data.pkl --to json
  JSON -> pickle      brine convert data.json --to pickle -o data.pkl
  pickle -> pickle    brine convert old.pkl --to pickle --protocol 2 -o new.pkl
  .pt -> safetensors  brine convert model.pt --to safetensors -o model.safetensors
  safetensors -> .pt  brine convert model.safetensors --to pt -o model.pt

A checkpoint converts to safetensors when every value in it is a tensor or a
string: tensors are named by their state_dict path (model.0.weight), strings
go to __metadata__ (with format=pt); anything else is refused. A safetensors
file converts to a .pt file of a dict of its tensors (its metadata is not
kept), which torch.load(weights_only=True) reads.

The input kind is found from its content (a .json name or JSON text is JSON);
--from says it. Only the first pickle of a file is converted. JSON numbers
keep their Python type, as Python's json module reads them: 2.0 and 1e3 are
floats, 12345678901234567890 is that int (never rounded). The JSON format
is described in docs/json.md.

Options:
  -t, --to KIND           json, pickle, safetensors or pt (required)
  -f, --from KIND         json or pickle (default: detected)
  -p, --protocol N        pickle protocol 0-${HIGHEST_PROTOCOL} (default ${DEFAULT_PROTOCOL})
  -o, --output FILE       write to FILE instead of standard output
  --indent N              JSON indentation (default 2; 0 for one line)
  -h, --help              show this help

${EXIT_TABLE}
`;

/** Runs `brine convert` with its arguments; returns the exit code. */
export function cmdConvert(args: string[]): number {
  const { values, positionals } = parse('convert', args, {
    to: { type: 'string', short: 't' },
    from: { type: 'string', short: 'f' },
    protocol: { type: 'string', short: 'p' },
    output: { type: 'string', short: 'o' },
    indent: { type: 'string' },
  });
  if (values.help) return help(CONVERT_HELP);
  if (positionals.length !== 1) throw usage('convert needs exactly one FILE', 'convert');
  const to = values.to as string | undefined;
  if (to !== 'json' && to !== 'pickle' && to !== 'safetensors' && to !== 'pt')
    throw usage('--to must be json, pickle, safetensors or pt', 'convert');
  const from = values.from as string | undefined;
  if (from !== undefined && from !== 'json' && from !== 'pickle')
    throw usage('--from must be json or pickle', 'convert');
  const protocol =
    intOption(values.protocol, '--protocol', 'convert', 0, HIGHEST_PROTOCOL) ?? DEFAULT_PROTOCOL;
  const indent = intOption(values.indent, '--indent', 'convert', 0, 10) ?? 2;
  const path = positionals[0]!;
  const output = values.output as string | undefined;
  if (to !== 'json' && output === undefined && streams().stdoutIsTTY) {
    throw usage(
      `refusing to write ${to === 'pickle' ? 'a pickle' : `a ${to} file`} to a terminal: use -o FILE or a pipe`,
      'convert',
    );
  }
  if (to === 'safetensors' || to === 'pt') {
    if (from !== undefined) throw usage(`--from does not apply to --to ${to}`, 'convert');
    const out = new Output(output);
    out.write(convertTensors(path, to));
    out.close();
    return EXIT.ok;
  }
  const data = readInput(path, from === 'json' ? 'whole' : 'pickleOrJson');
  const detected = from === undefined ? detectKind(path, data) : from === 'json' ? 'json' : 'pickle';
  if (detected === 'pickle') {
    const refused = notAPickle(data, path);
    if (refused !== undefined) throw refused;
  }
  let value: unknown;
  try {
    if (detected === 'pickle') value = loads(data, { exact: true });
    else value = fromJSONValue((detected === 'json' ? readJSON(data, path) : detected.tree) as JSONValue);
  } catch (error) {
    throw badInput(error, path, data);
  }
  const out = new Output(output);
  try {
    if (to === 'json') out.write(`${escapeText(toJSON(value, { indent }), 'json')}\n`);
    else out.write(dumps(value, { protocol }));
  } catch (error) {
    throw badInput(error, path);
  }
  out.close();
  return EXIT.ok;
}

/** A PyTorch checkpoint to safetensors, or back. */
function convertTensors(path: string, to: 'safetensors' | 'pt'): Uint8Array {
  const head = peekFile(path);
  const data = head === undefined ? readInput(path, 'whole') : undefined;
  const kind = torchKind(head ?? data!);
  if (to === 'safetensors') {
    if (kind !== 'zip' && kind !== 'legacy' && kind !== 'tar') {
      throw new CliError(
        `${displayName(path)}: not a PyTorch checkpoint${kind === 'safetensors' ? ' (a safetensors file already)' : ''}`,
        EXIT.badInput,
      );
    }
    return checkpointToSafetensors(path, loadCheckpoint(path, kind, data));
  }
  if (kind !== 'safetensors') {
    throw new CliError(
      `${displayName(path)}: not a safetensors file${kind === undefined ? '' : ' (a PyTorch file already)'}`,
      EXIT.badInput,
    );
  }
  return safetensorsToCheckpoint(path, data ?? readInput(path, 'whole'));
}

/**
 * JSON text read losslessly (src/tools/json-text.ts): `12345678901234567890`
 * stays that int and `2.0` a float, where `JSON.parse` would round the first
 * and make the second an int.
 */
function readJSON(data: Uint8Array, path: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new CliError(`${displayName(path)}: not UTF-8 text`, EXIT.badInput);
  }
  return parseJSONText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/**
 * JSON when the name says so or the text can only be JSON (it starts with
 * `{`, `[` or `"`, which no pickle does): then malformed text is reported as
 * JSON. Text that starts like a JSON scalar is JSON when it parses (the tree
 * is kept), a pickle otherwise.
 */
function detectKind(path: string, data: Uint8Array): 'json' | 'pickle' | { tree: unknown } {
  if (extname(path).toLowerCase() === '.json') return 'json';
  let i = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0; // a UTF-8 byte order mark
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x0a || data[i] === 0x0d || data[i] === 0x09))
    i++;
  const c = data[i];
  if (c === 0x7b || c === 0x5b || c === 0x22) return 'json';
  if (c === undefined || !isJsonStart(c)) return 'pickle';
  try {
    return { tree: readJSON(data, path) };
  } catch {
    return 'pickle';
  }
}
