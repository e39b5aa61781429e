// Files the fast path sends from the embedded blob store (`blobFileOpenerOf(store)`, `sendTo`): the bytes go
// through a few buffers that are used again, so these check what reuse could break. A writer that reads each chunk
// only when it calls back (as a socket that queued it does) still gets every byte right, whole, by range and for
// several files at once; a short last chunk carries no stale bytes of an earlier file; the file is closed when the
// writer goes away mid-file and when the file turns out shorter than it was (and `open`'s stream fails on such a
// file too); other stores have no opener.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { afterAll, describe, expect, it } from 'vitest';

import { BlobRangeError, StoreNotFoundError } from './errors';
import { blobFileOpenerOf, openFsBlobStore } from './fs-blob-store';
import { openMemoryBlobStore } from './memory-blob-store';

const MIB = 1024 * 1024;
const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openStore() {
  const dataDir = await mkdtemp(join(tmpdir(), 'signet-blob-send-'));
  roots.push(dataDir);
  const store = await openFsBlobStore({ dataDir });
  const open = blobFileOpenerOf(store)!;
  async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
    yield await Promise.resolve(bytes);
  }
  const put = async (bytes: Buffer) => (await store.put(once(bytes), { maxBytes: bytes.length })).sha256;
  return { store, open, put, dataDir };
}

/**
 * A writer that copies each chunk only when it is done with it, a few milliseconds after `write` (as a socket reads
 * a chunk it queued): a buffer given back before the callback would be overwritten by then, and the copy would show.
 */
function lateReader(options: { failAfter?: number; stallAfter?: number } = {}) {
  const received: Buffer[] = [];
  let writes = 0;
  const out = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      writes++;
      // A stalled connection: this write never completes (a socket destroyed meanwhile never calls it back).
      if (options.stallAfter !== undefined && writes > options.stallAfter) return;
      setTimeout(() => {
        if (options.failAfter !== undefined && writes > options.failAfter) {
          callback(new Error('the client went away'));
          return;
        }
        received.push(Buffer.from(chunk));
        callback();
      }, 3);
    },
  });
  const ended = new Promise<Buffer>((resolve, reject) => {
    out.once('finish', () => resolve(Buffer.concat(received)));
    out.once('error', reject);
  });
  return { out, ended, received: () => Buffer.concat(received) };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function openFiles(dataDir: string): Promise<number> {
  // The store's files this process holds open: /proc/self/fd links into the data folder.
  const { readlink } = await import('node:fs/promises');
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(dataDir)) count++;
  }
  return count;
}

describe('fs blob store: sending a file from reused buffers', () => {
  it('sends files of several MiB whole and by range to a writer that reads each chunk late', async () => {
    const { open, put } = await openStore();
    // Not a multiple of the 1 MiB chunk, so the last chunk is short.
    const big = randomBytes(5 * MIB + 12_345);
    const digest = await put(big);
    const whole = lateReader();
    (await open(digest)).sendTo(whole.out);
    expect(sha256(await whole.ended)).toBe(sha256(big));

    for (const range of [
      { start: 0, end: 0 },
      { start: MIB - 1, end: MIB },
      { start: 7, end: 3 * MIB + 100 },
      { start: big.length - 10, end: big.length - 1 },
    ]) {
      const part = lateReader();
      (await open(digest, range)).sendTo(part.out);
      expect((await part.ended).equals(big.subarray(range.start, range.end + 1)), JSON.stringify(range)).toBe(true);
    }
  });

  it('keeps files sent at the same time apart, and a short last chunk free of an earlier file’s bytes', async () => {
    const { open, put } = await openStore();
    const files = [randomBytes(3 * MIB + 1), randomBytes(2 * MIB + 77), randomBytes(4 * MIB - 3)];
    const digests = await Promise.all(files.map(put));
    const readers = files.map(() => lateReader());
    await Promise.all(digests.map(async (digest, i) => (await open(digest)).sendTo(readers[i]!.out)));
    const sent = await Promise.all(readers.map((reader) => reader.ended));
    sent.forEach((bytes, i) => expect(sha256(bytes), `file ${i}`).toBe(sha256(files[i]!)));

    // The buffers now hold those files' bytes: a small file sent next must get exactly its own.
    const small = Buffer.from('a small file, far shorter than one buffer');
    const reader = lateReader();
    (await open(await put(small))).sendTo(reader.out);
    expect((await reader.ended).equals(small)).toBe(true);
  });

  it('closes the file when the writer goes away mid-file (its last write never called back), and when a write fails', async () => {
    const { open, put, dataDir } = await openStore();
    const digest = await put(randomBytes(8 * MIB));
    const gone = lateReader({ stallAfter: 1 });
    (await open(digest)).sendTo(gone.out);
    gone.ended.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await openFiles(dataDir)).toBe(1);
    gone.out.destroy();
    await expect.poll(() => openFiles(dataDir)).toBe(0);
    expect(gone.received().length).toBeLessThan(8 * MIB);

    const failing = lateReader({ failAfter: 2 });
    (await open(digest)).sendTo(failing.out);
    await expect(failing.ended).rejects.toThrow('the client went away');
    await expect.poll(() => openFiles(dataDir)).toBe(0);
  });

  it('destroys the writer with an error when the file is shorter than when it was opened', async () => {
    const { open, put, dataDir, store } = await openStore();
    const digest = await put(randomBytes(3 * MIB));
    const file = await open(digest);
    await truncate(join(dataDir, 'blobs', digest.slice(0, 2), digest.slice(2)), MIB + 5);
    const reader = lateReader();
    file.sendTo(reader.out);
    await expect(reader.ended).rejects.toThrow(`The blob file ended at byte ${MIB + 5}, expected ${3 * MIB}.`);
    await expect.poll(() => openFiles(dataDir)).toBe(0);

    // The stream `open` gives (the app's downloads, the zip checks) refuses a short file just as loudly.
    const shortened = randomBytes(2 * MIB);
    const other = await put(shortened);
    const stream = await store.open(other);
    await truncate(join(dataDir, 'blobs', other.slice(0, 2), other.slice(2)), 100);
    await expect(async () => {
      for await (const chunk of stream) expect(chunk).toBeDefined();
    }).rejects.toThrow(`The blob file ended at byte 100, expected ${2 * MIB}.`);
    await expect.poll(() => openFiles(dataDir)).toBe(0);
  });

  it('refuses what `open` refuses, and gives an opener only for stores made here', async () => {
    const { open, put } = await openStore();
    await expect(open('0'.repeat(64))).rejects.toBeInstanceOf(StoreNotFoundError);
    await expect(open('../etc/passwd')).rejects.toBeInstanceOf(StoreNotFoundError);
    const digest = await put(randomBytes(100));
    await expect(open(digest, { start: 50, end: 100 })).rejects.toBeInstanceOf(BlobRangeError);
    const file = await open(digest);
    file.close();
    expect(() => file.sendTo(lateReader().out)).toThrow(/sent or closed once/);
    expect(blobFileOpenerOf(openMemoryBlobStore())).toBeUndefined();
  });
});
