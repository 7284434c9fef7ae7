/**
 * Command-line parsing for the commands: node:util's parseArgs with one-line
 * messages, integer options with ranges, and each command's help text.
 *
 * @module
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usage, writeStdout } from './io.js';

/** The parsed options and positionals of one command. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** The options of one command (`-h/--help` is added). */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs' messages, in one line each. */
function parseArgsMessage(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const message = e.message ?? String(error);
  const option = /'([^']+)'/.exec(message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(message)) return `option ${option ?? ''} needs a value`;
      if (/does not take an argument/.test(message)) return `option ${option ?? ''} takes no value`;
      if (/ambiguous/.test(message) && option !== undefined)
        return `option ${option} needs a value (write ${option}=VALUE for a value that starts with "-")`;
      return message.split('\n')[0]!;
    default:
      return message.split('\n')[0]!;
  }
}

/** Parses a command's arguments; a bad command line is a usage error (64). */
export function parse(command: string, args: string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw usage(parseArgsMessage(error), command);
  }
}

/** An integer option from `min` to `max`; undefined when absent. */
export function intOption(
  value: unknown,
  name: string,
  command: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw usage(`${name} must be an integer from ${min} to ${max}`, command);
  return n;
}

/** Prints a help text; exit 0. */
export function help(text: string): number {
  writeStdout(text);
  return 0;
}
