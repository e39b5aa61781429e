import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

import { SignetError } from '@signet/core';
import type * as NodeSqlite from 'node-sqlite3-wasm';

import { StoreSchemaError } from './errors';
import { acquireOwnerLock } from './owner-lock';
import { SQLITE_MIGRATIONS } from './sqlite-schema';

// node-sqlite3-wasm is CommonJS that assigns its exports at run time, so Node's ESM loader sees only a default
// export; `require` gives the named classes in Node, vitest, tsx and Electron's main process alike.
const { Database } = createRequire(import.meta.url)('node-sqlite3-wasm') as typeof NodeSqlite;

/** A row as node-sqlite3-wasm returns it. */
export type SqliteRow = Record<string, NodeSqlite.SQLiteValue>;

/** An open embedded database: the one connection of this process, its schema migrated. */
export interface SqliteDatabase {
  /** Runs `fn` (synchronous: no `await` inside) in a `BEGIN IMMEDIATE` transaction; rolls back if it throws. */
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
    const database = wrapDatabase(db, String(mode?.journal_mode), () => lock.release());
    return { ...database, migration: migrateSchema(database) };
  } catch (error) {
    if (db?.isOpen) db.close();
    lock.release();
    throw error;
  }
}

function wrapDatabase(
  db: NodeSqlite.Database,
  journalMode: string,
  onClose: () => void,
): Omit<SqliteDatabase, 'migration'> {
  return {
    journalMode,
    transaction<T>(fn: () => T): T {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = fn();
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    exec: (sql) => db.exec(sql),
    run: (sql, values) => db.run(sql, refuseNul(values)),
    get: (sql, values) => (db.get(sql, refuseNul(values)) as SqliteRow | null) ?? undefined,
    all: (sql, values) => db.all(sql, refuseNul(values)) as SqliteRow[],
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
