import { createHash, randomUUID } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import { access, mkdir, open, opendir, rename, rm, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';

import {
  isSha256,
  type BlobStore,
  type ByteRange,
  type ListedBlob,
  type PutBlobOptions,
  type StagedBlob,
  type StoredBlob,
} from './blob-store';
import {
  BlobDigestMismatchError,
  BlobRangeError,
  BlobTooLargeError,
  StoreNotFoundError,
  StoreUnavailableError,
} from './errors';
import { collectStreamGarbage } from './stream-garbage';

/** Options of `openFsBlobStore`. */
export interface FsBlobStoreOptions {
  /** The data folder; blobs go under `<dataDir>/blobs/`. */
  dataDir: string;
  /**
   * Remove what crashed uploads left in `DATA/blobs/tmp/` (default true). Only the folder's owner may: a worker
   * process of `signet serve --workers` opens the store with `false`, since its siblings' uploads are in flight there.
   */
  cleanTmp?: boolean | undefined;
}

/**
 * Opens the embedded blob store: `DATA/blobs/ab/cdef…` (the first two hex characters of the SHA-256 as a folder,
 * the other 62 as the file name). Uploads stream into `DATA/blobs/tmp/`, are flushed to disk, then renamed into
 * place, so a crash mid-upload leaves only a temporary file, never a partial blob; those are removed here, on open.
 * One owner per folder, like the embedded metadata store (cleaning `tmp/` would cut another process's uploads).
 */
export async function openFsBlobStore(options: FsBlobStoreOptions): Promise<BlobStore> {
  const root = join(options.dataDir, 'blobs');
  const tmpDir = join(root, 'tmp');
  if (options.cleanTmp !== false) await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  const pathOf = (sha256: string) => join(root, sha256.slice(0, 2), sha256.slice(2));

  const store: BlobStore = {
    put: async (source, putOptions) => (await stageBlob(source, putOptions, tmpDir, pathOf)).commit(),
    stage: (source, putOptions) => stageBlob(source, putOptions, tmpDir, pathOf),
    async stat(sha256) {
      const info = isSha256(sha256) ? await statFile(pathOf(sha256)) : undefined;
      return info && { size: info.size };
    },
    // The folder is there and this process may write it (a volume unmounted, or made read-only, under a server).
    async ping() {
      try {
        await access(tmpDir, constants.R_OK | constants.W_OK);
      } catch (error) {
        throw new StoreUnavailableError(
          `Expected the blob folder ${root} to be there and writable, found ${String((error as NodeJS.ErrnoException).code ?? error)}; check the volume of the data folder.`,
          { cause: error },
        );
      }
    },
    async head(sha256) {
      const info = isSha256(sha256) ? await statFile(pathOf(sha256)) : undefined;
      return info && { sha256, size: info.size, lastModified: info.mtime };
    },
    async open(sha256, range) {
      const handle = isSha256(sha256) ? await openFile(pathOf(sha256)) : undefined;
      if (!handle) throw new StoreNotFoundError(`Blob ${JSON.stringify(sha256)} does not exist.`);
      return readBlob(handle, range);
    },
    async delete(sha256) {
      if (!isSha256(sha256)) return false;
      try {
        await unlink(pathOf(sha256));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    list: () => listBlobs(root),
    // Files are served by the registry itself: there is no URL to hand out.
    presignGet: () => Promise.resolve(undefined),
    presigns: false,
  };
  blobFileOpeners.set(store, async (sha256, range) => {
    const handle = isSha256(sha256) ? await openFile(pathOf(sha256)) : undefined;
    if (!handle) throw new StoreNotFoundError(`Blob ${JSON.stringify(sha256)} does not exist.`);
    return openBlobFile(handle, range);
  });
  return store;
}

/**
 * A blob's open file, to send it to one writer from reused buffers (`sendTo`), or to let go of it (`close`). One
 * of the two must be called: the file stays open until then.
 */
export interface BlobFile {
  /**
   * Writes the bytes (the whole blob, or the range it was opened with) to `out` and ends it; on a read error,
   * destroys `out` with it. Closes the file when done, when `out` closes first (a client gone) or on an error.
   */
  sendTo(out: Writable): void;
  close(): void;
}

/** How a store opened here opens a blob's file; `undefined` for any other store. */
export type BlobFileOpener = (sha256: string, range?: ByteRange) => Promise<BlobFile>;

const blobFileOpeners = new WeakMap<BlobStore, BlobFileOpener>();

/**
 * The file opener of a store made by `openFsBlobStore`, for a writer that sends files itself (the fast path):
 * `open` gives a Readable whose every chunk is a fresh buffer, since its reader may keep them; a file sent with
 * `sendTo` goes through a few buffers used again and again, which saves allocating and collecting 1 MiB per MiB
 * sent (a 128 MiB download made V8 run a full collection several times: half the CPU of the download).
 */
export function blobFileOpenerOf(store: BlobStore): BlobFileOpener | undefined {
  return blobFileOpeners.get(store);
}

async function stageBlob(
  source: AsyncIterable<Uint8Array>,
  options: PutBlobOptions,
  tmpDir: string,
  pathOf: (sha256: string) => string,
): Promise<StagedBlob> {
  const expected = options.expectedSha256?.toLowerCase();
  if (expected !== undefined && !isSha256(expected)) throw new BlobDigestMismatchError(expected, undefined);
  const tmpPath = join(tmpDir, randomUUID());
  const file = await open(tmpPath, 'wx');
  const flusher = createBackgroundFlusher(file);
  const writer = createBatchWriter(file, flusher);
  let sha256: string;
  let size = 0;
  try {
    const hash = createHash('sha256');
    // Leaving the loop by a throw calls the source's `return()`, which destroys a Node stream: reading stops at once.
    // Each chunk is hashed as it arrives and written in the same pass, batched (writer), while the next ones arrive.
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > options.maxBytes) throw new BlobTooLargeError(options.maxBytes);
      hash.update(chunk);
      await writer.add(chunk);
      collectStreamGarbage(chunk.byteLength);
    }
    sha256 = hash.digest('hex');
    if (expected !== undefined && expected !== sha256) throw new BlobDigestMismatchError(expected, sha256);
    await writer.end();
    await flusher.settle();
    await file.sync();
    await file.close();
  } catch (error) {
    await writer.abandon();
    await flusher.settle().catch(() => undefined);
    await file.close().catch(() => undefined);
    await rm(tmpPath, { force: true });
    throw error;
  }
  let committed: Promise<StoredBlob> | undefined;
  return {
    sha256,
    size,
    commit: () => (committed ??= commitBlob(tmpPath, sha256, size, pathOf(sha256))),
    discard: async () => {
      if (committed === undefined) await rm(tmpPath, { force: true });
    },
  };
}

async function commitBlob(tmpPath: string, sha256: string, size: number, target: string): Promise<StoredBlob> {
  try {
    // Identical bytes already there are named again now: their age restarts, so `signet gc`'s grace period counts
    // from this upload. Touching them is also the check that they are there (a collector may just have deleted them).
    const now = new Date();
    const created = !(await utimes(target, now, now).then(
      () => true,
      (error: unknown) => {
        if (isMissing(error)) return false;
        throw error;
      },
    ));
    if (created) {
      await mkdir(dirname(target), { recursive: true });
      await rename(tmpPath, target);
      await syncDirectory(dirname(target));
    } else {
      await rm(tmpPath, { force: true });
    }
    return { sha256, size, created };
  } catch (error) {
    await rm(tmpPath, { force: true });
    throw error;
  }
}

/** An upload's chunks (64 KiB from a socket) are written this many bytes at a time, in one `writev`. */
const WRITE_BATCH_BYTES = 1024 * 1024;
const WRITE_BATCH_CHUNKS = 256;

/**
 * Writes an upload's chunks in batches of about 1 MiB, one `writev` in flight while the next batch gathers: a write
 * per 64 KiB chunk, awaited before the next chunk is read, left the upload waiting on a thread-pool round trip per
 * chunk. Memory stays flat (one batch written, one gathering). The chunks are kept until written, so the source must
 * not reuse them (Node and web streams never do). `add` waits only when a full batch finds the last one still
 * being written; `end` writes the rest and waits; `abandon` waits for a write in flight and drops its error.
 */
function createBatchWriter(file: FileHandle, flusher: ReturnType<typeof createBackgroundFlusher>) {
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    await writing;
    const chunks = batch;
    const bytes = batchBytes;
    batch = [];
    batchBytes = 0;
    writing = writeAllv(file, chunks).then(() => flusher.written(bytes));
    // Handled here so a failure is never "unhandled" while the next batch gathers; `add`/`end` still see it.
    writing.catch(() => undefined);
  };
  return {
    async add(chunk: Uint8Array) {
      batch.push(chunk);
      batchBytes += chunk.byteLength;
      if (batchBytes >= WRITE_BATCH_BYTES || batch.length >= WRITE_BATCH_CHUNKS) await flush();
    },
    async end() {
      if (batch.length > 0) await flush();
      await writing;
    },
    async abandon() {
      batch = [];
      await writing.catch(() => undefined);
    },
  };
}

