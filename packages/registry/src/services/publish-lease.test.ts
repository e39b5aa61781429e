// A publish that fails must end its lease; when ending it fails too (the disk is full, the database is gone), the
// client must still be told why the publish failed (a 422 stays a 422, not the release's 507), the operator must
// hear of the release's error, and the draft must not stay frozen for PUBLISH_LEASE_MS (every upload 409
// UPLOAD_CONFLICT, every publish 409): its next change releases the lease first. The stores are the in-memory ones
// (the same lease rules as SQLite and PostgreSQL, held by the contract suite), behind a wrapper whose abortPublish
// fails as many times as a test says, with a real StoreFullError.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createRegistryApp, type RegistryApp } from '../app';
import { StoreFullError } from '../storage/errors';
import { openMemoryBlobStore } from '../storage/memory-blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import { openMemoryMetadataStore } from '../storage/memory-metadata-store';
import { buildExampleRelease, type ExampleRelease } from '../testing';

const ADMIN = 'signet_publish-lease-admin';
const VERSIONS = '/api/v1/providers/acme/hello/versions';

let dir: string;
let release: ExampleRelease;
let app: RegistryApp;
/** How many of the next abortPublish calls fail. */
let releasesToFail: number;
let releaseCalls: number;
let reported: { error: unknown; path: string }[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-publish-lease-'));
  release = await buildExampleRelease(join(dir, 'release'), { platforms: ['linux_amd64'] });
}, 60_000);
afterAll(async () => rm(dir, { recursive: true, force: true }));

beforeEach(async () => {
  releasesToFail = 0;
  releaseCalls = 0;
  reported = [];
  const store = await openMemoryMetadataStore();
  const metadata: MetadataStore = {
    ...store,
    abortPublish: async (...args) => {
      releaseCalls++;
      if (releasesToFail > 0) {
        releasesToFail--;
        throw new StoreFullError('database', { cause: new Error('database or disk is full') });
      }
      return store.abortPublish(...args);
    },
  };
  app = createRegistryApp({
    metadata,
    blobs: openMemoryBlobStore(),
    adminToken: ADMIN,
    onError: (error, request) => reported.push({ error, path: new URL(request.url).pathname }),
  });
  expect((await call('POST', '/api/v1/namespaces', { name: 'acme' })).status).toBe(201);
  expect((await call('POST', '/api/v1/namespaces/acme/keys', { ascii_armor: release.publicKeyArmored })).status).toBe(
    201,
  );
  expect((await call('POST', '/api/v1/namespaces/acme/providers', { type: 'hello' })).status).toBe(201);
  const draft = await call('POST', VERSIONS, { version: '1.0.0', protocols: ['6'], key_id: release.keyId });
  expect(draft.status).toBe(201);
  // Every file but the zip: the publish fails validation (422).
  for (const file of release.files.filter((f) => !f.fileName.endsWith('.zip'))) {
    expect((await upload(file.fileName)).status).toBe(201);
  }
});

async function call(method: string, path: string, json?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  return app.request(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
}

async function upload(fileName: string): Promise<Response> {
  const file = release.files.find((f) => f.fileName === fileName)!;
  return app.request(`${VERSIONS}/1.0.0/files/${fileName}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/octet-stream' },
    body: await readFile(file.path),
  });
}

const zipName = () => release.files.find((f) => f.fileName.endsWith('.zip'))!.fileName;
const publish = () => call('POST', `${VERSIONS}/1.0.0/publish`);
const codesOf = async (answer: Response) =>
  ((await answer.json()) as { errors: { code: string }[] }).errors.map((e) => e.code);

describe('a failed publish whose lease cannot be released', () => {
  it('still answers why the publish failed, and reports the release error to onError', async () => {
    releasesToFail = 1;
    const refused = await publish();
    expect(refused.status).toBe(422);
    expect(await codesOf(refused)).toContain('FILE_MISSING');
    expect(releaseCalls).toBe(1);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.error).toBeInstanceOf(StoreFullError);
    expect(reported[0]?.path).toBe(`${VERSIONS}/1.0.0/publish`);
  });

  it('does not block the next upload (it releases the lease first) nor the publish after it', async () => {
    releasesToFail = 1;
    expect((await publish()).status).toBe(422);
    const uploaded = await upload(zipName());
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    expect(releaseCalls).toBe(2); // the failed one and the retry before the upload
    expect((await publish()).status).toBe(200);
  });

  it('does not block the next publish either', async () => {
    releasesToFail = 1;
    expect((await publish()).status).toBe(422);
    const again = await publish();
    expect(again.status).toBe(422); // validated again (still no zip), not 409 "being published"
    expect(await codesOf(again)).toContain('FILE_MISSING');
    expect(releaseCalls).toBe(3); // the failed one, the retry, and the second publish's own release
  });

  it('answers the store error, not 409 UPLOAD_CONFLICT, while the release keeps failing, and works once it does not', async () => {
    releasesToFail = 2;
    expect((await publish()).status).toBe(422);
    const blocked = await upload(zipName());
    expect(blocked.status).toBe(507);
    expect(await codesOf(blocked)).toEqual(['STORAGE_FULL']);
    expect((await upload(zipName())).status).toBe(201);
    expect((await publish()).status).toBe(200);
    expect(releaseCalls).toBe(3);
  });

  it('does not block deleting a file of the draft, nor the draft', async () => {
    releasesToFail = 1;
    expect((await publish()).status).toBe(422);
    const sums = release.files.find((f) => f.fileName.endsWith('_SHA256SUMS'))!.fileName;
    expect((await call('DELETE', `${VERSIONS}/1.0.0/files/${sums}`)).status).toBe(200);
    expect(releaseCalls).toBe(2);
    releasesToFail = 1;
    expect((await publish()).status).toBe(422);
    expect((await call('DELETE', `${VERSIONS}/1.0.0`)).status).toBeLessThan(300);
    expect(releaseCalls).toBe(4);
  });

  it('releases the lease of a failed publish as before when the store takes it', async () => {
    expect((await publish()).status).toBe(422);
    expect(reported).toEqual([]);
    expect((await upload(zipName())).status).toBe(201);
    expect(releaseCalls).toBe(1);
  });
});
