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
  /** The synopsis and what the command does; the help printer adds the options every command takes. */
  usage: string;
  /** One line for the command lists of `signet --help` and `signet GROUP --help`. */
  summary: string;
  /** What `--json` prints, when it is more than the result as JSON (help lists `--json` for every command). */
  json?: string;
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
    const message = error instanceof Error ? error.message.replace(/\. To specify.*$/s, '.') : String(error);
    const flag = /^Unknown option '(--[^'=]+)'/.exec(message)?.[1];
    const hint = flag === undefined ? undefined : SECRET_FLAG_HINTS[flag];
    throw new UsageError(hint === undefined ? message : `${message} ${hint}`);
  }
}

// Secrets never come from flags (flags end up in shell history and process lists); the flag people try first
// says where the secret goes instead.
const SECRET_FLAG_HINTS: Readonly<Record<string, string>> = {
  '--token':
    'The registry token comes from the SIGNET_TOKEN environment variable, never a flag (flags end up in shell history and process lists).',
  '--admin-token':
    'The admin token comes from the SIGNET_ADMIN_TOKEN environment variable, never a flag (flags end up in shell history and process lists).',
  '--passphrase':
    "The key's passphrase comes from the SIGNET_GPG_PASSPHRASE environment variable, never a flag (flags end up in shell history and process lists).",
};

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
