import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { migrateSqliteDatabase, StoreLockedError } from '@signet/registry';

import { optionalString, type Command } from '../command';
import { EXIT, UsageError } from '../context';

/** What `signet migrate` did (its `--json`). */
export interface MigrateResult {
  ok: true;
  backend: 'postgres' | 'sqlite';
  /** `host:port/database` (never the user or password), or the SQLite file. */
  database: string;
  applied: { version: number; name: string }[];
  /** The schema version after the run. */
  version: number;
}

export const migrate: Command = {
  summary: "apply the metadata database's schema migrations (PostgreSQL or the embedded SQLite file)",
  usage: `Usage: signet migrate (--database postgres://… | --data DIR)

Applies the schema migrations the registry's metadata database lacks, oldest first, and prints which.
--database (or SIGNET_DATABASE_URL) is a PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=…);
replicas also migrate on start, under an advisory lock so that only one applies, so this is for operators who
migrate before they roll replicas out. --data is the folder of \`signet serve\` (its signet.db; the server must be
stopped). Running it again applies nothing. A database migrated by a newer Signet is refused (exit 2); a database
that cannot be reached is exit 3.`,
  json: 'print {ok, backend, database, applied: [{version, name}], version} as JSON',
  options: {
    database: { type: 'string' },
    data: { type: 'string' },
  },
  async run(args, context) {
    const data = optionalString(args, 'data');
    const url = optionalString(args, 'database') ?? (data === undefined ? context.env.SIGNET_DATABASE_URL : undefined);
    if (url !== undefined && data !== undefined) {
      throw new UsageError('Give one of --database URL (PostgreSQL) or --data DIR (the embedded store), not both.');
    }
    let result: MigrateResult;
    if (url !== undefined && url !== '') {
      result = await migratePostgres(url);
    } else if (data !== undefined) {
      result = migrateSqlite(resolve(context.cwd, data), data);
    } else {
      throw new UsageError(
        'Missing the database to migrate: --database postgres://… (or SIGNET_DATABASE_URL), or --data DIR for the embedded store.',
      );
    }
    return { json: result, text: formatMigrateResult(result), exitCode: EXIT.ok };
  },
};

async function migratePostgres(url: string): Promise<MigrateResult> {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new UsageError(
      `Expected --database to be a postgres:// or postgresql:// URL, found one starting ${JSON.stringify(url.split(':')[0])}.`,
      'CONFIG_INVALID',
    );
  }
  // Loaded only here: the embedded store's users never load pg.
  const { describePostgresUrl, migratePostgresDatabase } = await import('@signet/registry/postgres');
  const { applied, version } = await migratePostgresDatabase({ url, applicationName: 'signet migrate' });
  return { ok: true, backend: 'postgres', database: describePostgresUrl(url), applied, version };
}

function migrateSqlite(dataDir: string, given: string): MigrateResult {
  const path = join(dataDir, 'signet.db');
  // A mistyped --data would otherwise create an empty database and report success.
  if (!existsSync(path)) {
    throw new UsageError(
      `--data ${JSON.stringify(given)} holds no \`signet serve\` data (no signet.db in ${dataDir}); give the --data folder of a signet serve (which creates it on first start).`,
      'INPUT_INVALID',
    );
  }
  try {
    const { applied, version } = migrateSqliteDatabase(path);
    return { ok: true, backend: 'sqlite', database: path, applied, version };
  } catch (error) {
    if (error instanceof StoreLockedError) {
      throw new UsageError(
        `${error.message} Stop that \`signet serve\` first: it migrates on start anyway.`,
        error.code,
      );
    }
    throw error;
  }
}

/** The human form: each migration applied, or that there was nothing to do. */
export function formatMigrateResult(result: MigrateResult): string {
  if (result.applied.length === 0) {
    return `Nothing to apply: ${result.database} is at schema version ${result.version}.\n`;
  }
  const lines = result.applied.map((m) => `  ${String(m.version).padStart(3)}  ${m.name}\n`);
  const count = result.applied.length === 1 ? '1 migration' : `${result.applied.length} migrations`;
  return `Applied ${count} to ${result.database} (now at schema version ${result.version}):\n${lines.join('')}`;
}
