/**
 * `brine dis`: disassembles pickles as `python -m pickletools` does.
 *
 * @module
 */
import { DisassemblyError, type DisassemblyMemo, disassemble, formatPreamble } from '../tools/disassemble.js';
import { genops } from '../tools/genops.js';
import { help, intOption, parse } from './args.js';
import {
  badInput,
  type CliError,
  EXIT,
  EXIT_TABLE,
  escapeText,
  notAPickle,
  Output,
  readInput,
  usage,
} from './io.js';

export const DIS_HELP = `Usage: brine dis [options] FILE...

Disassembles the pickle of each file, as "python -m pickletools" prints it.

Options:
  -a, --annotate          annotate each line with a short opcode description
  -l, --indentlevel N     blanks per MARK level (default 4)
  -m, --memo              keep the memo between files
  -p, --preamble TEXT     with several files, print this before each one
                          (default "==> {name} <==")
  -o, --output FILE       write the disassembly to FILE
  --all                   disassemble every pickle of each file, not only the first
  -h, --help              show this help

${EXIT_TABLE}
`;

/** Runs `brine dis` with its arguments; returns the exit code. */
export function cmdDis(args: string[]): number {
  const { values, positionals } = parse('dis', args, {
    annotate: { type: 'boolean', short: 'a' },
    indentlevel: { type: 'string', short: 'l' },
    memo: { type: 'boolean', short: 'm' },
    preamble: { type: 'string', short: 'p' },
    output: { type: 'string', short: 'o' },
    all: { type: 'boolean' },
  });
  if (values.help) return help(DIS_HELP);
  if (positionals.length === 0) throw usage('dis needs a FILE', 'dis');
  const indentLevel = intOption(values.indentlevel, '--indentlevel', 'dis', 0, 1000) ?? 4;
  const annotate = values.annotate ? 30 : 0;
  const preambleTemplate = (values.preamble as string | undefined) ?? '==> {name} <==';
  const out = new Output(values.output as string | undefined);
  const sharedMemo: DisassemblyMemo | undefined = values.memo ? new Map() : undefined;
  let failure: CliError | undefined;
  for (const path of positionals) {
    const data = readInput(path, 'pickle');
    const refused = notAPickle(data, path);
    if (refused !== undefined) {
      failure = refused;
      break;
    }
    if (positionals.length > 1) {
      try {
        out.write(
          `${escapeText(formatPreamble(preambleTemplate, path === '-' ? '<stdin>' : path), 'lines')}\n`,
        );
      } catch (error) {
        throw usage(`--preamble: ${(error as Error).message}`, 'dis');
      }
    }
    let start = 0;
    try {
      do {
        const memo = sharedMemo ?? new Map<string, string>();
        const text = disassemble(data, { annotate, indentLevel, memo, start });
        out.write(escapeText(text, 'lines'));
        start = nextStart(data, start);
      } while (values.all && start < data.length);
    } catch (error) {
      if (error instanceof DisassemblyError) out.write(escapeText(error.partial, 'lines'));
      failure = badInput(error, path, data);
      break;
    }
  }
  out.close();
  if (failure !== undefined) throw failure;
  return EXIT.ok;
}

/** Where the pickle starting at `start` ends (after its STOP), by the opcode walk the disassembly made. */
function nextStart(data: Uint8Array, start: number): number {
  let end = data.length;
  for (const op of genops(data, { start })) end = op.end;
  return end;
}
