import { SignetError } from '@signet/core';

// The storage layer's errors. They extend the core's SignetError so that the server's one error handler maps
// every `code` the same way (`name` stays 'SignetError': the core types it as that literal); `instanceof` tells
// the classes apart. Messages never quote secrets (token hashes included).

/** The thing to create already exists, or the change is not allowed in the record's state (HTTP 409). */
export class StoreConflictError extends SignetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_CONFLICT', message, options);
  }
}

/** The record, or the parent it must belong to, does not exist (HTTP 404). */
export class StoreNotFoundError extends SignetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_NOT_FOUND', message, options);
  }
}

/**
 * An upload would take a namespace's drafts past their byte quota; nothing was stored. Code `QUOTA_EXCEEDED`: the
 * registry answers 413 (the request's payload does not fit), never a 5xx a client would retry.
 */
export class StoreQuotaError extends SignetError {
  readonly quotaBytes: number;
  readonly usedBytes: number;

  constructor(namespace: string, quotaBytes: number, usedBytes: number, adding: number) {
    super(
      'QUOTA_EXCEEDED',
      `Expected the drafts of namespace ${JSON.stringify(namespace)} to stay within ${quotaBytes} bytes, found ${usedBytes} bytes used and ${adding} more sent; publish or delete drafts (or their files) first, or ask the operator for a larger --draft-quota.`,
    );
    this.quotaBytes = quotaBytes;
    this.usedBytes = usedBytes;
  }
}

/** Another live process (or another store in this process) has the embedded database open. */
export class StoreLockedError extends SignetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_LOCKED', message, options);
  }
}

/** The database was written by a newer Signet whose schema this code does not know. */
export class StoreSchemaError extends SignetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_SCHEMA_TOO_NEW', message, options);
  }
}

/**
 * The backend cannot be reached or dropped the connection (database down, restarting, network cut); nothing of the
 * call was stored. Code `STORE_UNAVAILABLE`: the server answers 503 with `Retry-After: retryAfterSeconds`, and the
 * call may be retried as is once the backend is back. The message names the backend, never its credentials.
 */
export class StoreUnavailableError extends SignetError {
  /** How long a client should wait before retrying, in seconds. */
  readonly retryAfterSeconds: number;

  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super('STORE_UNAVAILABLE', message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5;
  }
}

/** An upload went past its size cap; nothing was stored (HTTP 413). */
export class BlobTooLargeError extends SignetError {
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(
      'BLOB_TOO_LARGE',
      `Expected at most ${maxBytes} bytes, found more; raise the size cap or send a smaller file.`,
    );
    this.maxBytes = maxBytes;
  }
}

/** The uploaded bytes do not have the SHA-256 the client announced; nothing was stored (HTTP 400/422). */
export class BlobDigestMismatchError extends SignetError {
  readonly expected: string;
  readonly actual: string | undefined;

  constructor(expected: string, actual: string | undefined) {
    super(
      'BLOB_DIGEST_MISMATCH',
      actual === undefined
        ? `Expected SHA-256 ${JSON.stringify(expected)} is not 64 hex characters; send the hex digest of the file.`
        : `Expected SHA-256 ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}; the file changed or was cut short in transit, send it again.`,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** The byte range asked for does not lie within the blob (HTTP 416). */
export class BlobRangeError extends SignetError {
  readonly size: number;

  constructor(range: { start: number; end: number }, size: number) {
    super(
      'BLOB_RANGE_NOT_SATISFIABLE',
      `Expected a byte range within 0-${size - 1}, found ${range.start}-${range.end}; ask for a range inside the file.`,
    );
    this.size = size;
  }
}

/** What found the disk full: an upload's bytes, the database, or another write of the request. */
export type StoreFullPart = 'blobs' | 'database' | 'other';

const STORE_FULL_WHAT: Record<StoreFullPart, string> = {
  blobs: 'the uploaded file',
  database: 'this change to its database',
  other: "this request's data",
};

/**
 * The disk (or the quota) under the store is full: a write failed with ENOSPC or EDQUOT (the blob folder) or
 * SQLITE_FULL (the database), and nothing of the call was stored (a failed blob write removes its temporary file, a
 * failed transaction is rolled back). Code `STORAGE_FULL`: the server answers 507 Insufficient Storage, not a 503:
 * sending the same request again helps only once an operator has made room. The message names no path (the data
 * folder is the operator's business, not the client's); the cause keeps the original error for the log.
 */
export class StoreFullError extends SignetError {
  readonly part: StoreFullPart;

  /**
   * `message` replaces the default where its words (a request, the data folder's volume) do not fit: a start that
   * cannot write its owner file is told to the operator (path and all), a full PostgreSQL server names that server.
   */
  constructor(part: StoreFullPart, options?: { cause?: unknown; message?: string }) {
    super(
      'STORAGE_FULL',
      options?.message ??
        `Expected the registry to store ${STORE_FULL_WHAT[part]}, found its disk full (no space left on the volume of its data folder); nothing was stored. The registry's operator must free space on that volume or grow it; then send the request again.`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.part = part;
  }
}

/** The errno codes of a file system that has no room left: the device (ENOSPC) or the user's quota (EDQUOT). */
const NO_SPACE_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

/** True for a Node file-system error saying the disk or the quota is full (also when it is the `cause`). */
export function isNoSpaceError(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NO_SPACE_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
