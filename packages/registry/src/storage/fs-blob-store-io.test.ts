// How the embedded blob store moves big files: downloads read 1 MiB at a time (whole or by range), an upload's
// chunks are written in batches, in order, and an upload larger than the background-flush interval (64 MiB) is
// flushed while it arrives and still stored byte for byte.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { openFsBlobStore } from './fs-blob-store';

const MIB = 1024 * 1024;
const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openStore() {
  const dataDir = await mkdtemp(join(tmpdir(), 'signet-blob-io-'));
  roots.push(dataDir);
  return { store: await openFsBlobStore({ dataDir }), dataDir };
}

/** `count` chunks of 1 MiB, each filled with its index, so every MiB differs. */
async function* chunks(count: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield await Promise.resolve(new Uint8Array(MIB).fill(i % 251));
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('fs blob store I/O', () => {
  it('reads a download in 1 MiB chunks, whole and by range', async () => {
    const { store } = await openStore();
    const stored = await store.put(chunks(3), { maxBytes: 4 * MIB });
    const whole = await readAll(await store.open(stored.sha256));
    expect(whole.map((c) => c.length)).toEqual([MIB, MIB, MIB]);
    expect(createHash('sha256').update(Buffer.concat(whole)).digest('hex')).toBe(stored.sha256);
    const range = await readAll(await store.open(stored.sha256, { start: 10, end: 2 * MIB + 9 }));
    expect(range.map((c) => c.length)).toEqual([MIB, MIB]);
    expect(Buffer.concat(range)[0]).toBe(0);
    expect(Buffer.concat(range).at(-1)).toBe(2);
  });

  it('stores small chunks of odd sizes, gathered into batched writes, in order', async () => {
    const { store } = await openStore();
    // 64 KiB socket-sized chunks with odd ones between: batches close on bytes (1 MiB) or on count (256).
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 600; i++) parts.push(new Uint8Array(i % 3 === 0 ? 1 + (i % 7) : 64 * 1024).fill(i % 256));
    async function* source(): AsyncGenerator<Uint8Array> {
      for (const part of parts) yield await Promise.resolve(part);
    }
    const whole = Buffer.concat(parts);
    const stored = await store.put(source(), { maxBytes: whole.length });
    expect(stored.size).toBe(whole.length);
    expect(stored.sha256).toBe(createHash('sha256').update(whole).digest('hex'));
    expect(Buffer.concat(await readAll(await store.open(stored.sha256))).equals(whole)).toBe(true);
  });

  it('stores an upload past the background-flush interval byte for byte', async () => {
    const { store, dataDir } = await openStore();
    const count = 130; // two background flushes (64 MiB each) and a rest
    const expected = createHash('sha256');
    for await (const chunk of chunks(count)) expected.update(chunk);
    const stored = await store.put(chunks(count), { maxBytes: count * MIB });
    expect(stored).toMatchObject({ sha256: expected.digest('hex'), size: count * MIB, created: true });
    const bytes = await readFile(join(dataDir, 'blobs', stored.sha256.slice(0, 2), stored.sha256.slice(2)));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(stored.sha256);
  }, 60_000);
});
