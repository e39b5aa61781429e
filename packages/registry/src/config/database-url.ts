import { ServerConfigError } from './config-error';

/** Where the metadata lives: SQLite in the data folder (the embedded default) or a PostgreSQL database. */
export type DatabaseConfig =
  | { kind: 'sqlite' }
  | {
      kind: 'postgres';
      /** The connection string as given, password included: hand it to the driver, never to a log. */
      url: string;
      /** The same with the password masked, for messages and the banner. */
      display: string;
    };

/**
 * Reads `--database` / `SIGNET_DATABASE_URL`: a `postgres://` or `postgresql://` URL with a host and a database
 * name. No message quotes the value: it may carry a password.
 */
export function parseDatabaseUrl(value: string, setting: string): DatabaseConfig {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ServerConfigError(
      setting,
      `Expected ${setting} to be a URL such as postgres://signet@db.internal:5432/signet, found text that is not a URL (not shown: it may hold a password).`,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ServerConfigError(
      setting,
      `Expected ${setting} to be a postgres:// URL, found a ${JSON.stringify(url.protocol)} URL; Signet stores metadata in PostgreSQL (or, without ${setting}, in SQLite under --data).`,
    );
  }
  // A unix socket folder may stand in for the host: postgres://user@/db?host=/run/postgresql
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new ServerConfigError(
      setting,
      `Expected ${setting} to name a host (postgres://USER@HOST:5432/DB, or ?host=/socket/dir), found none.`,
    );
  }
  if (url.pathname.replace(/^\//, '') === '') {
    throw new ServerConfigError(
      setting,
      `Expected ${setting} to name a database (postgres://USER@HOST:5432/DB), found none.`,
    );
  }
  return { kind: 'postgres', url: value, display: formatDatabaseUrl(url) };
}

/** The URL with its password (in the user part or a `password` parameter) masked. */
export function formatDatabaseUrl(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password !== '') shown.password = '***';
  if (shown.searchParams.has('password')) shown.searchParams.set('password', '***');
  return shown.href;
}
