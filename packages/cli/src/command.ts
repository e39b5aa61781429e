import { parseArgs, type ParseArgsConfig } from 'node:util';

import type { CliContext } from './context';
import { UsageError } from './context';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What `parseArgs` gives back for a command's options. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** A command's answer: data for `--json`, text for people, and the exit code. */
export interface CommandOutput {
  json: unknown;
  text: string;
  exitCode: number;
}

/** One entry of the command table. `run` parses nothing itself: it gets parsed args. */
export interface Command {
  usage: string;
  summary: string;
  options: OptionSpec;
  run(args: ParsedArgs, context: CliContext): Promise<CommandOutput>;
}

/** Parses argv strictly; unknown flags and missing values become usage errors that quote the flag. */
export function parseCommandArgs(argv: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/\. To specify.*$/s, '.') : String(error));
  }
}

/** A required string flag. */
export function requireString(args: ParsedArgs, flag: string): string {
  const value = args.values[flag];
  if (typeof value !== 'string' || value === '') throw new UsageError(`Missing required option --${flag}.`);
  return value;
}

/** An optional string flag. */
export function optionalString(args: ParsedArgs, flag: string): string | undefined {
  const value = args.values[flag];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable flag that also accepts comma-separated values (`--platform a,b --platform c`). */
export function stringList(args: ParsedArgs, flag: string): string[] | undefined {
  const value = args.values[flag];
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value]).map(String);
  return list.flatMap((item) => item.split(',').map((s) => s.trim())).filter((s) => s !== '');
}
