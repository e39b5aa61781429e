import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { readReleaseFiles, validateRelease, type ReleaseFile, type ReleaseReport } from '@signet/core/node';

import { stringList, type Command } from '../command';
import { EXIT, UsageError } from '../context';
import { NO_COLORS, createColors, type Colors } from '../colors';
import { readKeyFileInfo } from '../key-file-info';
import { createProgress } from '../progress';
import { formatProblems, formatSize } from '../render';
import { parseOptionalIdentity } from './package';

export const validate: Command = {
  summary: 'check a release the way tofu/terraform will',
  usage: `Usage: signet validate PATH... [--key public.asc]... [--require-platform os_arch]...
                       [--name NAME] [--version VERSION] [--protocols 6.0]

PATH is a release folder (dist/) or single release files. Every problem is reported at once.
Without --key the signature's format is checked but not verified. Exit code 1 when there is any error.`,
  json: "print the report as JSON: each platform's zh: and h1: hashes, the key ID and every problem",
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
    // A --key that is no key at all is an unreadable input (exit 2), not a problem of the release.
    const keys = await Promise.all(
      (stringList(args, 'key') ?? []).map(async (k) => (await readKeyFileInfo(context, k, '--key')).data),
    );
    // A path that is no release (missing, a FIFO, a device) is an INPUT_INVALID: exit 2 (exit-codes.ts).
    const files = await readReleaseFiles(args.positionals.map((p) => resolve(context.cwd, p)));
    const progress = createProgress(context, args.values.json === true);
    if (progress.enabled) progress.phase('validating', await describeValidation(files));
    const report = await validateRelease({
      files,
      ...identity,
      keys,
      requiredPlatforms: stringList(args, 'require-platform'),
    }).finally(progress.done);
    return {
      json: report,
      text: formatReport(report, createColors(context.stdout, context.env)),
      exitCode: report.ok ? EXIT.ok : EXIT.problems,
    };
  },
};

/** What a validation reads, for its progress line: every zip is hashed whole (zh: and h1:). */
export async function describeValidation(files: readonly ReleaseFile[]): Promise<string> {
  const sizes = await Promise.all(files.map(async (f) => (await stat(f.path).catch(() => undefined))?.size ?? 0));
  return `${files.length} files (hashing ${formatSize(sizes.reduce((a, b) => a + b, 0))})…`;
}

/** The validation report for people: the platforms with their hashes, then the problems and the verdict. */
export function formatReport(report: ReleaseReport, colors: Colors = NO_COLORS): string {
  const head = `${report.name ?? '?'} ${report.version ?? '?'}  protocols ${report.protocols.join(', ') || '-'}  key ${report.keyId ?? '-'}\n`;
  const rows = report.platforms.map((p) => `  ${p.platform.padEnd(14)} ${p.zh}  ${p.h1 ?? '-'}\n`).join('');
  const errors = report.problems.filter((p) => p.severity === 'error').length;
  const verdict = !report.ok
    ? `${colors.error('FAILED')}: ${errors} error(s).\n`
    : report.keyId
      ? `${colors.ok('OK')}: the release is complete and its signature verifies with key ${report.keyId}.\n`
      : `${colors.ok('OK')}: the release is complete; its signature's format is right but it was not verified (pass --key public.asc to verify it).\n`;
  return head + rows + formatProblems(report.problems, colors) + verdict;
}
