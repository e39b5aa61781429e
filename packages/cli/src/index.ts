import { RegistryError } from '@signet/client';
import { isSignetError, type Problem } from '@signet/core';

import { parseCommandArgs, type Command } from './command';
import { EXIT, UsageError, type CliContext } from './context';
import { exitCodeOf, isProblemCode } from './exit-codes';
import { createColors } from './colors';
import { formatCommandHelp, formatGroupHelp, formatTopHelp, type CommandEntry } from './help';
import { describePathMistake, isPathMistake } from './path-mistakes';
import { formatProblems } from './render';
// The version is bundled in by esbuild; under tsx it is read from the sources' package.json.
import cliPackage from '../package.json' with { type: 'json' };

// The command table. Modules load lazily so `signet keys inspect` does not pay for zip or packaging code.
const COMMANDS: Record<string, () => Promise<Command>> = {
  'keys generate': async () => (await import('./commands/keys-generate')).keysGenerate,
  'keys inspect': async () => (await import('./commands/keys-inspect')).keysInspect,
  package: async () => (await import('./commands/package')).packageCommand,
  sign: async () => (await import('./commands/sign')).sign,
  validate: async () => (await import('./commands/validate')).validate,
  release: async () => (await import('./commands/release')).release,
  publish: async () => (await import('./commands/publish')).publish,
  serve: async () => (await import('./commands/serve')).serve,
  gc: async () => (await import('./commands/gc')).gc,
  migrate: async () => (await import('./commands/migrate')).migrate,
  'mirror export': async () => (await import('./commands/mirror-export')).mirrorExport,
  'export static': async () => (await import('./commands/export-static')).exportStatic,
  'namespaces create': async () => (await import('./commands/registry-admin')).namespacesCreate,
  'namespaces list': async () => (await import('./commands/registry-admin')).namespacesList,
  'tokens create': async () => (await import('./commands/registry-admin')).tokensCreate,
  'tokens list': async () => (await import('./commands/registry-admin')).tokensList,
  'tokens revoke': async () => (await import('./commands/registry-admin')).tokensRevoke,
  'keys add': async () => (await import('./commands/registry-admin')).keysAdd,
  'keys list': async () => (await import('./commands/registry-admin')).keysList,
  'keys remove': async () => (await import('./commands/registry-admin')).keysRemove,
};
/** Every command's name, as typed after `signet` (`keys generate`). */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

/** A command of the table by its name (`keys generate`), loaded; `undefined` for a name that is none. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name]!() : undefined;
}

// Commands that take a sub-command word: `signet keys generate`, `signet tokens create`, ...
const GROUPS = new Set(['keys', 'namespaces', 'tokens', 'mirror', 'export']);

/** Every command of the table, loaded (for the help texts only: a command run loads just its own module). */
async function loadEntries(): Promise<CommandEntry[]> {
  return Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => ({ name, command: await load() })));
}

/** What argv asks for: a command by its table name, a group's help, or the top-level help. */
type Request =
  | { kind: 'command'; name: string; rest: string[]; help: boolean }
  | { kind: 'group'; group: string; help: boolean; unknown?: string | undefined }
  | { kind: 'top'; help: boolean; unknown?: string | undefined };

function parseRequest(argv: string[]): Request {
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: 'top', help: false };
  if (first === '--help' || first === '-h') return { kind: 'top', help: true };
  if (first === 'help') {
    const words = rest.filter((word) => !word.startsWith('-'));
    if (words.length === 0) return { kind: 'top', help: true };
    const request = parseRequest(words);
    return request.kind === 'command'
      ? { ...request, help: true }
      : { ...request, help: request.unknown === undefined };
  }
  if (GROUPS.has(first)) {
    const [second, ...more] = rest;
    if (second === undefined || second.startsWith('-')) {
      return { kind: 'group', group: first, help: rest.includes('--help') || rest.includes('-h') };
    }
    const name = `${first} ${second}`;
    if (COMMANDS[name] === undefined) return { kind: 'group', group: first, help: false, unknown: name };
    return { kind: 'command', name, rest: more, help: false };
  }
  if (COMMANDS[first] === undefined) return { kind: 'top', help: false, unknown: first };
  return { kind: 'command', name: first, rest, help: false };
}

/** Runs the CLI and returns the exit code. Only bin.ts touches `process`. */
export async function main(argv: string[], context: CliContext): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    context.stdout.write(`${cliPackage.version}\n`);
    return EXIT.ok;
  }
  const json = argv.includes('--json');
  const request = parseRequest(argv);
  if (request.kind !== 'command') {
    const entries = await loadEntries();
    const text = request.kind === 'top' ? formatTopHelp(entries) : formatGroupHelp(request.group, entries);
    if (request.help) {
      context.stdout.write(text);
      return EXIT.ok;
    }
    const message =
      request.unknown !== undefined
        ? `Unknown command ${JSON.stringify(request.unknown)}.`
        : request.kind === 'group'
          ? `Missing the ${request.group} command.`
          : 'Missing the command.';
    return fail(context, json, new UsageError(message), text.trimEnd());
  }
  const command = await COMMANDS[request.name]!();
  const help = formatCommandHelp(command);
  try {
    const args = parseCommandArgs(request.rest, command.options);
    if (request.help || args.values.help === true) {
      context.stdout.write(help);
      return EXIT.ok;
    }
    const output = await command.run(args, context);
    if (json && output.json !== undefined) context.stdout.write(`${JSON.stringify(output.json, null, 2)}\n`);
    else if (!json) context.stdout.write(output.text);
    return output.exitCode;
  } catch (error) {
    return fail(context, json, error, help.trimEnd());
  }
}

/** Prints an error (as JSON on stdout with --json, else on stderr) and returns its exit code (exit-codes.ts). */
function fail(context: CliContext, json: boolean, error: unknown, usage?: string): number {
  const exitCode = exitCodeOf(error);
  if (exitCode === EXIT.problems) {
    const problems = problemsOf(error);
    if (json) context.stdout.write(`${JSON.stringify({ ok: false, problems }, null, 2)}\n`);
    else context.stderr.write(formatProblems(problems, createColors(context.stderr, context.env)));
    return exitCode;
  }
  const pathMistake = isPathMistake(error);
  const known = error instanceof UsageError || isSignetError(error);
  const code = known ? error.code : pathMistake ? 'INPUT_INVALID' : 'INTERNAL';
  const message = pathMistake ? describePathMistake(error) : error instanceof Error ? error.message : String(error);
  if (json) {
    context.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } }, null, 2)}\n`);
  } else {
    const hint = error instanceof UsageError && usage ? `\n\n${usage}` : '';
    context.stderr.write(`${createColors(context.stderr, context.env).error('signet:')} ${message}${hint}\n`);
  }
  return exitCode;
}

/** The problems of an error that is one: every entry of a registry refusal, or the one a SignetError names. */
function problemsOf(error: unknown): Problem[] {
  if (error instanceof RegistryError && error.errors.every((e) => isProblemCode(e.code))) {
    return error.errors.map((e) => ({ ...e, severity: e.severity ?? 'error' }) as Problem);
  }
  const { code, message } = error as { code: string; message: string };
  return [{ code, severity: 'error', message } as Problem];
}
