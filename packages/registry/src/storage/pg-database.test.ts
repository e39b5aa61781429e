// PostgreSQL's own "disk full" (SQLSTATE 53100) as the storage layer's StoreFullError, so a replica answers 507
// STORAGE_FULL like the embedded store, not a 500. The error is the driver's own class (pg's DatabaseError, as a
// failed statement throws it) with the fields PostgreSQL sends; a real full disk under a PostgreSQL server is not
// practical here: a full WAL volume makes the server PANIC and restart (a 503, tested as unavailable elsewhere), and
// 53100 needs the data files' volume full while the WAL's has room.
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { toHttpError } from '../http/errors';
import { StoreFullError, StoreUnavailableError } from './errors';
import { translatePgError } from './pg-database';

const WHERE = 'db.internal:5432/signet';

/** A statement's error as pg throws it: `DatabaseError` with the SQLSTATE in `code`. */
function pgError(code: string, message: string): Error {
  const error = new pg.DatabaseError(message, message.length, 'error');
  return Object.assign(error, { code, severity: 'ERROR' });
}

describe('translatePgError', () => {
  it('turns SQLSTATE 53100 (disk_full) into StoreFullError, answered 507 STORAGE_FULL naming the server', () => {
    const full = pgError('53100', 'could not extend file "base/16384/16390": No space left on device');
    const translated = translatePgError(full, WHERE);
    expect(translated).toBeInstanceOf(StoreFullError);
    expect(translated).toMatchObject({ code: 'STORAGE_FULL', part: 'database', cause: full });
    expect((translated as Error).message).toBe(
      `Expected the PostgreSQL database ${WHERE} to store this change, found its disk full (SQLSTATE 53100 disk_full); nothing was stored. The database's operator must free space on the volume of its data directory or grow it; then send the request again.`,
    );
    const http = toHttpError(translated);
    expect(http?.status).toBe(507);
    expect(http?.errors).toEqual([{ code: 'STORAGE_FULL', message: (translated as Error).message }]);
    expect(http?.headers).toEqual({}); // no Retry-After: waiting alone does not make room
    expect(http?.message).not.toContain('base/16384'); // the server's file names stay in the log
  });

  it('leaves out of memory (53200) a server fault and too many connections (53300) unavailable', () => {
    const memory = pgError('53200', 'out of memory');
    expect(translatePgError(memory, WHERE)).toBe(memory);
    expect(translatePgError(pgError('53300', 'sorry, too many clients already'), WHERE)).toBeInstanceOf(
      StoreUnavailableError,
    );
  });
});
