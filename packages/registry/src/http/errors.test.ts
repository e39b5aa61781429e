// The one error handler's answer to a full disk: 507 Insufficient Storage with code STORAGE_FULL and a message that
// says what happened and what the operator does (free space, grow the volume), never the path or the stack of the
// error underneath. The errors are real ones: /dev/full answers every write with ENOSPC, and SQLite's own
// SQLITE_FULL comes from a database that may not grow (`max_page_count`). The same through the app: an upload whose
// write meets ENOSPC gets the 507 and the draft lists no file.
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryApp } from '../app';
import { StoreFullError, StoreUnavailableError } from '../storage/errors';
import type { BlobStore } from '../storage/blob-store';
import { openMemoryBlobStore } from '../storage/memory-blob-store';
import { openMemoryMetadataStore } from '../storage/memory-metadata-store';
import { openSqliteDatabase } from '../storage/sqlite-database';
import { buildExampleRelease, openTestRegistry, type ExampleRelease, type TestRegistry } from '../testing';
import { errorBody, HttpError, isOperatorProblem, STATUS_BY_CODE, statusOfCode, toHttpError } from './errors';

// /dev/full is Linux's; elsewhere these cases are skipped (titled so), the SQLite one still runs.
const HAS_DEV_FULL = existsSync('/dev/full');
const NEEDS_DEV_FULL = HAS_DEV_FULL ? '' : ' (skipped: this system has no /dev/full to write to)';
const FULL_MESSAGE = /^Expected the registry to store .+, found its disk full .+ free space on that volume or grow it/;

/** What a write to /dev/full throws: Node's own ENOSPC error (code, errno, syscall, the path in its message). */
async function realEnospc(): Promise<NodeJS.ErrnoException> {
  const error = await appendFile('/dev/full', 'x').then(
    () => undefined,
    (e: unknown) => e as NodeJS.ErrnoException,
  );
  if (error?.code !== 'ENOSPC') throw new Error(`Expected ENOSPC from /dev/full, found ${String(error?.code)}.`);
  return error;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-full-errors-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('toHttpError on a full disk', () => {
  it('maps STORAGE_FULL to 507', () => {
    expect(STATUS_BY_CODE.STORAGE_FULL).toBe(507);
    expect(statusOfCode('STORAGE_FULL')).toBe(507);
  });

  it.skipIf(!HAS_DEV_FULL)(
    `answers a file system ENOSPC 507 STORAGE_FULL, in words of its own${NEEDS_DEV_FULL}`,
    async () => {
      const enospc = await realEnospc();
      const http = toHttpError(enospc);
      expect(http?.status).toBe(507);
      const [entry] = errorBody(http!).errors;
      expect(entry?.code).toBe('STORAGE_FULL');
      expect(entry?.message).toMatch(FULL_MESSAGE);
      expect(entry?.message).not.toContain(enospc.message);
      expect(entry?.message).not.toContain('    at '); // no stack
      expect(http?.headers).toEqual({}); // no Retry-After: waiting alone does not make room
    },
  );

  it('answers a quota that is full (EDQUOT, also as the cause of another error) 507 STORAGE_FULL', () => {
    const edquot = Object.assign(new Error('EDQUOT: disk quota exceeded, write'), { code: 'EDQUOT' });
    expect(toHttpError(edquot)?.status).toBe(507);
    expect(toHttpError(new Error('the upload failed', { cause: edquot }))?.errors[0]?.code).toBe('STORAGE_FULL');
    expect(toHttpError(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }))).toBeUndefined(); // a 500
  });

  it('answers SQLite SQLITE_FULL ("database or disk is full") 507 STORAGE_FULL', () => {
    const db = openSqliteDatabase(join(dir, 'full.db'));
    let thrown: unknown;
    try {
      db.exec('CREATE TABLE t (v BLOB NOT NULL) STRICT');
      db.exec(`PRAGMA max_page_count = ${Number(db.get('PRAGMA page_count')?.page_count)}`);
      db.transaction(() => db.run('INSERT INTO t VALUES (?)', [new Uint8Array(64 * 1024)]));
    } catch (error) {
      thrown = error;
    } finally {
      db.close();
    }
    expect(thrown).toBeInstanceOf(StoreFullError);
    const http = toHttpError(thrown);
    expect(http?.status).toBe(507);
    expect(http?.errors).toEqual([{ code: 'STORAGE_FULL', message: expect.stringMatching(FULL_MESSAGE) }]);
    expect(http?.message).toContain('this change to its database');
    expect(http?.message).not.toContain(dir);
  });
});

