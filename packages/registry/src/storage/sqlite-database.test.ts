// The embedded database on a full disk, as SQLite itself reports it: `max_page_count` makes a real SQLite answer
// SQLITE_FULL ("database or disk is full") exactly where a full volume would, at a page it cannot add. The store
// must turn that into StoreFullError (STORAGE_FULL, HTTP 507), store nothing of the failed transaction, and take
// the same write once there is room again, on the same connection. A real full volume (ENOSPC under the wasm VFS,
// reported as "disk I/O error") is test/e2e/full-disk.test.ts, on a tmpfs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { StoreFullError } from './errors';
import { openSqliteDatabase, translateSqliteError, type SqliteDatabase } from './sqlite-database';

let dir: string;
let db: SqliteDatabase;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-sqlite-full-'));
  db = openSqliteDatabase(join(dir, 'signet.db'));
  db.exec('CREATE TABLE things (name TEXT NOT NULL, bytes BLOB NOT NULL) STRICT');
  db.run('INSERT INTO things VALUES (?, ?)', ['first', new Uint8Array(10)]);
});
afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

/** No page may be added from now on: the next write that needs one meets SQLITE_FULL. */
function fillTheDatabase(): void {
  const pages = Number(db.get('PRAGMA page_count')?.page_count);
  db.exec(`PRAGMA max_page_count = ${pages}`);
}

const names = () => db.all('SELECT name FROM things ORDER BY rowid').map((row) => row.name);

describe('the embedded database on a full disk', () => {
  it('turns SQLITE_FULL in a transaction into StoreFullError and stores none of it', () => {
    fillTheDatabase();
    let thrown: unknown;
    try {
      db.transaction(() => {
        db.run('INSERT INTO things VALUES (?, ?)', ['small', new Uint8Array(10)]);
        db.run('INSERT INTO things VALUES (?, ?)', ['large', new Uint8Array(256 * 1024)]);
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreFullError);
    expect(thrown).toMatchObject({ code: 'STORAGE_FULL', part: 'database' });
    expect((thrown as StoreFullError).message).toMatch(/disk full.*free space on that volume or grow it/);
    expect(String((thrown as { cause?: { message?: string } }).cause?.message)).toBe('database or disk is full');
    // Neither insert is there, the connection is outside any transaction, and it reads as before.
    expect(names()).toEqual(['first']);
    expect(db.get('PRAGMA integrity_check')).toEqual({ integrity_check: 'ok' });
  });

  it('turns SQLITE_FULL of a single statement into StoreFullError too', () => {
    fillTheDatabase();
    expect(() => db.run('INSERT INTO things VALUES (?, ?)', ['large', new Uint8Array(256 * 1024)])).toThrow(
      StoreFullError,
    );
    expect(names()).toEqual(['first']);
  });

  it('takes the same write on the same connection once there is room again', () => {
    fillTheDatabase();
    const write = () =>
      db.transaction(() => db.run('INSERT INTO things VALUES (?, ?)', ['large', new Uint8Array(256 * 1024)]));
    expect(write).toThrow(StoreFullError);
    db.exec('PRAGMA max_page_count = 1073741823');
    expect(write()).toMatchObject({ changes: 1 });
    expect(names()).toEqual(['first', 'large']);
  });

  it('leaves other errors as they are: a constraint, and an I/O error while the disk has room', () => {
    expect(() => db.run('INSERT INTO things VALUES (NULL, ?)', [new Uint8Array(1)])).toThrow(/NOT NULL/);
    const io = Object.assign(new Error('disk I/O error'), { name: 'SQLite3Error' });
    expect(translateSqliteError(io, dir)).toBe(io);
    const full = Object.assign(new Error('disk I/O error'), { name: 'SQLite3Error' });
    expect(translateSqliteError(full, join(dir, 'no-such-folder'))).toBe(full); // statfs fails: not known to be full
  });
});
