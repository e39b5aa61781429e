import { RegistryError } from '@signet/client';
import { isSignetError, type Problem } from '@signet/core';

import { parseCommandArgs, type Command } from './command';
import { EXIT, UsageError, type CliContext } from './context';
import { exitCodeOf, isProblemCode } from './exit-codes';
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
  'mirror export': async () => (await import('./commands/mirror-export')).mirrorExport,
  'namespaces create': async () => (await import('./commands/registry-admin')).namespacesCreate,
  'namespaces list': async () => (await import('./commands/registry-admin')).namespacesList,
  'tokens create': async () => (await import('./commands/registry-admin')).tokensCreate,
  'tokens list': async () => (await import('./commands/registry-admin')).tokensList,
  'tokens revoke': async () => (await import('./commands/registry-admin')).tokensRevoke,
  'keys add': async () => (await import('./commands/registry-admin')).keysAdd,
  'keys list': async () => (await import('./commands/registry-admin')).keysList,
  'keys remove': async () => (await import('./commands/registry-admin')).keysRemove,
};
// Commands that take a sub-command word: `signet keys generate`, `signet tokens create`, ...
const GROUPS = new Set(['keys', 'namespaces', 'tokens', 'mirror']);

const USAGE = `Usage: signet <command> [options]

Commands:
  keys generate   make an OpenPGP signing key tofu/terraform can verify
  keys inspect    show a key's ID, fingerprint, algorithm, expiry and compatibility
  package         zip binaries for every platform, write the manifest and SHA256SUMS
  sign            sign SHA256SUMS (passphrase from SIGNET_GPG_PASSPHRASE)
  validate        check a release the way tofu/terraform will
  release         package + sign + validate, from signet.yaml
  publish         upload a release folder to a registry and publish it
  serve           run the registry (HTTPS, embedded storage)
  mirror export   write a filesystem mirror (and static network-mirror JSON) of a registry

Registry administration (token from SIGNET_TOKEN):
  namespaces create|list      tokens create|list|revoke      keys add|list|remove

Run "signet <command> --help" for a command's options. Add --json for machine output.
Exit codes: 0 ok, 1 validation problems, 2 usage error, 3 anything else.`;

/** Runs the CLI and returns the exit code. Only bin.ts touches `process`. */
export async function main(argv: string[], context: CliContext): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    context.stdout.write(`${cliPackage.version}\n`);
    return EXIT.ok;
  }
  const json = argv.includes('--json');
  const [first, second] = argv;
  const name =
    first !== undefined && GROUPS.has(first) && second !== undefined && !second.startsWith('-')
      ? `${first} ${second}`
      : first;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    context.stdout.write(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    return fail(context, json, new UsageError(`Unknown command ${JSON.stringify(name)}.\n\n${USAGE}`));
  }
  const command = await load();
  try {
    const args = parseCommandArgs(argv.slice(name.split(' ').length), command.options);
    if (args.values.help === true) {
      context.stdout.write(`${command.usage}\n`);
      return EXIT.ok;
    }
    const output = await command.run(args, context);
    if (json && output.json !== undefined) context.stdout.write(`${JSON.stringify(output.json, null, 2)}\n`);
    else if (!json) context.stdout.write(output.text);
    return output.exitCode;
  } catch (error) {
    return fail(context, json, error, command.usage);
  }
}

/** Prints an error (as JSON on stdout with --json, else on stderr) and returns its exit code (exit-codes.ts). */
function fail(context: CliContext, json: boolean, error: unknown, usage?: string): number {
  const exitCode = exitCodeOf(error);
  if (exitCode === EXIT.problems) {
    const problems = problemsOf(error);
    if (json) context.stdout.write(`${JSON.stringify({ ok: false, problems }, null, 2)}\n`);
    else context.stderr.write(formatProblems(problems));
    return exitCode;
  }
  const known = error instanceof UsageError || isSignetError(error);
  const code = known ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    context.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } }, null, 2)}\n`);
  } else {
    const hint = error instanceof UsageError && usage ? `\n\n${usage}` : '';
    context.stderr.write(`signet: ${message}${hint}\n`);
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