describe.skipIf(!HAS_DEV_FULL)(`an upload whose write meets ENOSPC${NEEDS_DEV_FULL}`, () => {
  let registry: TestRegistry;
  let release: ExampleRelease;
  beforeAll(async () => {
    release = await buildExampleRelease(join(dir, 'release'));
    const opened = await openTestRegistry(join(dir, 'probe'));
    const fs = opened.blobs;
    await opened.close();
    // The embedded blob store, except that the bytes of an upload go to /dev/full: the write fails as on a full volume.
    const blobs: BlobStore = {
      ...fs,
      stage: async (source, options) => {
        for await (const chunk of source) await appendFile('/dev/full', chunk);
        return fs.stage(source, options);
      },
    };
    registry = await openTestRegistry(join(dir, 'data'), { blobs });
  }, 60_000);
  afterAll(async () => registry?.close());

  async function call(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { authorization: `Bearer ${registry.adminToken}` };
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) {
      headers['content-type'] = 'application/octet-stream';
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    return registry.app.request(path, { method, headers, body: payload });
  }

  it('answers 507 STORAGE_FULL and the draft lists no file', async () => {
    expect((await call('POST', '/api/v1/namespaces', { name: 'acme', visibility: 'public' })).status).toBe(201);
    const keys = await call('POST', '/api/v1/namespaces/acme/keys', { ascii_armor: release.publicKeyArmored });
    expect(keys.status).toBe(201);
    expect((await call('POST', '/api/v1/namespaces/acme/providers', { type: 'hello' })).status).toBe(201);
    const versions = '/api/v1/providers/acme/hello/versions';
    const draft = await call('POST', versions, { version: '1.0.0', protocols: ['6'], key_id: release.keyId });
    expect(draft.status).toBe(201);

    const zip = release.files.find((f) => f.fileName.endsWith('.zip'))!;
    const answer = await call('PUT', `${versions}/1.0.0/files/${zip.fileName}`, await readFile(zip.path));
    expect(answer.status).toBe(507);
    const body = (await answer.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors).toEqual([{ code: 'STORAGE_FULL', message: expect.stringMatching(FULL_MESSAGE) }]);
    expect(body.errors[0]?.message).toContain('the uploaded file');
    expect(body.errors[0]?.message).not.toContain('/dev/full');
    expect(await registry.metadata.listFiles('acme', 'hello', '1.0.0')).toEqual([]);
  });
});

describe("the app's error handler and the operator", () => {
  const ADMIN = 'signet_errors-operator-admin';

  /** An app whose namespace list fails with `failure` (none: it answers); every onError call recorded. */
  async function appFailingWith(failure: () => Error | undefined) {
    const store = await openMemoryMetadataStore();
    const reported: { error: unknown; request: Request }[] = [];
    const app = createRegistryApp({
      metadata: {
        ...store,
        listNamespaces: async () => {
          const error = failure();
          if (error) throw error;
          return store.listNamespaces();
        },
      },
      blobs: openMemoryBlobStore(),
      adminToken: ADMIN,
      onError: (error, request) => reported.push({ error, request }),
    });
    const get = (path: string) => app.request(path, { headers: { authorization: `Bearer ${ADMIN}` } });
    return { get, reported };
  }

  it('reports a full disk (507 STORAGE_FULL) once per request, as the error the store threw, without the token', async () => {
    const full = new StoreFullError('database', { cause: new Error('database or disk is full') });
    const { get, reported } = await appFailingWith(() => full);
    const first = await get('/api/v1/namespaces');
    expect(first.status).toBe(507);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.error).toBe(full);
    expect(new URL(reported[0]!.request.url).pathname).toBe('/api/v1/namespaces');
    expect(`${String((full as Error).stack)} ${full.message}`).not.toContain(ADMIN);
    expect((await get('/api/v1/namespaces')).status).toBe(507);
    expect(reported).toHaveLength(2); // one per occurrence, never twice for one request
  });

  it('reports an unreachable store (503 STORE_UNAVAILABLE) once per request', async () => {
    const down = new StoreUnavailableError(
      'Expected the PostgreSQL database db:5432/signet to answer, found it unreachable.',
    );
    const { get, reported } = await appFailingWith(() => down);
    const answer = await get('/api/v1/namespaces');
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(reported.map((r) => r.error)).toEqual([down]);
  });

  it('does not report what the client is answered for its own request (4xx) nor a store that answers', async () => {
    const { get, reported } = await appFailingWith(() => undefined);
    expect((await get('/api/v1/namespaces')).status).toBe(200);
    expect((await get('/api/v1/namespaces/nope')).status).toBe(404);
    expect(reported).toEqual([]);
  });

  it("knows which answers are the operator's to fix", () => {
    expect(isOperatorProblem(new HttpError(507, 'STORAGE_FULL', 'full'))).toBe(true);
    expect(isOperatorProblem(new HttpError(503, 'STORE_UNAVAILABLE', 'down'))).toBe(true);
    expect(isOperatorProblem(new HttpError(503, 'BUSY', 'busy'))).toBe(false); // load, not a fault: the access log has it
    expect(isOperatorProblem(new HttpError(409, 'UPLOAD_CONFLICT', 'publishing'))).toBe(false);
  });
});
