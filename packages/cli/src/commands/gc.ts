import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { StoreLockedError } from '@signet/registry';
import { localRegistryPaths } from '@signet/registry/local';
import {
  collectGarbage,
  openRegistryBackends,
  parseDuration,
  parseServerConfig,
  ServerConfigError,
  type GarbageReport,
  type ServerConfig,
} from '@signet/registry/server';

import { optionalString, type Command } from '../command';
import { EXIT, UsageError } from '../context';
import { formatSize } from '../render';

const DEFAULT_GRACE = '1h';

export const gc: Command = {
  summary: 'delete stored files that no version or draft references (after a grace period)',
  usage: `Usage: signet gc [--data DIR | --database postgres://… --blobs s3://…] [--grace 1h] [--dry-run]

Deletes the blobs (file bytes) that no file record of any version, published or draft, references: what deleted
drafts and replaced uploads leave behind. A blob stored (or uploaded again) less than --grace ago (default
${DEFAULT_GRACE}) is kept whatever references it, so an upload in flight (its bytes stored, its record not yet
written) is never collected; give a grace period longer than the longest upload. --dry-run lists what would go and deletes nothing.
The stores are chosen as for \`signet serve\` (--data, or --database/SIGNET_DATABASE_URL and
--blobs/SIGNET_BLOBS_URL); the embedded default's folder must not be in use by a running \`signet serve\`.`,
  json: 'print {scanned, referenced, young, deleted: [{sha256, size}], deletedBytes, dryRun}',
  options: {
    data: { type: 'string' },
    database: { type: 'string' },
    blobs: { type: 'string' },
    grace: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run(args, context) {
    const dataDir = resolve(context.cwd, optionalString(args, 'data') ?? '.signet');
    let config: ServerConfig;
    let graceMs: number;
    try {
      config = parseServerConfig({
        flags: { database: optionalString(args, 'database'), blobs: optionalString(args, 'blobs') },
        env: context.env,
        requireSharedSecrets: false,
      });
      graceMs = parseDuration(optionalString(args, 'grace') ?? DEFAULT_GRACE, '--grace', {
        minMs: 0,
        maxMs: 365 * 86_400_000,
      });
    } catch (error) {
      if (error instanceof ServerConfigError) throw new UsageError(error.message, error.code);
      throw error;
    }
    if (
      config.database.kind === 'sqlite' &&
      !(await stat(localRegistryPaths(dataDir).database).catch(() => undefined))
    ) {
      throw new UsageError(
        `--data ${JSON.stringify(dataDir)} holds no registry (no signet.db); give the --data folder of a signet serve, or --database.`,
        'INPUT_INVALID',
      );
    }
    const backends = await openRegistryBackends(config, { dataDir }).catch((error: unknown) => {
      if (error instanceof StoreLockedError) {
        throw new UsageError(`${dataDir} is in use by a running \`signet serve\`: stop it first.`, error.code);
      }
      throw error;
    });
    let report: GarbageReport;
    try {
      report = await collectGarbage({
        metadata: backends.metadata,
        blobs: backends.blobs,
        graceMs,
        dryRun: args.values['dry-run'] === true,
      });
    } finally {
      await backends.close();
    }
    return { json: report, text: formatReport(report), exitCode: EXIT.ok };
  },
};

function formatReport(report: GarbageReport): string {
  const verb = report.dryRun ? 'would delete' : 'deleted';
  const lines = [
    `Scanned ${report.scanned} blobs: ${report.referenced} referenced, ${report.young} younger than the grace period (kept), ${verb} ${report.deleted.length} (${formatSize(report.deletedBytes)}).`,
    ...report.deleted.map((blob) => `  ${verb} ${blob.sha256} (${formatSize(blob.size)})`),
  ];
  return `${lines.join('\n')}\n`;
}