async function writeAllv(file: FileHandle, chunks: Uint8Array[]): Promise<void> {
  if (chunks.length === 0) return;
  let { bytesWritten } = await file.writev(chunks);
  // A short write: the rest, chunk by chunk.
  for (const chunk of chunks) {
    if (bytesWritten >= chunk.byteLength) {
      bytesWritten -= chunk.byteLength;
      continue;
    }
    await writeAll(file, chunk.subarray(bytesWritten));
    bytesWritten = 0;
  }
}

/** Bytes written between two background flushes of an upload. */
const FLUSH_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * Flushes an upload to disk while it arrives (`datasync` every `FLUSH_EVERY_BYTES`, one at a time, not awaited by
 * the writes), so the disk writes the bytes while the network brings the next ones, and the final `sync` has at most
 * that much left. Without it a large upload sits in the page cache until the final `sync`, which then writes it all
 * while nothing else happens: about half the time of a 1 GiB upload on the dev VM. `settle()` waits for the flush in
 * flight and throws its error, if any.
 */
function createBackgroundFlusher(file: FileHandle) {
  let unflushed = 0;
  let inFlight: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;
  return {
    written(bytes: number) {
      unflushed += bytes;
      if (unflushed < FLUSH_EVERY_BYTES || inFlight !== undefined) return;
      unflushed = 0;
      inFlight = file.datasync().then(
        () => {
          inFlight = undefined;
        },
        (error: unknown) => {
          failure ??= { error };
          inFlight = undefined;
        },
      );
    },
    async settle() {
      await inFlight;
      if (failure) throw failure.error;
    },
  };
}

