import type { Readable } from 'node:stream';

import { StoreUnavailableError } from './errors';

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

/** One stored blob as the listing gives it (for garbage collection). */
export interface ListedBlob {
  sha256: string;
  size: number;
  /**
   * When the blob was stored (last written). A collector keeps blobs younger than its grace period, so bytes just
   * uploaded, whose record is not written yet, are never collected.
   */
  lastModified: Date;
}

/** Options of `BlobStore.presignGet`. */
export interface PresignGetOptions {
  /** The name the download is saved under (`Content-Disposition`). */
  fileName: string;
  /** `Content-Type` the object URL answers with. */
  contentType?: string | undefined;
  /** How long the URL works; the store's configured default when absent. */
  expiresSeconds?: number | undefined;
}

/** An inclusive byte range, as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where file bytes live, addressed by their SHA-256 (lower-case hex): identical content is stored once and a stored
 * blob never changes. Every backend passes `describeBlobStoreContract`. A digest that is not 64 hex characters
 * names no blob (`stat` gives undefined, `open` throws `StoreNotFoundError`, `delete` gives false). A backend that
 * cannot be reached (or refuses the operation for lack of rights) throws `StoreUnavailableError` (HTTP 503).
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
   * The blob as `list` gives it (size and last write), read now, or undefined when there is none: a collector reads
   * it right before deleting, so a blob refreshed since the listing (identical bytes uploaded again) is kept.
   * Optional: without it the collector goes by the listing's time.
   */
  head?(sha256: string): Promise<ListedBlob | undefined>;
  /**
   * The blob's bytes, or the inclusive `range` of them. Throws `StoreNotFoundError` for an unknown blob and
   * `BlobRangeError` for a range outside it. Read the stream to its end or destroy it: it holds the file open.
   */
  open(sha256: string, range?: ByteRange): Promise<Readable>;
  /** False when there was no such blob. */
  delete(sha256: string): Promise<boolean>;
  /**
   * Every stored blob, in no particular order (for garbage collection). Bytes of an upload in progress, staged or
   * abandoned are never listed: only what `stat` and `open` find.
   */
  list(): AsyncIterable<ListedBlob>;
  /**
   * A URL that serves the blob's bytes directly from the backend, valid for a short while, for clients to be
   * redirected to (bytes then never pass through the registry); undefined when the backend has no such URLs (the
   * embedded folder, memory) — a capability, not an error. It does not check that the blob exists.
   */
  presignGet(sha256: string, options: PresignGetOptions): Promise<string | undefined>;
  /** True when `presignGet` gives URLs: the registry then redirects file downloads instead of streaming them. */
  readonly presigns: boolean;
  /**
   * Resolves when the backend answers and this store's container is there and readable (a bucket: HeadBucket), else
   * throws `StoreUnavailableError` naming the container (never credentials); `BlobContainerMissingError` when the
   * backend answered that the container does not exist or is not Signet's to use — an answer that waiting will not
   * change. For readiness probes and a start-up check: one cheap request, no blob read. Optional: where it is absent,
   * readiness falls back to `stat` of a digest no blob has (which does not notice a missing container).
   */
  ping?(): Promise<void>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True for a SHA-256 as the blob stores address it: 64 lower-case hex characters. */
export function isSha256(value: string): boolean {
  return SHA256_HEX.test(value);
}

/**
 * The blob store's container (a bucket) does not exist, or the backend refuses it to Signet's credentials: the backend
 * answered, so retrying will not help until someone fixes the setting or the rights. Still `STORE_UNAVAILABLE` (HTTP
 * 503) for a request that meets it; a start-up check refuses to start on it instead.
 */
export class BlobContainerMissingError extends StoreUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
