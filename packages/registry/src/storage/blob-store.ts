import type { Readable } from 'node:stream';

/** Options of `BlobStore.put`. */
export interface PutBlobOptions {
  /** More bytes than this and the upload is refused with `BlobTooLargeError`, nothing stored. */
  maxBytes: number;
  /** The SHA-256 (hex) the client announced; other bytes are refused with `BlobDigestMismatchError`. */
  expectedSha256?: string | undefined;
}

/** A stored blob's address and size. */
export interface StoredBlob {
  sha256: string;
  size: number;
  /**
   * True when this put stored the bytes, false when identical bytes were already there (they may back files of
   * any version, published ones included): only a put that created a blob may delete it again. Two puts of the
   * same new bytes racing each other may both say true.
   */
  created: boolean;
}

/**
 * Bytes received and hashed but not yet in the store (`BlobStore.stage`): nothing can read them by digest until
 * `commit`, so a caller can make "the blob exists" and "a record names it" one step against a concurrent removal of
 * the same digest (the upload can take minutes; that step takes milliseconds).
 */
export interface StagedBlob {
  sha256: string;
  size: number;
  /** Moves the bytes into the store (a no-op for bytes already there) and says whether this created the blob. */
  commit(): Promise<StoredBlob>;
  /** Drops staged bytes that were not committed; harmless after `commit`. */
  discard(): Promise<void>;
}

/** An inclusive byte range, as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where file bytes live, addressed by their SHA-256 (lower-case hex): identical content is stored once and a stored
 * blob never changes. Every backend passes `describeBlobStoreContract`. A digest that is not 64 hex characters
 * names no blob (`stat`/`localPath` give undefined, `open` throws `StoreNotFoundError`, `delete` gives false).
 */
export interface BlobStore {
  /**
   * Streams `source` into the store while hashing it, with flat memory whatever the size. Stops reading at once
   * when `maxBytes` is passed (`BlobTooLargeError`), refuses a digest other than `expectedSha256`
   * (`BlobDigestMismatchError`); either way nothing is stored. Putting identical bytes again is a no-op.
   */
  put(source: AsyncIterable<Uint8Array>, options: PutBlobOptions): Promise<StoredBlob>;
  /**
   * `put` in two steps: streams and hashes `source` exactly as `put` does (same limits and errors, nothing stored on
   * failure), but keeps the bytes aside until `commit`. The caller must `commit` or `discard`.
   */
  stage(source: AsyncIterable<Uint8Array>, options: PutBlobOptions): Promise<StagedBlob>;
  stat(sha256: string): Promise<{ size: number } | undefined>;
  /**
   * The blob's bytes, or the inclusive `range` of them. Throws `StoreNotFoundError` for an unknown blob and
   * `BlobRangeError` for a range outside it. Read the stream to its end or destroy it: it holds the file open.
   */
  open(sha256: string, range?: ByteRange): Promise<Readable>;
  /**
   * A file path with the blob's bytes, for tools that need one (the zip validator); undefined when the backend
   * has no local files (object storage) or the blob does not exist. Never write to it.
   */
  localPath(sha256: string): Promise<string | undefined>;
  /** False when there was no such blob. */
  delete(sha256: string): Promise<boolean>;
  /** Every stored digest, in no particular order (for garbage collection). */
  list(): AsyncIterable<string>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True for a SHA-256 as the blob stores address it: 64 lower-case hex characters. */
export function isSha256(value: string): boolean {
  return SHA256_HEX.test(value);
}
