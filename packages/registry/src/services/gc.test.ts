// Garbage collection on real stores: every blob a published version or a draft names survives (and the published
// version still downloads), an unreferenced blob older than the grace period goes, a younger one stays, and a dry
// run deletes nothing. Two different releases make the referenced set large enough that a collector deleting
// too much cannot pass.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryApp, type RegistryApp } from '../app';
import type { BlobStore } from '../storage/blob-store';
import { openFsBlobStore } from '../storage/fs-blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import { openMemoryMetadataStore } from '../storage/memory-metadata-store';
import { buildExampleRelease, type ExampleRelease } from '../testing';
import { collectGarbage } from './gc';

const ADMIN = 'signet_gc-admin';
const HOUR = 3_600_000;
let dir: string;
let app: RegistryApp;
let metadata: MetadataStore;
let blobs: BlobStore;
let published: ExampleRelease;
let draft: ExampleRelease;

async function ok(method: string, path: string, json?: unknown, bytes?: Uint8Array) {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await app.request(path, {
    method,
    headers,
    body: bytes ?? (json === undefined ? undefined : JSON.stringify(json)),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res;
}

async function upload(release: ExampleRelease) {
  const versions = `/api/v1/providers/acme/${release.name}/versions`;
  await ok('POST', versions, { version: release.version, protocols: ['6'], key_id: release.keyId });
  for (const file of release.files) {
    await ok('PUT', `${versions}/${release.version}/files/${file.fileName}`, undefined, await readFile(file.path));
  }
}

async function putOrphan(text: string): Promise<string> {
  const stored = await blobs.put(Readable.from([Buffer.from(text)]), { maxBytes: 1024 });
  return stored.sha256;
}

async function listed(): Promise<Set<string>> {
  const digests = new Set<string>();
  for await (const blob of blobs.list()) digests.add(blob.sha256);
  return digests;
}

async function referencedDigests(): Promise<Set<string>> {
  const digests = new Set<string>();
  for (const release of [published, draft]) {
    for (const file of await metadata.listFiles('acme', release.name, release.version)) digests.add(file.sha256);
  }
  return digests;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-gc-'));
  metadata = await openMemoryMetadataStore();
  blobs = await openFsBlobStore({ dataDir: join(dir, 'data') });
  app = createRegistryApp({ metadata, blobs, adminToken: ADMIN });
  published = await buildExampleRelease(join(dir, 'published'));
  draft = await buildExampleRelease(join(dir, 'draft'), { name: 'draftonly', version: '0.1.0' });
  await ok('POST', '/api/v1/namespaces', { name: 'acme', visibility: 'public' });
  await ok('POST', '/api/v1/namespaces/acme/keys', { ascii_armor: published.publicKeyArmored });
  await ok('POST', '/api/v1/namespaces/acme/keys', { ascii_armor: draft.publicKeyArmored });
  for (const release of [published, draft])
    await ok('POST', '/api/v1/namespaces/acme/providers', { type: release.name });
  await upload(published);
  await ok('POST', `/api/v1/providers/acme/${published.name}/versions/${published.version}/publish`);
  await upload(draft);
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('signet gc (collectGarbage)', () => {
  it('keeps every blob a published version or a draft references and deletes an old orphan', async () => {
    const orphan = await putOrphan('bytes of a deleted draft');
    const referenced = await referencedDigests();
    expect(referenced.size).toBeGreaterThanOrEqual(2 * published.files.length - 2);
    expect(await listed()).toEqual(new Set([...referenced, orphan]));

    const dry = await collectGarbage({
      metadata,
      blobs,
      graceMs: HOUR,
      now: () => Date.now() + 2 * HOUR,
      dryRun: true,
    });
    expect(dry.deleted.map((b) => b.sha256)).toEqual([orphan]);
    expect(await listed()).toContain(orphan);

    const report = await collectGarbage({ metadata, blobs, graceMs: HOUR, now: () => Date.now() + 2 * HOUR });
    expect(report).toMatchObject({
      scanned: referenced.size + 1,
      referenced: referenced.size,
      young: 0,
      dryRun: false,
    });
    expect(report.deleted).toEqual([{ sha256: orphan, size: 'bytes of a deleted draft'.length }]);
    expect(await listed()).toEqual(referenced);

    // The published version still serves its files, and the draft still publishes (its bytes are all there).
    const zip = published.files.find((f) => f.fileName.endsWith('_linux_amd64.zip'))!;
    const res = await app.request(`/v1/files/acme/${published.name}/${published.version}/${zip.fileName}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(await readFile(zip.path));
    await ok('POST', `/api/v1/providers/acme/${draft.name}/versions/${draft.version}/publish`);
  });

  it('keeps an unreferenced blob younger than the grace period (an upload in flight)', async () => {
    const inFlight = await putOrphan('an upload whose record is not written yet');
    const report = await collectGarbage({ metadata, blobs, graceMs: HOUR });
    expect(report.young).toBeGreaterThanOrEqual(1);
    expect(report.deleted).toEqual([]);
    expect(await listed()).toContain(inFlight);
    // Past the grace period it goes.
    const later = await collectGarbage({ metadata, blobs, graceMs: HOUR, now: () => Date.now() + 2 * HOUR });
    expect(later.deleted.map((b) => b.sha256)).toEqual([inFlight]);
  });
});
