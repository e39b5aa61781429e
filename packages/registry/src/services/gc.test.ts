// Garbage collection on real stores: every blob a published version or a draft names survives (and the published
// version still downloads), an unreferenced blob older than the grace period goes, a younger one stays, and a dry
// run deletes nothing. Two different releases make the referenced set large enough that a collector deleting
// too much cannot pass. And, on every backend, an old orphan uploaded again is kept (the race at the end).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createRegistryApp, type RegistryApp } from '../app';
import type { BlobStore, ListedBlob } from '../storage/blob-store';
import { openFsBlobStore } from '../storage/fs-blob-store';
import { openMemoryBlobStore } from '../storage/memory-blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import { openMemoryMetadataStore } from '../storage/memory-metadata-store';
import { buildExampleRelease, type ExampleRelease } from '../testing';
import { startTestS3Server } from '../testing/s3-server';
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

// The race the grace period alone did not cover: identical bytes uploaded again as an old orphan's digest. The upload
// finds the blob there and commits; until its file record is written a moment later nothing references the blob, and
// a collector going by the blob's first upload would delete it. Every backend must make the commit count as a new
// write. Ages are relative to the listed time of the orphan, so the test waits ~1.5 s (object stores keep whole
// seconds) instead of faking a clock the bucket does not share.
const BACKENDS: { name: string; head: boolean; open: () => Promise<{ blobs: BlobStore; close(): Promise<void> }> }[] = [
  { name: 'memory', head: true, open: () => Promise.resolve({ blobs: openMemoryBlobStore(), close: async () => {} }) },
  {
    name: 'fs',
    head: true,
    open: async () => {
      const folder = await mkdtemp(join(tmpdir(), 'signet-gc-fs-'));
      return { blobs: await openFsBlobStore({ dataDir: folder }), close: () => rm(folder, { recursive: true }) };
    },
  },
  {
    name: 's3 (s3rver)',
    head: true,
    open: async () => {
      const s3 = await startTestS3Server();
      return { blobs: await s3.openStore({ bucket: await s3.createBucket() }), close: () => s3.close() };
    },
  },
];

describe.each(BACKENDS)('signet gc on $name: an old orphan uploaded again', ({ name, head, open }) => {
  const GRACE = 1_000;
  let store: { blobs: BlobStore; close(): Promise<void> };
  let gcMetadata: MetadataStore;
  beforeEach(async () => {
    store = await open();
    gcMetadata = await openMemoryMetadataStore();
  });
  afterEach(async () => {
    await store.close();
  });

  /** Stores `bytes` as an orphan and waits until a commit would be stamped at least a whole second later. */
  async function agedOrphan(bytes: Buffer): Promise<{ sha256: string; listed: ListedBlob[]; storedAt: number }> {
    const { sha256 } = await store.blobs.put(Readable.from([bytes]), { maxBytes: 1024 });
    const listed: ListedBlob[] = [];
    for await (const blob of store.blobs.list()) listed.push(blob);
    const storedAt = listed.find((b) => b.sha256 === sha256)!.lastModified.getTime();
    while (Date.now() < storedAt + 1_500) await new Promise((resolve) => setTimeout(resolve, 100));
    return { sha256, listed, storedAt };
  }

  /** What putDraftFile does up to the moment before it writes the file record: stage, then commit. */
  async function uploadAgain(bytes: Buffer): Promise<void> {
    const staged = await store.blobs.stage(Readable.from([bytes]), { maxBytes: 1024 });
    expect(await staged.commit()).toMatchObject({ created: false });
  }

  const gcAt = (now: number, blobs = store.blobs) =>
    collectGarbage({ metadata: gcMetadata, blobs, graceMs: GRACE, now: () => now });

  it('keeps the blob once the upload has committed, before its record is written', async () => {
    const bytes = Buffer.from(`an orphan on ${name}, uploaded again`);
    const { sha256, storedAt } = await agedOrphan(bytes);
    // By this clock the orphan is past the grace period: without the upload it goes.
    const dry = await collectGarbage({
      metadata: gcMetadata,
      blobs: store.blobs,
      graceMs: GRACE,
      now: () => storedAt + GRACE,
      dryRun: true,
    });
    expect(dry.deleted.map((b) => b.sha256)).toEqual([sha256]);

    await uploadAgain(bytes);
    const report = await gcAt(storedAt + GRACE);
    expect(report).toMatchObject({ scanned: 1, young: 1, deleted: [] });
    expect(await store.blobs.stat(sha256)).toEqual({ size: bytes.length });
  }, 20_000);

  (head ? it : it.skip)(
    `keeps it too when the collector listed the blobs before the upload committed${head ? '' : ` [skipped: ${name} has no head, so gc goes by the listing]`}`,
    async () => {
      const bytes = Buffer.from(`an orphan on ${name}, listed, then uploaded again`);
      const { sha256, listed, storedAt } = await agedOrphan(bytes);
      await uploadAgain(bytes);
      // The listing as it was before the upload (a page fetched earlier in a long run).
      const stale: BlobStore = {
        ...store.blobs,
        list: async function* () {
          await Promise.resolve();
          yield* listed;
        },
      };
      const report = await gcAt(storedAt + GRACE, stale);
      expect(report).toMatchObject({ scanned: 1, young: 1, deleted: [] });
      expect(await store.blobs.stat(sha256)).toEqual({ size: bytes.length });
    },
    20_000,
  );
});
