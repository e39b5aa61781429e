import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeEach, describe, expect, it } from 'vitest';

import { describeBlobStoreContract } from './contract/blob-store-contract';
import { openFsBlobStore } from './fs-blob-store';

const roots: string[] = [];
async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-blobs-'));
  roots.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeBlobStoreContract('fs', {
  // No URLs to hand out; a refusing folder would need a read-only file system (root writes through chmod).
  capabilities: { presign: false, flatMemory: true, leftovers: true, refuseWrites: false, head: true, ping: true },
  async createBackend() {
    const dataDir = await newDir();
    return {
      // One process per folder: a second handle opened mid-upload would clean the first's tmp/ (the suite opens
      // both before any upload).
      open: () => openFsBlobStore({ dataDir }),
      leftovers: () => readdir(join(dataDir, 'blobs', 'tmp')),
    };
  },
});

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield await Promise.resolve(bytes);
}

describe('openFsBlobStore', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await newDir();
  });
  const bytes = Buffer.from('hello, blobs\n');
  const digest = createHash('sha256').update(bytes).digest('hex');

  it('lays blobs out as blobs/ab/cdef…', async () => {
    const store = await openFsBlobStore({ dataDir });
    await store.put(once(bytes), { maxBytes: 100 });
    const path = join(dataDir, 'blobs', digest.slice(0, 2), digest.slice(2));
    expect(await readFile(path)).toEqual(bytes);
    expect(await readdir(join(dataDir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('keeps blobs and removes leftover temporary files when opened again', async () => {
    const store = await openFsBlobStore({ dataDir });
    await store.put(once(bytes), { maxBytes: 100 });
    await writeFile(join(dataDir, 'blobs', 'tmp', 'left-by-a-crash'), 'partial');
    const reopened = await openFsBlobStore({ dataDir });
    expect(await readdir(join(dataDir, 'blobs', 'tmp'))).toEqual([]);
    expect(await reopened.stat(digest)).toEqual({ size: bytes.length });
  });

  it('holds an upload in progress only as a temporary file, never as a blob', async () => {
    const store = await openFsBlobStore({ dataDir });
    let fail: (error: Error) => void = () => undefined;
    const stalled = new Promise<never>((_resolve, reject) => (fail = reject));
    async function* halfway(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 5);
      await stalled;
    }
    const upload = store.put(halfway(), { maxBytes: 100 });
    await expect.poll(async () => (await readdir(join(dataDir, 'blobs', 'tmp'))).length).toBe(1);
    expect(await readdir(join(dataDir, 'blobs'))).toEqual(['tmp']);

    // What a crash would leave is what a new process finds: it cleans it up, and no blob exists.
    const afterCrash = await openFsBlobStore({ dataDir });
    expect(await readdir(join(dataDir, 'blobs', 'tmp'))).toEqual([]);
    fail(new Error('client went away'));
    await expect(upload).rejects.toThrow('client went away');
    const listed: string[] = [];
    for await (const stored of afterCrash.list()) listed.push(stored.sha256);
    expect(listed).toEqual([]);
  });

  it('ignores foreign files when listing', async () => {
    const store = await openFsBlobStore({ dataDir });
    await store.put(once(bytes), { maxBytes: 100 });
    await mkdir(join(dataDir, 'blobs', 'zz'));
    await writeFile(join(dataDir, 'blobs', 'zz', 'x'), '');
    await writeFile(join(dataDir, 'blobs', digest.slice(0, 2), 'README'), '');
    const listed: string[] = [];
    for await (const stored of store.list()) listed.push(stored.sha256);
    expect(listed).toEqual([digest]);
    expect(existsSync(join(dataDir, 'blobs', 'zz', 'x'))).toBe(true);
  });
});

describe('fs blob store ping', () => {
  it('fails with StoreUnavailableError once its folder is gone', async () => {
    const dataDir = await newDir();
    const store = await openFsBlobStore({ dataDir });
    await store.ping!();
    await rm(join(dataDir, 'blobs'), { recursive: true });
    await expect(store.ping!()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
