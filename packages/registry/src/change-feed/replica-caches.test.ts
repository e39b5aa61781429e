// Two apps on one store, as two replicas on one database: each keeps its read model and token cache with no TTL,
// and the change feed alone keeps them right. The control apps without a feed show the caches really are stale
// without it, so the feed, not a reload, is what the first assertions see.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryApp, type RegistryApp } from '../app';
import { openFsBlobStore } from '../storage/fs-blob-store';
import { createMemoryMetadataBackend, openMemoryMetadataStore } from '../storage/memory-metadata-store';
import { buildExampleRelease, type ExampleRelease } from '../testing';
import { createInProcessChangeFeed, type ChangeEvent } from './change-feed';

const ADMIN = 'signet_replica-test-admin';
const dirs: string[] = [];
let release: ExampleRelease;
let a: RegistryApp;
let b: RegistryApp;
let stale: RegistryApp;
const events: ChangeEvent[] = [];

async function call(app: RegistryApp, method: string, path: string, json?: unknown, bytes?: Uint8Array, token = ADMIN) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  return app.request(path, { method, headers, body: bytes ?? (json === undefined ? undefined : JSON.stringify(json)) });
}

async function ok(app: RegistryApp, method: string, path: string, json?: unknown, bytes?: Uint8Array) {
  const res = await call(app, method, path, json, bytes);
  expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
  return res;
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'signet-replicas-'));
  dirs.push(dir);
  release = await buildExampleRelease(join(dir, 'release'));
  const backend = createMemoryMetadataBackend();
  const blobs = await openFsBlobStore({ dataDir: join(dir, 'data') });
  const feed = createInProcessChangeFeed();
  feed.subscribe((event) => events.push(event));
  const open = async (withFeed: boolean) =>
    createRegistryApp({
      metadata: await openMemoryMetadataStore({ backend }),
      blobs,
      adminToken: ADMIN,
      changeFeed: withFeed ? feed : undefined,
      readCacheTtlMs: Infinity,
      tokenCacheTtlMs: Infinity,
    });
  [a, b, stale] = [await open(true), await open(true), await open(false)];

  await ok(a, 'POST', '/api/v1/namespaces', { name: 'acme', visibility: 'private' });
  await ok(a, 'POST', '/api/v1/namespaces/acme/keys', { ascii_armor: release.publicKeyArmored });
  await ok(a, 'POST', '/api/v1/namespaces/acme/providers', { type: release.name });
  const versions = `/api/v1/providers/acme/${release.name}/versions`;
  await ok(a, 'POST', versions, { version: release.version, protocols: ['6'], key_id: release.keyId });
  for (const file of release.files) {
    await ok(a, 'PUT', `${versions}/${release.version}/files/${file.fileName}`, undefined, await readFile(file.path));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('replica caches follow the change feed, not a clock', () => {
  let reader: string;

  it('serves a version published on A from B, whose view was cached before', async () => {
    const created = await ok(a, 'POST', '/api/v1/tokens', { name: 'ci', role: 'read', namespaces: ['acme'] });
    reader = ((await created.json()) as { token: string }).token;
    const list = `/v1/providers/acme/${release.name}/versions`;
    // Both replicas cache the empty list (and the reader's token) first.
    for (const app of [b, stale]) {
      const before = await call(app, 'GET', list, undefined, undefined, reader);
      expect(((await before.json()) as { versions: unknown[] }).versions).toEqual([]);
    }
    await ok(a, 'POST', `/api/v1/providers/acme/${release.name}/versions/${release.version}/publish`);
    expect(events.map((e) => e.kind)).toContain('version.published');

    const onB = await call(b, 'GET', list, undefined, undefined, reader);
    expect(((await onB.json()) as { versions: { version: string }[] }).versions.map((v) => v.version)).toEqual([
      release.version,
    ]);
    const onStale = await call(stale, 'GET', list, undefined, undefined, reader);
    expect(((await onStale.json()) as { versions: unknown[] }).versions).toEqual([]);
  });

  it('shows a deprecation made on A in B’s versions at once', async () => {
    const list = `/v1/providers/acme/${release.name}/versions`;
    await ok(a, 'POST', `/api/v1/providers/acme/${release.name}/versions/${release.version}/deprecate`, {
      message: 'use 2.x',
    });
    const body = (await (await call(b, 'GET', list, undefined, undefined, reader)).json()) as { warnings?: string[] };
    expect(body.warnings?.join('\n')).toContain('use 2.x');
    const staleBody = (await (await call(stale, 'GET', list, undefined, undefined, reader)).json()) as {
      warnings?: string[];
    };
    expect(staleBody.warnings).toBeUndefined();
  });

  it('refuses on B a token revoked on A, which B had cached', async () => {
    const list = `/v1/providers/acme/${release.name}/versions`;
    const tokens = (await (await ok(a, 'GET', '/api/v1/tokens')).json()) as { id: string; name: string }[];
    const id = tokens.find((t) => t.name === 'ci')!.id;
    await ok(a, 'DELETE', `/api/v1/tokens/${id}`);
    expect(events).toContainEqual({ kind: 'token.revoked', tokenId: id });
    expect((await call(b, 'GET', list, undefined, undefined, reader)).status).toBe(403);
    expect((await call(stale, 'GET', list, undefined, undefined, reader)).status).toBe(200);
  });

  it('announces yank, restore and key changes', async () => {
    const path = `/api/v1/providers/acme/${release.name}/versions/${release.version}/yank`;
    await ok(a, 'POST', path, { yanked: true });
    await ok(a, 'POST', path, { yanked: false });
    await ok(b, 'DELETE', `/api/v1/namespaces/acme/keys/${release.keyId}`);
    expect(events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['version.yanked', 'version.restored', 'key.changed']),
    );
  });
});
