import { resolve } from 'node:path';

import { readReleaseFiles, validateRelease, type ReleaseReport } from '@signet/core';

import { stringList, type Command } from '../command';
import { EXIT, UsageError } from '../context';
import { readKeyFile } from '../key-files';
import { formatProblems } from '../render';
import { parseOptionalIdentity } from './package';

export const validate: Command = {
  summary: 'check a release the way tofu/terraform will',
  usage: `Usage: signet validate PATH... [--key public.asc]... [--require-platform os_arch]...
                       [--name NAME] [--version VERSION] [--protocols 6.0] [--json]

PATH is a release folder (dist/) or single release files. Every problem is reported at once.
Without --key the signature's format is checked but not verified. --json prints each platform's
zh: and h1: hashes and the key ID. Exit code 1 when there is any error.`,
  options: {
    key: { type: 'string', multiple: true },
    'require-platform': { type: 'string', multiple: true },
    name: { type: 'string' },
    version: { type: 'string' },
    protocols: { type: 'string', multiple: true },
  },
  async run(args, context) {
    if (args.positionals.length === 0) throw new UsageError('Missing PATH: the release folder (dist/) to validate.');
    const identity = parseOptionalIdentity(args);
    const keys = await Promise.all((stringList(args, 'key') ?? []).map((k) => readKeyFile(context, k, '--key')));
    // A path that is no release (missing, a FIFO, a device) is an INPUT_INVALID: exit 2 (exit-codes.ts).
    const files = await readReleaseFiles(args.positionals.map((p) => resolve(context.cwd, p)));
    const report = await validateRelease({
      files,
      ...identity,
      keys,
      requiredPlatforms: stringList(args, 'require-platform'),
    });
    return { json: report, text: formatReport(report), exitCode: report.ok ? EXIT.ok : EXIT.problems };
  },
};

/** The validation report for people: the platforms with their hashes, then the problems. */
export function formatReport(report: ReleaseReport): string {
  const head = `${report.name ?? '?'} ${report.version ?? '?'}  protocols ${report.protocols.join(', ') || '-'}  key ${report.keyId ?? '-'}\n`;
  const rows = report.platforms.map((p) => `  ${p.platform.padEnd(14)} ${p.zh}  ${p.h1 ?? '-'}\n`).join('');
  const verdict = report.ok
    ? `OK: the release is complete and ${report.keyId ? 'signed' : 'unsigned-checked'}.\n`
    : `FAILED: ${report.problems.filter((p) => p.severity === 'error').length} error(s).\n`;
  return head + rows + formatProblems(report.problems) + verdict;
}
