// The PostgreSQL connection pool of the scale-out metadata store, its transactions, and the one place where the
// driver's errors become the storage layer's: a database that cannot be reached (refused, timed out, restarting,
// the connection cut) is a StoreUnavailableError, which the server answers with 503 and Retry-After; a server whose
// disk is full is a StoreFullError (507: a retry does not help until its operator makes room).
import { SignetError } from '@signet/core';
import pg from 'pg';

import { StoreFullError, StoreUnavailableError } from './errors';

/** A row as the driver returns it; pg-rows.ts reads it into records, checking each column's type. */
export type PgRow = Record<string, unknown>;

/** Runs one statement; what both the pool and a transaction's client offer. */
export type PgQuery = (sql: string, values?: readonly unknown[]) => Promise<PgRow[]>;

/** Options of `openPgDatabase`. */
export interface PgDatabaseOptions {
  /** `postgres://user:password@host:port/database?sslmode=…` (libpq's URL form). */
  url: string;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before StoreUnavailableError (default 3000 ms). */
  connectionTimeoutMs?: number;
  /** Server-side cap per statement (default 30000 ms); also the client's wait for an answer, plus 5 s. */
  statementTimeoutMs?: number;
  /** `application_name` of the connections (default `signet`): how they show in `pg_stat_activity`. */
  applicationName?: string;
}

/** A pool and the store's way of using it. */
export interface PgDatabase {
  readonly pool: pg.Pool;
  /** `host:port/database` of the URL, without user or password: for messages. */
  readonly where: string;
  query: PgQuery;
  /** Runs `fn` in one transaction (READ COMMITTED; rows locked with FOR UPDATE where it matters). */
  transaction<T>(fn: (query: PgQuery) => Promise<T>): Promise<T>;
  /** Ends the pool; idempotent. */
  close(): Promise<void>;
}

/** Opens a pool on `url` (connections are made on first use, so this never fails for a database down). */
export function openPgDatabase(options: PgDatabaseOptions): PgDatabase {
  const where = describeUrl(options.url);
  const statementTimeout = options.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 3000,
    idleTimeoutMillis: 10_000,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 5000,
    application_name: options.applicationName ?? 'signet',
    keepAlive: true,
  });
  // An idle connection the server closed (restart, pg_terminate_backend) is dropped by the pool; without a
  // listener the 'error' event would crash the process. The next call opens a new connection.
  pool.on('error', () => undefined);
  const fail = (error: unknown): unknown => translatePgError(error, where);
  let closed: Promise<void> | undefined;

  return {
    pool,
    where,
    async query(sql, values) {
      try {
        return (await pool.query<PgRow>(sql, refuseNul(values))).rows;
      } catch (error) {
        throw fail(error);
      }
    },
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw fail(error);
      }
      // A connection cut while checked out emits 'error' on the client (and fails the query in flight).
      let broken: unknown;
      const onError = (error: unknown) => (broken = error);
      client.on('error', onError);
      const query: PgQuery = async (sql, values) => (await client.query<PgRow>(sql, refuseNul(values))).rows;
      try {
        await client.query('BEGIN');
        const result = await fn(query);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (broken === undefined && !isUnavailable(error)) {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
        } else {
          broken ??= error;
        }
        throw fail(error);
      } finally {
        client.off('error', onError);
        // A broken connection is destroyed, not returned to the pool; the server rolled its transaction back.
        client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
      }
    },
    close() {
      closed ??= pool.end();
      return closed;
    },
  };
}

/** SQLSTATEs of a database that is down, restarting or overloaded: the call may succeed later as is. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// pg's own connection failures carry no code, only these messages.
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Connection ended|not queryable|Query read timeout|connection error/i;

/** True for an error that says the database cannot be reached now (not that the request was wrong). */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined && (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code) || code.startsWith('08')))
    return true;
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  return UNAVAILABLE_MESSAGE.test(error.message);
}

/**
 * SQLSTATE 53100 disk_full: the server could not extend a file of the database (its volume or quota is full). The
 * statement failed and its transaction is rolled back, so nothing was stored. Not 53200 (out of memory) nor 53300
 * (too many connections): those pass, a retry may succeed.
 */
const DISK_FULL_SQLSTATE = '53100';

/**
 * The storage error for a driver error: StoreUnavailableError, StoreFullError for a server whose disk is full,
 * INPUT_INVALID for text PostgreSQL cannot hold, or itself.
 */
export function translatePgError(error: unknown, where: string): unknown {
  if (error instanceof SignetError) return error;
  if (isUnavailable(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new StoreUnavailableError(
      `Expected the PostgreSQL database ${where} to answer, found it unreachable (${reason}); nothing was stored. Check that it runs and accepts connections, then retry.`,
      { cause: error },
    );
  }
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (code === DISK_FULL_SQLSTATE) {
    return new StoreFullError('database', {
      cause: error,
      message: `Expected the PostgreSQL database ${where} to store this change, found its disk full (SQLSTATE 53100 disk_full); nothing was stored. The database's operator must free space on the volume of its data directory or grow it; then send the request again.`,
    });
  }
  // 22P05: a \u0000 escape in JSON, 22021: a NUL byte in text (both refused before sending, as a backstop).
  if (code === '22P05' || code === '22021') {
    return new SignetError('INPUT_INVALID', 'Expected text without NUL characters, found one; remove the NUL.', {
      cause: error,
    });
  }
  return error;
}

/** `host:port/database` of a PostgreSQL URL: never its user or password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port === '' ? '' : `:${parsed.port}`}${parsed.pathname}`;
  } catch {
    return '(an unparsable URL)';
  }
}

// PostgreSQL cannot store a NUL in text and SQLite would cut it short: refused as the other backends refuse it.
function refuseNul(values: readonly unknown[] | undefined): unknown[] | undefined {
  if (values === undefined) return undefined;
  for (const value of values) {
    const texts = Array.isArray(value) ? value : [value];
    for (const text of texts) {
      if (typeof text === 'string' && text.includes('\0')) {
        throw new SignetError(
          'INPUT_INVALID',
          `Expected text without NUL characters, found ${JSON.stringify(text.slice(0, 80))}; remove the NUL.`,
        );
      }
    }
  }
  return [...values];
}
