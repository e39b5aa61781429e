import type { Command } from './command';

// Every help text is made from the command table: a group's list of sub-commands, the top-level list and the
// options every command takes, so a new command or a new --json output cannot be missing from them.

/** A command's name (`keys generate`) with what the table knows of it. */
export interface CommandEntry {
  name: string;
  command: Command;
}

const JSON_DEFAULT = 'print the result as JSON on stdout instead of text (errors too: {"ok": false, "error": ...})';

/** `signet CMD --help` and `signet help CMD`: the command's usage, then the options every command takes. */
export function formatCommandHelp(command: Command): string {
  return `${command.usage}

Options every command takes:
  --json      ${command.json ?? JSON_DEFAULT}
  -h, --help  show this help
`;
}

/** `signet GROUP --help`: the group's sub-commands with their summaries. */
export function formatGroupHelp(group: string, entries: readonly CommandEntry[]): string {
  const members = entries.filter((e) => e.name.startsWith(`${group} `));
  const subs = members.map((e) => e.name.slice(group.length + 1));
  return `Usage: signet ${group} ${subs.join('|')} [options]

${formatList(members)}
Run "signet ${group} <command> --help" (or "signet help ${group} <command>") for a command's options.
`;
}

/** `signet --help`: every command with its summary, and the exit codes. */
export function formatTopHelp(entries: readonly CommandEntry[]): string {
  return `Usage: signet <command> [options]

Commands:
${formatList(entries)}
Run "signet <command> --help" or "signet help <command>" for a command's options; every command takes --json.
"signet --version" (or -V) prints the version. Registry commands take the token from SIGNET_TOKEN, passphrases come from SIGNET_GPG_PASSPHRASE (never flags).
Exit codes: 0 ok, 1 validation problems, 2 usage error, 3 anything else (such as an unreachable registry).
`;
}

function formatList(entries: readonly CommandEntry[]): string {
  const width = Math.max(...entries.map((e) => e.name.length));
  return entries.map((e) => `  ${e.name.padEnd(width)}  ${e.command.summary}\n`).join('');
}
