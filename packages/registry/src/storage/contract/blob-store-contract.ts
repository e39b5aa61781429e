import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { BlobStore } from '../blob-store';
import { BlobDigestMismatchError, BlobRangeError, BlobTooLargeError, StoreNotFoundError } from '../errors';

const MIB = 1024 * 1024;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// Sources yield to the event loop between chunks, as a socket does.
async function* chunksOf(bytes: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) {
    await tick();
    yield bytes.subarray(i, i + size);
  }
  await tick();
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out.sort();
}

/** A source that counts the chunks it gave and whether it was told to stop (its `finally` ran). */
function countingSource(chunk: Uint8Array) {
  const state = { pulled: 0, stopped: false };
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        await tick();
        state.pulled++;
        yield chunk;
      }
    } finally {
      state.stopped = true;
    }
  }
  return { state, source: source() };
}

// `global.gc` without starting node with --expose-gc: flip the flag, then read it from a fresh context.
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * The behaviour every `BlobStore` backend must have. `create` returns a new, empty store for each test.
 */
export function describeBlobStoreContract(name: string, create: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    const bytes = randomBytes(1000);
    const digest = sha256(bytes);
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      for await (const stored of store.list()) await store.delete(stored);
    });

    it('stores by SHA-256 and gives the bytes back, whatever the chunking', async () => {
      const first = { sha256: digest, size: 1000, created: true };
      expect(await store.put(chunksOf(bytes), { maxBytes: 1000 })).toEqual(first);
      expect(await store.stat(digest)).toEqual({ size: 1000 });
      expect(await readAll(await store.open(digest))).toEqual(bytes);
      // The second put of the same bytes did not create them: deleting on its behalf would take the first's.
      expect(await store.put(chunksOf(bytes, 1000), { maxBytes: 1000 })).toEqual({ ...first, created: false });
      expect(await collect(store.list())).toEqual([digest]);
    });

    it('stages bytes out of sight until commit, and a discard stores nothing', async () => {
      const staged = await store.stage(chunksOf(bytes), { maxBytes: 1000 });
      expect({ sha256: staged.sha256, size: staged.size }).toEqual({ sha256: digest, size: 1000 });
      expect(await store.stat(digest)).toBeUndefined();
      expect(await collect(store.list())).toEqual([]);
      expect(await staged.commit()).toEqual({ sha256: digest, size: 1000, created: true });
      await staged.discard();
      expect(await readAll(await store.open(digest))).toEqual(bytes);

      const again = await store.stage(chunksOf(bytes), { maxBytes: 1000 });
      expect(await again.commit()).toEqual({ sha256: digest, size: 1000, created: false });
      const other = await store.stage(chunksOf(randomBytes(10)), { maxBytes: 1000 });
      await other.discard();
      expect(await collect(store.list())).toEqual([digest]);
      await expect(store.stage(chunksOf(bytes), { maxBytes: 999 })).rejects.toBeInstanceOf(BlobTooLargeError);
    });

    it('stores an empty blob', async () => {
      expect(await store.put(chunksOf(new Uint8Array(0)), { maxBytes: 0 })).toEqual({
        sha256: EMPTY_SHA256,
        size: 0,
        created: true,
      });
      expect(await readAll(await store.open(EMPTY_SHA256))).toHaveLength(0);
    });

    it('is idempotent for identical bytes, also when they arrive concurrently', async () => {
      const results = await Promise.all(Array.from({ length: 5 }, () => store.put(chunksOf(bytes), { maxBytes: MIB })));
      expect(new Set(results.map((r) => r.sha256))).toEqual(new Set([digest]));
      expect(await collect(store.list())).toEqual([digest]);
      expect(await readAll(await store.open(digest))).toEqual(bytes);
    });

    it('accepts the expected digest, in either case', async () => {
      const options = { maxBytes: MIB, expectedSha256: digest.toUpperCase() };
      expect((await store.put(chunksOf(bytes), options)).sha256).toBe(digest);
    });

    it('refuses other bytes than the expected digest and stores nothing', async () => {
      const error = await store
        .put(chunksOf(bytes), { maxBytes: MIB, expectedSha256: EMPTY_SHA256 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlobDigestMismatchError);
      expect(error).toMatchObject({ code: 'BLOB_DIGEST_MISMATCH', expected: EMPTY_SHA256, actual: digest });
      expect(await store.stat(digest)).toBeUndefined();
      expect(await collect(store.list())).toEqual([]);
    });

    it('refuses an expected digest that is no SHA-256 before reading anything', async () => {
      const { state, source } = countingSource(bytes);
      await expect(store.put(source, { maxBytes: MIB, expectedSha256: 'abc' })).rejects.toBeInstanceOf(
        BlobDigestMismatchError,
      );
      expect(state.pulled).toBe(0);
    });

    it('takes exactly maxBytes, refuses one more, stops reading at once and stores nothing', async () => {
      expect((await store.put(chunksOf(bytes), { maxBytes: 1000 })).size).toBe(1000);
      await store.delete(digest);
      await expect(store.put(chunksOf(bytes), { maxBytes: 999 })).rejects.toBeInstanceOf(BlobTooLargeError);
      const endless = countingSource(new Uint8Array(1024));
      const error = await store.put(endless.source, { maxBytes: 4096 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BLOB_TOO_LARGE', maxBytes: 4096 });
      expect(endless.state.pulled).toBe(5);
      expect(endless.state.stopped).toBe(true);
      expect(await collect(store.list())).toEqual([]);
    });

    it('stores nothing when the source fails midway', async () => {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield bytes.subarray(0, 500);
        await tick();
        throw new Error('connection reset');
      }
      await expect(store.put(failing(), { maxBytes: MIB })).rejects.toThrow('connection reset');
      expect(await collect(store.list())).toEqual([]);
    });

    it('keeps memory flat for a large upload', async () => {
      const gc = exposeGc();
      gc();
      const baseline = process.memoryUsage().arrayBuffers;
      let peak = 0;
      const total = 128;
      async function* fresh(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < total; i++) {
          await tick();
          if (i % 8 === 7) {
            gc();
            peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
          }
          yield randomBytes(MIB); // a new buffer each time: one the store kept would stay counted
        }
      }
      const stored = await store.put(fresh(), { maxBytes: total * MIB });
      expect(stored.size).toBe(total * MIB);
      expect(peak).toBeLessThan(32 * MIB); // measured 1–9 MiB; kept chunks would reach 128
    });

    it('reads inclusive ranges and refuses ranges outside the blob', async () => {
      await store.put(chunksOf(bytes), { maxBytes: MIB });
      const range = async (start: number, end: number) => readAll(await store.open(digest, { start, end }));
      expect(await range(0, 0)).toEqual(bytes.subarray(0, 1));
      expect(await range(2, 5)).toEqual(bytes.subarray(2, 6));
      expect(await range(999, 999)).toEqual(bytes.subarray(999));
      expect(await range(0, 999)).toEqual(bytes);
      for (const [start, end] of [
        [5, 2],
        [0, 1000],
        [-1, 3],
        [1000, 1000],
        [0.5, 3],
      ] as const) {
        await expect(store.open(digest, { start, end })).rejects.toBeInstanceOf(BlobRangeError);
      }
      await store.put(chunksOf(new Uint8Array(0)), { maxBytes: 0 });
      await expect(store.open(EMPTY_SHA256, { start: 0, end: 0 })).rejects.toBeInstanceOf(BlobRangeError);
    });

    it('knows no unknown or malformed digest', async () => {
      await store.put(chunksOf(bytes), { maxBytes: MIB });
      for (const unknown of [
        'c'.repeat(64),
        '../../../../etc/passwd',
        digest.toUpperCase(),
        `${digest.slice(0, 2)}/x`,
        '',
      ]) {
        expect(await store.stat(unknown)).toBeUndefined();
        expect(await store.localPath(unknown)).toBeUndefined();
        await expect(store.open(unknown)).rejects.toBeInstanceOf(StoreNotFoundError);
        expect(await store.delete(unknown)).toBe(false);
      }
      expect(await store.stat(digest)).toEqual({ size: 1000 });
    });

    it('gives a local path with the bytes, when the backend has local files', async () => {
      await store.put(chunksOf(bytes), { maxBytes: MIB });
      const path = await store.localPath(digest);
      if (path !== undefined) expect(await readFile(path)).toEqual(bytes);
    });

    it('deletes, once, and lists what remains', async () => {
      const other = randomBytes(10);
      await store.put(chunksOf(bytes), { maxBytes: MIB });
      await store.put(chunksOf(other), { maxBytes: MIB });
      expect(await collect(store.list())).toEqual([digest, sha256(other)].sort());
      expect(await store.delete(digest)).toBe(true);
      expect(await store.stat(digest)).toBeUndefined();
      await expect(store.open(digest)).rejects.toBeInstanceOf(StoreNotFoundError);
      expect(await store.delete(digest)).toBe(false);
      expect(await collect(store.list())).toEqual([sha256(other)]);
    });
  });
}
