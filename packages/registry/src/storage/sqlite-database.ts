import { mkdirSync, statfsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

import { SignetError } from '@signet/core';
import type * as NodeSqlite from 'node-sqlite3-wasm';

import { StoreFullError, StoreSchemaError, StoreUnavailableError } from './errors';
import { acquireOwnerLock } from './owner-lock';
import { SQLITE_MIGRATIONS } from './sqlite-schema';

// node-sqlite3-wasm is CommonJS that assigns its exports at run time, so Node's ESM loader sees only a default
// export; `require` gives the named classes in Node, vitest, tsx and Electron's main process alike.
const { Database } = createRequire(import.meta.url)('node-sqlite3-wasm') as typeof NodeSqlite;

/** A row as node-sqlite3-wasm returns it. */
export type SqliteRow = Record<string, NodeSqlite.SQLiteValue>;

/** An open embedded database: the one connection of this process, its schema migrated. */
export interface SqliteDatabase {
  /**
   * Runs `fn` (synchronous: no `await` inside) in a `BEGIN IMMEDIATE` transaction; rolls back if it throws. A full
   * disk (in `fn` or at `COMMIT`) throws `StoreFullError` with nothing of `fn` stored.
   */
  transaction<T>(fn: () => T): T;
  /** Runs one or more statements without parameters (schema changes, pragmas). */
  exec(sql: string): void;
  run(sql: string, values?: NodeSqlite.BindValues): { changes: number };
  get(sql: string, values?: NodeSqlite.BindValues): SqliteRow | undefined;
  all(sql: string, values?: NodeSqlite.BindValues): SqliteRow[];
  /** The journal mode in force (`wal`). */
  readonly journalMode: string;
  /** What opening it migrated. */
  readonly migration: SqliteMigrationResult;
  close(): void;
}

/**
 * Opens (creating if needed) the SQLite file at `path` for this process alone and migrates its schema.
 *
 * `locking_mode = EXCLUSIVE` because the package's VFS has no shared memory: WAL needs it unless the connection
 * holds its lock for its whole life, and one process owning the file is the embedded design anyway (it also saves
 * a lock-directory create and remove per statement). WAL with `synchronous = FULL`: a commit is on disk when it
 * returns, and a crash at any point leaves the last committed state, replayed on the next open.
 */
export function openSqliteDatabase(path: string): SqliteDatabase {
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  const lock = acquireOwnerLock(absolute);
  let db: NodeSqlite.Database | undefined;
  try {
    db = new Database(absolute);
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    const mode = db.get('PRAGMA journal_mode = WAL') as SqliteRow | null;
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA foreign_keys = ON');
    const database = wrapDatabase(db, dirname(absolute), String(mode?.journal_mode), () => lock.release());
    return { ...database, migration: migrateSchema(database) };
  } catch (error) {
    if (db?.isOpen) db.close();
    lock.release();
    throw error;
  }
}

function wrapDatabase(
  db: NodeSqlite.Database,
  folder: string,
  journalMode: string,
  onClose: () => void,
): Omit<SqliteDatabase, 'migration'> {
  // Set when a ROLLBACK failed and left the connection inside the failed transaction: until one succeeds, no
  // statement may run, or it would join that transaction and be lost with it (or commit its half).
  let leftOpen = false;
  const rollBack = () => {
    try {
      if (db.inTransaction) db.exec('ROLLBACK');
      leftOpen = false;
    } catch {
      leftOpen = db.inTransaction;
    }
  };
  /** Runs one call on the connection, a full disk becoming StoreFullError. */
  const guard = <T>(fn: () => T): T => {
    try {
      if (leftOpen) {
        rollBack();
        if (leftOpen) {
          throw new StoreUnavailableError(
            'Expected the embedded database to roll back a failed change, found the rollback failing too; this call was not run. Send it again in a few seconds; if this persists, restart signet serve (the database reopens at its last committed state).',
          );
        }
      }
      return fn();
    } catch (error) {
      throw translateSqliteError(error, folder);
    }
  };
  return {
    journalMode,
    transaction<T>(fn: () => T): T {
      return guard(() => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = fn();
          db.exec('COMMIT');
          return result;
        } catch (error) {
          // On SQLITE_FULL and SQLITE_IOERR SQLite may already have rolled the transaction back itself (a failed
          // COMMIT in WAL mode does): then there is nothing to roll back. A ROLLBACK that fails must not hide the
          // error that caused it; `leftOpen` makes the next call try again first.
          rollBack();
          throw error;
        }
      });
    },
    exec: (sql) => guard(() => db.exec(sql)),
    run: (sql, values) => guard(() => db.run(sql, refuseNul(values))),
    get: (sql, values) => guard(() => (db.get(sql, refuseNul(values)) as SqliteRow | null) ?? undefined),
    all: (sql, values) => guard(() => db.all(sql, refuseNul(values)) as SqliteRow[]),
    close() {
      if (!db.isOpen) return;
      try {
        db.close();
      } finally {
        onClose();
      }
    },
  };
}

