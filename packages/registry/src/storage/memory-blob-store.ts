import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { isSha256, type BlobStore, type PutBlobOptions, type StagedBlob, type StoredBlob } from './blob-store';
import { BlobDigestMismatchError, BlobRangeError, BlobTooLargeError, StoreNotFoundError } from './errors';

/**
 * What memory blob stores share: open several stores on one backend and they see the same blobs, as replicas on one
 * bucket do (the contract suite's two-instance races use that).
 */
export interface MemoryBlobBackend {
  readonly blobs: Map<string, { bytes: Buffer; lastModified: Date }>;
}

/** A new, empty backend for `openMemoryBlobStore`. */
export function createMemoryBlobBackend(): MemoryBlobBackend {
  return { blobs: new Map() };
}

/**
 * A blob store in memory, for tests and throw-away registries: it passes the same contract as the others, except that
 * it holds every blob's bytes in memory (so an upload's memory is its size, not flat). Without a `backend`, a new
 * empty one.
 */
export function openMemoryBlobStore(options: { backend?: MemoryBlobBackend } = {}): BlobStore {
  const { blobs } = options.backend ?? createMemoryBlobBackend();
  const stage = (source: AsyncIterable<Uint8Array>, putOptions: PutBlobOptions) => stageBlob(blobs, source, putOptions);
  return {
    stage,
    put: async (source, putOptions) => (await stage(source, putOptions)).commit(),
    stat: (sha256) => {
      const blob = blobs.get(sha256);
      return Promise.resolve(blob && { size: blob.bytes.length });
    },
    head: (sha256) => {
      const blob = blobs.get(sha256);
      return Promise.resolve(blob && { sha256, size: blob.bytes.length, lastModified: blob.lastModified });
    },
    open: (sha256, range) => {
      const blob = blobs.get(sha256);
      if (!blob) return Promise.reject(new StoreNotFoundError(`Blob ${JSON.stringify(sha256)} does not exist.`));
      if (range === undefined) return Promise.resolve(Readable.from([blob.bytes]));
      const { start, end } = range;
      const within = Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end;
      if (!within || end >= blob.bytes.length) return Promise.reject(new BlobRangeError(range, blob.bytes.length));
      return Promise.resolve(Readable.from([blob.bytes.subarray(start, end + 1)]));
    },
    delete: (sha256) => Promise.resolve(blobs.delete(sha256)),
    list: async function* () {
      for (const [sha256, blob] of [...blobs]) {
        await Promise.resolve();
        yield { sha256, size: blob.bytes.length, lastModified: blob.lastModified };
      }
    },
    presignGet: () => Promise.resolve(undefined),
    presigns: false,
    ping: () => Promise.resolve(), // memory is always there
  };
}

async function stageBlob(
  blobs: MemoryBlobBackend['blobs'],
  source: AsyncIterable<Uint8Array>,
  options: PutBlobOptions,
): Promise<StagedBlob> {
  const expected = options.expectedSha256?.toLowerCase();
  if (expected !== undefined && !isSha256(expected)) throw new BlobDigestMismatchError(expected, undefined);
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > options.maxBytes) throw new BlobTooLargeError(options.maxBytes);
    hash.update(chunk);
    chunks.push(Buffer.from(chunk)); // a copy: the source may reuse its buffer
  }
  const sha256 = hash.digest('hex');
  if (expected !== undefined && expected !== sha256) throw new BlobDigestMismatchError(expected, sha256);
  let staged: Buffer | undefined = Buffer.concat(chunks, size);
  let committed: StoredBlob | undefined;
  return {
    sha256,
    size,
    commit: () => {
      if (committed === undefined) {
        if (!staged) return Promise.reject(new Error('Expected a staged blob to commit, found it discarded.'));
        // Identical bytes already there get a new lastModified, as on the other backends: a collector's grace period
        // then covers an old orphan that this upload is about to name.
        const existing = blobs.get(sha256);
        blobs.set(sha256, { bytes: existing?.bytes ?? staged, lastModified: new Date() });
        const created = existing === undefined;
        committed = { sha256, size, created };
        staged = undefined;
      }
      return Promise.resolve(committed);
    },
    discard: () => {
      staged = undefined;
      return Promise.resolve();
    },
  };
}