async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

/**
 * How much a download reads at a time. Node's default, 64 KiB, costs a read and a socket write per 64 KiB: about
 * 2.5 times the CPU of 1 MiB reads for the same file (sendfile-class throughput needs big chunks); backpressure
 * keeps one or two chunks per download in memory.
 */
const READ_CHUNK_BYTES = 1024 * 1024;

// The handle is opened before the range is checked, so a blob deleted meanwhile still reads whole (POSIX), and the
// stream closes it when it ends or is destroyed.
async function readBlob(handle: FileHandle, range: ByteRange | undefined): Promise<Readable> {
  try {
    const { size } = await handle.stat();
    if (range !== undefined && !isWithin(range, size)) throw new BlobRangeError(range, size);
    return blobReadStream(handle, range?.start ?? 0, range === undefined ? size : range.end + 1);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Bytes `start` to `end` (exclusive) of `handle`, `READ_CHUNK_BYTES` at a time, each chunk a fresh buffer (the reader
 * may keep it). Unlike Node's file stream, it ends in an error when the file is shorter than that (a blob never
 * changes, so a short file is a damaged one), and it lets `collectStreamGarbage` bound what the chunks leave behind:
 * the zip checks of an upload read the whole file once more.
 */
function blobReadStream(handle: FileHandle, start: number, end: number): Readable {
  let position = start;
  return new Readable({
    highWaterMark: READ_CHUNK_BYTES,
    read() {
      const length = Math.min(READ_CHUNK_BYTES, end - position);
      if (length <= 0) {
        this.push(null);
        return;
      }
      const buffer = Buffer.allocUnsafeSlow(length);
      handle.read(buffer, 0, length, position).then(
        ({ bytesRead }) => {
          if (bytesRead === 0) {
            this.destroy(new Error(`The blob file ended at byte ${position}, expected ${end}.`));
            return;
          }
          position += bytesRead;
          collectStreamGarbage(bytesRead);
          this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
        },
        (error: Error) => this.destroy(error),
      );
    },
    destroy(error, callback) {
      handle.close().then(
        () => callback(error),
        (closeError: Error) => callback(error ?? closeError),
      );
    },
  });
}

async function openBlobFile(handle: FileHandle, range: ByteRange | undefined): Promise<BlobFile> {
  let start = 0;
  let end: number;
  try {
    const { size } = await handle.stat();
    if (range !== undefined && !isWithin(range, size)) throw new BlobRangeError(range, size);
    if (range !== undefined) start = range.start;
    end = range === undefined ? size : range.end + 1;
  } catch (error) {
    await handle.close();
    throw error;
  }
  let used = false;
  const take = () => {
    if (used) throw new Error('A blob file is sent or closed once: expected one call of sendTo or close, found two.');
    used = true;
  };
  return {
    sendTo(out) {
      take();
      sendFile(handle, start, end, out);
    },
    close() {
      take();
      void handle.close().catch(() => undefined);
    },
  };
}

/**
 * Buffers a download is sent from, kept between downloads (at most `SEND_BUFFERS_KEPT`, 8 MiB) so that a busy
 * server allocates none. A buffer comes back only from the write callback of the chunk it carried: then the socket
 * has copied it (into the kernel, or into TLS) or dropped it with its connection, so nothing reads it any more.
 */
const spareBuffers: Buffer[] = [];
const SEND_BUFFERS_KEPT = 8;
/** Chunks of one download read ahead or being written: two, one read while the other is written. */
const SEND_BUFFERS_IN_FLIGHT = 2;

function takeBuffer(): Buffer {
  return spareBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
}

function giveBack(buffer: Buffer): void {
  if (spareBuffers.length < SEND_BUFFERS_KEPT) spareBuffers.push(buffer);
}

/**
 * Sends bytes `start` to `end` (exclusive) of `handle` to `out`, one `READ_CHUNK_BYTES` read while the last chunk is
 * written, then ends `out`. Only the bytes read are written (a reused buffer's older bytes never are). Stops when
 * `out` closes (the client went away: its pending write callbacks may never come) and closes the file in every case.
 */
function sendFile(handle: FileHandle, start: number, end: number, out: Writable): void {
  let position = start;
  let writing = 0;
  let reading = false;
  let done = false;
  const finish = (error?: Error) => {
    if (done) return;
    done = true;
    out.off('close', onClose);
    void handle.close().catch(() => undefined);
    if (error) out.destroy(error);
    else out.end();
  };
  const onClose = () => {
    // `out` is gone: nothing more to write or end.
    done = true;
    void handle.close().catch(() => undefined);
  };
  const pump = () => {
    if (done || reading || writing >= SEND_BUFFERS_IN_FLIGHT) return;
    if (position >= end) {
      finish(); // the last chunks are queued; `end` lets them drain first
      return;
    }
    reading = true;
    const buffer = takeBuffer();
    handle.read(buffer, 0, Math.min(buffer.length, end - position), position).then(
      ({ bytesRead }) => {
        reading = false;
        if (done) return giveBack(buffer);
        if (bytesRead === 0) {
          giveBack(buffer);
          return finish(new Error(`The blob file ended at byte ${position}, expected ${end}.`));
        }
        position += bytesRead;
        writing++;
        out.write(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead), (error) => {
          writing--;
          giveBack(buffer);
          if (error) finish(error);
          else pump();
        });
        pump();
      },
      (error: Error) => {
        reading = false;
        giveBack(buffer);
        finish(error);
      },
    );
  };
  out.once('close', onClose);
  pump();
}

function isWithin(range: ByteRange, size: number): boolean {
  const { start, end } = range;
  return Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end < size;
}

async function* listBlobs(root: string): AsyncGenerator<ListedBlob> {
  for await (const shard of await opendir(root)) {
    if (!isShard(shard)) continue;
    for await (const entry of await opendir(join(root, shard.name))) {
      const sha256 = shard.name + entry.name;
      if (!entry.isFile() || !isSha256(sha256)) continue;
      // Deleted between the listing and the stat: not there, so not listed.
      const info = await statFile(join(root, shard.name, entry.name));
      if (info) yield { sha256, size: info.size, lastModified: info.mtime };
    }
  }
}

function isShard(entry: Dirent): boolean {
  return entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name);
}

// A rename is durable only once its folder is flushed. Windows cannot open a folder for that; there the rename is
// still atomic, just possibly lost on power failure, like any file system that does not journal metadata.
async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r').catch(() => undefined);
  if (!dir) return;
  try {
    await dir.sync();
  } catch {
    // not supported for folders here
  } finally {
    await dir.close();
  }
}

async function statFile(path: string) {
  try {
    const info = await stat(path);
    return info.isFile() ? info : undefined;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function openFile(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