/** Below this much free space a failed write is taken for a full disk (a WAL frame is one page, 4 KiB + 24 bytes). */
const FULL_DISK_BYTES = 1024 * 1024;

/**
 * A full disk as StoreFullError; any other error as it is. SQLite itself says "database or disk is full"
 * (SQLITE_FULL) only when it decides so (`max_page_count`, a temporary file); node-sqlite3-wasm's VFS maps every
 * failed `writeSync`, ENOSPC included, to SQLITE_IOERR_WRITE, whose message is just "disk I/O error", and its
 * errors carry no code. So an I/O error is a full disk when the database's folder has (almost) no room left right
 * after it: the check runs synchronously after the failed write, before any other I/O of this process could free
 * space. A quota (EDQUOT) with room left on the volume stays an I/O error: the VFS drops the errno.
 */
export function translateSqliteError(error: unknown, folder: string): unknown {
  if (!(error instanceof Error) || error.name !== 'SQLite3Error') return error;
  if (/database or disk is full/i.test(error.message)) return new StoreFullError('database', { cause: error });
  if (/disk I\/O error/i.test(error.message) && hasNoRoom(folder)) {
    return new StoreFullError('database', { cause: error });
  }
  return error;
}

function hasNoRoom(folder: string): boolean {
  try {
    const { bavail, bsize } = statfsSync(folder);
    return bavail * bsize < FULL_DISK_BYTES;
  } catch {
    return false;
  }
}

// node-sqlite3-wasm hands strings to SQLite as C strings: `acme\0anything` is looked up and stored as `acme`. So
// a NUL in any text value would silently name (or overwrite) another record; it is refused here, under every query,
// whatever route or caller let it through. INPUT_INVALID: the server answers 400.
function refuseNul<T extends NodeSqlite.BindValues | undefined>(values: T): T {
  const list: unknown[] = Array.isArray(values)
    ? values
    : typeof values === 'object' && values !== null && !(values instanceof Uint8Array)
      ? Object.values(values)
      : [values];
  for (const value of list) {
    if (typeof value === 'string' && value.includes('\0')) {
      throw new SignetError(
        'INPUT_INVALID',
        `Expected text without NUL characters, found ${JSON.stringify(value.slice(0, 80))}; remove the NUL.`,
      );
    }
  }
  return values;
}

/** What a migration run did: the migrations it applied now (oldest first), and the schema version after it. */
export interface SqliteMigrationResult {
  applied: { version: number; name: string }[];
  version: number;
}

/**
 * Opens the SQLite file at `path` (creating it), applies the migrations it lacks and closes it again: what
 * `signet migrate --data DIR` runs. The file must not be open elsewhere (`StoreLockedError`).
 */
export function migrateSqliteDatabase(path: string): SqliteMigrationResult {
  const database = openSqliteDatabase(path);
  database.close();
  return database.migration;
}

function migrateSchema(database: Omit<SqliteDatabase, 'migration'>): SqliteMigrationResult {
  const latest = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;
  const applied: SqliteMigrationResult['applied'] = [];
  database.transaction(() => {
    database.run(
      'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT',
    );
    const current = Number(database.get('SELECT coalesce(max(version), 0) AS v FROM schema_version')?.v ?? 0);
    if (current > latest) {
      throw new StoreSchemaError(
        `Expected a database schema up to version ${latest}, found version ${current}; run a newer Signet on it.`,
      );
    }
    for (const migration of SQLITE_MIGRATIONS) {
      if (migration.version <= current) continue;
      database.exec(migration.sql);
      database.run('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)', [
        migration.version,
        new Date().toISOString(),
      ]);
      applied.push({ version: migration.version, name: migration.name });
    }
  });
  return { applied, version: latest };
}
