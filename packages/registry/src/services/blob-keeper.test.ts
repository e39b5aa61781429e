import { Readable } from 'node:stream';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { createMemoryBlobBackend, openMemoryBlobStore } from '../storage/memory-blob-store';
import { openMemoryMetadataStore } from '../storage/memory-metadata-store';
import { createBlobKeeper } from './blob-keeper';

const bytes = (text: string) => Readable.from([Buffer.from(text)]);
const GRACE_MS = 60_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('blob keeper', () => {
  it('deletes an unreferenced blob at once when one process serves the stores (no grace)', async () => {
    const blobs = openMemoryBlobStore();
    const { sha256 } = await blobs.put(bytes('orphan'), { maxBytes: 100 });
    await createBlobKeeper(await openMemoryMetadataStore(), blobs).collect([sha256]);
    expect(await blobs.stat(sha256)).toBeUndefined();
  });

  it("keeps bytes another process just committed again, which that process's record will name", async () => {
    // Two processes on one blob backend: A deletes a draft whose file was X while B uploads X's bytes again. B's
    // commit happens under B's lock only; A must not delete what B's record is about to name.
    const backend = createMemoryBlobBackend();
    const blobsA = openMemoryBlobStore({ backend });
    const blobsB = openMemoryBlobStore({ backend });
    const metadata = await openMemoryMetadataStore();
    const { sha256 } = await blobsA.put(bytes('release zip'), { maxBytes: 100 });
    backend.blobs.get(sha256)!.lastModified = new Date(Date.now() - 2 * GRACE_MS); // X's draft was made long ago
    await blobsB.put(bytes('release zip'), { maxBytes: 100 }); // B's commit refreshes X's age
    await createBlobKeeper(metadata, blobsA, { graceMs: GRACE_MS }).collect([sha256]);
    expect(await blobsA.stat(sha256)).toEqual({ size: 11 });
  });

  it('looks at a young unreferenced blob again once the grace has passed, and deletes it then', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    const blobs = openMemoryBlobStore();
    const { sha256 } = await blobs.put(bytes('replaced'), { maxBytes: 100 });
    const keeper = createBlobKeeper(await openMemoryMetadataStore(), blobs, { graceMs: GRACE_MS });
    await keeper.collect([sha256]);
    expect(await blobs.stat(sha256)).toEqual({ size: 8 });
    await vi.advanceTimersByTimeAsync(GRACE_MS);
    await vi.waitFor(async () => expect(await blobs.stat(sha256)).toBeUndefined());
  });

  it('deletes an unreferenced blob older than the grace at once', async () => {
    const backend = createMemoryBlobBackend();
    const blobs = openMemoryBlobStore({ backend });
    const { sha256 } = await blobs.put(bytes('old orphan'), { maxBytes: 100 });
    backend.blobs.get(sha256)!.lastModified = new Date(Date.now() - 2 * GRACE_MS);
    await createBlobKeeper(await openMemoryMetadataStore(), blobs, { graceMs: GRACE_MS }).collect([sha256]);
    expect(await blobs.stat(sha256)).toBeUndefined();
  });
});
