/**
 * The built command (dist/cli.js) run inside the test's own process: its
 * exported `run` with standard streams that keep what it prints, in a given
 * working folder. The program is the same code with the process's streams;
 * starting a Node.js process for each of a hundred command lines is most of
 * the time of the command's tests, so they run most cases here and keep real
 * processes for what only a process shows (standard input from a pipe or a
 * device, a reader that closes the pipe, a full disk, the bin itself).
 */
import { closeSync, openSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { CliStreams } from '../../src/cli/io.js';

/** What a command line printed and returned. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  raw: Buffer;
}

type Run = (argv: string[], io: CliStreams) => number;

/**
 * Loads the built command at `cliPath` and returns a function that runs a
 * command line in `cwd`, with standard input empty (as a spawned process
 * with nothing written to its stdin pipe gets), standard output and error
 * not terminals.
 */
export async function inProcessCli(cliPath: string): Promise<(args: string[], cwd: string) => CliResult> {
  const { run } = (await import(pathToFileURL(cliPath).href)) as { run: Run };
  return (args, cwd) => {
    const out: Buffer[] = [];
    let stderr = '';
    const stdin = openSync('/dev/null', 'r');
    const io: CliStreams = {
      stdin,
      writeStdout: (bytes, offset, length) => {
        out.push(Buffer.from(bytes.subarray(offset, offset + length)));
        return length;
      },
      writeStderr: (text) => {
        stderr += text;
      },
      stdoutIsTTY: false,
      stderrIsTTY: false,
    };
    const previous = process.cwd();
    process.chdir(cwd);
    let status: number;
    try {
      status = run(args, io);
    } finally {
      process.chdir(previous);
      closeSync(stdin);
    }
    const raw = Buffer.concat(out);
    return { status, stdout: raw.toString('utf8'), stderr, raw };
  };
}
