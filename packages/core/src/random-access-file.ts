import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * A file read by byte ranges: how the validator reads a release file that is not on the local disk (a draft's zip
 * in object storage), so it is checked where it lies, without a temporary copy. A local path needs none of this:
 * the validator reads paths directly.
 */
export interface RandomAccessFile {
  /** The file's size in bytes. */
  readonly size: number;
  /**
   * The bytes from `start` (inclusive) to `end` (exclusive), `0 <= start <= end <= size`, as chunks. Read them to
   * the end or stop iterating (which releases the range's connection or handle).
   */
  read(start: number, end: number): Promise<AsyncIterable<Uint8Array>>;
  /** Releases what the reader holds; reads after it fail. */
  close(): Promise<void>;
}

/** A release file the validator reads through a `RandomAccessFile` instead of a path. */
export interface RandomAccessReleaseFile {
  fileName: string;
  /** Opens the file for reading; the validator closes what it opens. */
  open(): Promise<RandomAccessFile>;
}

/** A `RandomAccessFile` over a local file (tests and callers that hold a path but want the range interface). */
export async function openRandomAccessPath(path: string): Promise<RandomAccessFile> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return {
      size,
      read: (start, end) =>
        new Promise((resolve) => {
          assertRange(start, end, size);
          // autoClose: false — the handle belongs to the reader, not to one range's stream.
          resolve(start === end ? nothing() : handle.createReadStream({ start, end: end - 1, autoClose: false }));
        }),
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function* nothing(): AsyncGenerator<Uint8Array> {}

/** SHA-256 (lower hex) of a random-access file's bytes, streamed: memory stays flat whatever its size. */
export async function sha256RandomAccessFile(file: RandomAccessFile): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await file.read(0, file.size)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * The file's bytes when it has at most `maxBytes`, else `{ tooLarge, size }` without reading: the random-access
 * twin of `readCapped` (the size is known up front, so nothing past the cap is ever fetched).
 */
export async function readRandomAccessCapped(
  file: RandomAccessFile,
  maxBytes: number,
): Promise<{ bytes: Buffer } | { tooLarge: true; size: number }> {
  if (file.size > maxBytes) return { tooLarge: true, size: file.size };
  return { bytes: await readRange(file, 0, file.size) };
}

/** Bytes `start`..`end` (exclusive) in one buffer; for small ranges (headers, a zip's central directory). */
export async function readRange(file: RandomAccessFile, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.alloc(end - start);
  let filled = 0;
  for await (const chunk of await file.read(start, end)) {
    if (filled + chunk.byteLength > buffer.length) {
      throw new Error(`Expected ${end - start} bytes at ${start}, found more; the file changed while it was read.`);
    }
    buffer.set(chunk, filled);
    filled += chunk.byteLength;
  }
  if (filled < buffer.length) {
    throw new Error(`Expected ${end - start} bytes at ${start}, found ${filled}; the file was cut short.`);
  }
  return buffer;
}

function assertRange(start: number, end: number, size: number): void {
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= size)) {
    throw new RangeError(`Expected a byte range within 0-${size}, found ${start}-${end}.`);
  }
}
