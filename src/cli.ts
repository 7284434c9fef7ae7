#!/usr/bin/env node
/**
 * The `brine` command: show, disassemble, scan and convert pickles without
 * executing them. Node only. Each command is a module of `cli/`; exit codes
 * are listed in `brine --help` and docs/cli.md.
 *
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { help } from './cli/args.js';
import { CONVERT_HELP, cmdConvert } from './cli/convert.js';
import { cmdDis, DIS_HELP } from './cli/dis.js';
import {
  CliError,
  type CliStreams,
  ClosedOutput,
  EXIT,
  EXIT_TABLE,
  escapeText,
  PROCESS_STREAMS,
  streams,
  usage,
  withStreams,
  writeStdout,
} from './cli/io.js';
import { cmdScan, SCAN_HELP } from './cli/scan.js';
import { cmdShow, SHOW_HELP } from './cli/show.js';
import { isPickleError, UnpicklingError } from './errors.js';

export { type CliStreams, EXIT, MAX_STREAM_INPUT } from './cli/io.js';

const MAIN_HELP = `Usage: brine <command> [options] [FILE...]

Read Python pickles safely: nothing a pickle names is ever imported or run.

Commands:
  show FILE...        print every pickle of each file as python -m pickle does (pprint);
                      PyTorch and safetensors files with each tensor summarised
  dis FILE...         disassemble, as python -m pickletools does
  scan PATH...        rate files and directories: safe, review, dangerous, malformed
  convert FILE        pickle to JSON, JSON to pickle, a pickle to another protocol,
                      or a PyTorch checkpoint to safetensors and back

FILE "-" is standard input. "brine <command> --help" describes each command.

Options:
  -h, --help          show this help
  -V, --version       print the version

${EXIT_TABLE}
`;

const HELP: Record<string, string> = {
  main: MAIN_HELP,
  show: SHOW_HELP,
  dis: DIS_HELP,
  scan: SCAN_HELP,
  convert: CONVERT_HELP,
};

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the command line (without `node` and the script: `process.argv.slice(2)`).
 *
 * @param argv the arguments.
 * @returns the exit code (see {@link EXIT}).
 * @throws only for a bug; every expected failure is a message on stderr and an exit code.
 * @example
 * ```ts
 * process.exitCode = main(['show', 'data.pkl']);
 * ```
 */
export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        streams().writeStderr(MAIN_HELP);
        return EXIT.usage;
      case '-h':
      case '--help':
      case 'help':
        return help(HELP[rest[0] !== undefined && rest[0] in HELP ? rest[0] : 'main']!);
      case '-V':
      case '--version':
        writeStdout(`brine ${version()}\n`);
        return EXIT.ok;
      case 'show':
        return cmdShow(rest);
      case 'dis':
        return cmdDis(rest);
      case 'scan':
        return cmdScan(rest);
      case 'convert':
        return cmdConvert(rest);
      default:
        throw usage(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof ClosedOutput) return EXIT.ok;
    if (error instanceof CliError) {
      streams().writeStderr(`brine: ${escapeText(error.message)}\n`);
      return error.code;
    }
    if (error instanceof UnpicklingError || isPickleError(error)) {
      streams().writeStderr(`brine: ${escapeText((error as Error).message)}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}

function isEpipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** True when this module is the program (not imported by a test). */
function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * Runs the command line as the program does, with the given standard
 * streams: a bug (or memory exhausted by an input too large for it) is still
 * one line, no stack trace, and exit code 70.
 *
 * @param argv the arguments (`process.argv.slice(2)`).
 * @param io the standard streams; the process's own by default.
 * @returns the exit code (see {@link EXIT}).
 */
export function run(argv: string[], io: CliStreams = PROCESS_STREAMS): number {
  return withStreams(io, () => {
    try {
      return main(argv);
    } catch (error) {
      io.writeStderr(`brine: internal error: ${escapeText(String((error as Error)?.message ?? error))}\n`);
      return EXIT.software;
    }
  });
}

if (isMain()) {
  // A reader that goes away (brine show x | head) ends the command quietly.
  process.stdout.on('error', (error) => {
    if (isEpipe(error)) process.exit(EXIT.ok);
    throw error;
  });
  process.exitCode = run(process.argv.slice(2));
}
