import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Transform, type Readable } from 'node:stream';

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { isSignetError } from '@signet/core';

import {
  BlobContainerMissingError,
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

/** Options of `openS3BlobStore`. */
export interface S3BlobStoreOptions {
  bucket: string;
  /** A key prefix, so one bucket can hold several registries (`signet/` → `signet/blobs/…`). */
  prefix?: string | undefined;
  /** The bucket's region; else the standard chain (`AWS_REGION`, the shared config), else `us-east-1`. */
  region?: string | undefined;
  /** An S3-compatible server's URL (MinIO, Ceph, R2, s3rver); AWS itself when absent. */
  endpoint?: string | undefined;
  /** `https://host/bucket/key` instead of `https://bucket.host/key` (most S3-compatible servers want this). */
  forcePathStyle?: boolean | undefined;
  /** Static credentials; else the standard AWS chain (environment, shared files, SSO, container or instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined;
  /** How long a presigned download URL works (default 300 s): a client follows it at once. */
  presignExpiresSeconds?: number | undefined;
  /** Bytes per uploaded part (default 8 MiB, at least 5 MiB): memory holds about `uploadQueueSize` of them. */
  uploadPartBytes?: number | undefined;
  /** Parts uploaded at once (default 4). */
  uploadQueueSize?: number | undefined;
  /**
   * Told when a clean-up after a failed or finished upload fails (aborting a multipart upload, deleting a `tmp/`
   * object): the operation's own outcome stands, and what stays behind is the bucket lifecycle rule's to remove.
   * Default: a process warning.
   */
  onCleanupError?: ((error: Error) => void) | undefined;
}

/** An S3 blob store; `close` releases its connections. */
export interface S3BlobStore extends BlobStore {
  /** HeadBucket: throws `BlobContainerMissingError` for a missing (404), forbidden (403) or elsewhere (301) bucket. */
  ping(): Promise<void>;
  head(sha256: string): Promise<ListedBlob | undefined>;
  close(): void;
}

const MIB = 1024 * 1024;
/** How long `ping` waits for the bucket's answer: a probe must fail, not hang. */
const PING_TIMEOUT_MS = 5_000;
/** The largest object CopyObject copies in one request; above it the copy goes part by part. */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 * MIB;
const COPY_PART_BYTES = 1024 * MIB;

/**
 * Opens a blob store in an S3 bucket (or an S3-compatible server). Blobs are `PREFIX/blobs/<sha256>`. An upload
 * streams to `PREFIX/tmp/<uuid>` as a multipart upload, hashed on the way (memory holds a few parts, whatever the
 * size), and only once its size and digest are verified is it copied to its digest's key, server-side, and the
 * temporary object deleted: a reader never sees a partial blob under a digest. The copy is made even when identical
 * bytes are already there, so the object's LastModified always says when its bytes were last uploaded: a collector's
 * grace period then covers an old orphan that an upload has just found and is about to name. A refused or failed
 * upload aborts its multipart upload (a failed abort is reported to `onCleanupError`, never thrown over the upload's
 * own error). What a crashed process or a failed clean-up leaves (an incomplete multipart upload, a `tmp/` object)
 * is never listed; a bucket lifecycle rule removes it (expire `PREFIX/tmp/` and abort incomplete uploads after a day).
 *
 * Nothing is checked on open: `ping` (HeadBucket) says whether the bucket is there; a bucket that cannot be reached,
 * or refuses an operation, fails that operation with `StoreUnavailableError` (HTTP 503).
 */
export function openS3BlobStore(options: S3BlobStoreOptions): Promise<S3BlobStore> {
  const config: S3ClientConfig = {
    forcePathStyle: options.forcePathStyle ?? false,
    // Checksums only where S3 requires them: many S3-compatible servers reject (or store) the aws-chunked trailers
    // that the default adds to streamed uploads. Integrity is the SHA-256 verified here before a blob is stored.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A bucket that does not answer fails the request instead of hanging it.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
  };
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  config.region = region ?? 'us-east-1';
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  const client = new S3Client(config);
  return Promise.resolve(createS3BlobStore(client, options));
}

function createS3BlobStore(client: S3Client, options: S3BlobStoreOptions): S3BlobStore {
  const bucket = options.bucket;
  const prefix = normalizePrefix(options.prefix);
  const keyOf = (sha256: string) => `${prefix}blobs/${sha256}`;
  const onCleanupError =
    options.onCleanupError ?? ((error: Error) => process.emitWarning(error.message, 'SignetS3Cleanup'));
  const s3 = new BucketOps(client, bucket, options.endpoint, onCleanupError);
  const uploads = {
    partSize: Math.max(5 * MIB, options.uploadPartBytes ?? 8 * MIB),
    queueSize: options.uploadQueueSize ?? 4,
  };

  // Commits of one digest in this process share one copy: the others find the blob there (created: false).
  const committing = new Map<string, Promise<StoredBlob>>();
  const commitOnce = async (tmpKey: string, blob: { sha256: string; size: number }): Promise<StoredBlob> => {
    const running = committing.get(blob.sha256);
    if (running) {
      await running.catch(() => undefined);
      if ((await s3.size(keyOf(blob.sha256))) !== undefined) {
        await s3.deleteQuietly(tmpKey);
        return { ...blob, created: false };
      }
    }
    const commit: Promise<StoredBlob> = commitBlob(s3, tmpKey, keyOf(blob.sha256), blob).finally(() => {
      if (committing.get(blob.sha256) === commit) committing.delete(blob.sha256);
    });
    committing.set(blob.sha256, commit);
    return commit;
  };

  const stage = async (source: AsyncIterable<Uint8Array>, putOptions: PutBlobOptions): Promise<StagedBlob> => {
    const tmpKey = `${prefix}tmp/${randomUUID()}`;
    const { sha256, size } = await uploadVerified(s3, source, putOptions, tmpKey, uploads);
    let committed: Promise<StoredBlob> | undefined;
    return {
      sha256,
      size,
      commit: () => (committed ??= commitOnce(tmpKey, { sha256, size })),
      discard: async () => {
        if (committed === undefined) await s3.deleteQuietly(tmpKey);
      },
    };
  };

  return {
    stage,
    put: async (source, putOptions) => (await stage(source, putOptions)).commit(),
    async stat(sha256) {
      const size = isSha256(sha256) ? await s3.size(keyOf(sha256)) : undefined;
      return size === undefined ? undefined : { size };
    },
    async head(sha256) {
      const head = isSha256(sha256) ? await s3.head(keyOf(sha256)) : undefined;
      return head && { sha256, ...head };
    },
    ping: () => s3.ping(),
    async open(sha256, range) {
      if (!isSha256(sha256)) throw notFound(sha256);
      return s3.get(keyOf(sha256), range, () => notFound(sha256));
    },
    async delete(sha256) {
      if (!isSha256(sha256) || (await s3.size(keyOf(sha256))) === undefined) return false;
      await s3.attempt('delete a blob', (c) => c.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(sha256) })));
      return true;
    },
    list: () => s3.list(`${prefix}blobs/`),
    // Signing is local (no request), but resolving credentials from the standard chain can fail.
    presignGet: (sha256, presign) =>
      s3.attempt('presign a download', () =>
        getSignedUrl(
          client,
          new GetObjectCommand({
            Bucket: bucket,
            Key: keyOf(sha256),
            // The name and type the download gets, as the registry's own file route would answer.
            ResponseContentDisposition: `attachment; filename="${presign.fileName}"`,
            ...(presign.contentType === undefined ? {} : { ResponseContentType: presign.contentType }),
          }),
          { expiresIn: presign.expiresSeconds ?? options.presignExpiresSeconds ?? 300 },
        ),
      ),
    presigns: true,
    close: () => client.destroy(),
  };
}

function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

function notFound(sha256: string): StoreNotFoundError {
  return new StoreNotFoundError(`Blob ${JSON.stringify(sha256)} does not exist.`);
}

/**
 * Streams `source` to `tmpKey` while counting and hashing it. The source is read only as fast as the upload takes it
 * (a bounded buffer between them), and not one chunk further once `maxBytes` is passed. On any failure the body is
 * ended with the error, which makes the multipart upload abort, and this waits for that before it throws, so nothing
 * of a refused upload remains under `tmpKey` (servers that cannot abort keep the parts, and the failed abort goes to
 * `onCleanupError`: see the README's lifecycle rule).
 */
async function uploadVerified(
  s3: BucketOps,
  source: AsyncIterable<Uint8Array>,
  options: PutBlobOptions,
  tmpKey: string,
  uploads: { partSize: number; queueSize: number },
): Promise<{ sha256: string; size: number }> {
  const expected = options.expectedSha256?.toLowerCase();
  if (expected !== undefined && !isSha256(expected)) throw new BlobDigestMismatchError(expected, undefined);
  const body = new PassThrough({ highWaterMark: MIB });
  const upload = new Upload({
    client: s3.uploadClient,
    params: { Bucket: s3.bucket, Key: tmpKey, Body: body },
    partSize: uploads.partSize,
    queueSize: uploads.queueSize,
    leavePartsOnError: false,
  });
  const done = upload.done().then(
    () => undefined,
    (error: unknown) => Promise.reject(s3.unavailable('store an upload', error)),
  );
  done.catch(() => undefined); // observed below; a refused upload must not surface as an unhandled rejection

  const hash = createHash('sha256');
  let size = 0;
  try {
    // Leaving the loop by a throw calls the source's `return()`, which destroys a Node stream: reading stops at once.
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > options.maxBytes) throw new BlobTooLargeError(options.maxBytes);
      hash.update(chunk);
      if (!body.write(chunk)) await Promise.race([once(body, 'drain'), done]);
      collectStreamGarbage(chunk.byteLength);
    }
  } catch (error) {
    body.destroy(error instanceof Error ? error : new Error(String(error)));
    await done.catch(() => undefined);
    throw error;
  }
  body.end();
  await done;
  const sha256 = hash.digest('hex');
  if (expected !== undefined && expected !== sha256) {
    await s3.deleteQuietly(tmpKey);
    throw new BlobDigestMismatchError(expected, sha256);
  }
  return { sha256, size };
}

/**
 * Copies the verified upload to its digest's key: the whole object appears there at once. Identical bytes already
 * there are copied over all the same (S3 has no "touch"; the copy is server-side), because the object's LastModified
 * is the age a collector goes by: left alone, an old orphan that this upload is about to name would look as old as
 * it was, and `signet gc` could delete it between this commit and the file record that references it.
 */
async function commitBlob(
  s3: BucketOps,
  tmpKey: string,
  key: string,
  blob: { sha256: string; size: number },
): Promise<StoredBlob> {
  try {
    const existed = (await s3.size(key)) !== undefined;
    try {
      await s3.copy(tmpKey, key, blob.size);
    } catch (error) {
      // Another replica storing the same bytes can make this copy fail; its copy is as good (and as new) as this one.
      if ((await s3.size(key).catch(() => undefined)) === blob.size) return { ...blob, created: false };
      throw error;
    }
    return { ...blob, created: !existed };
  } finally {
    await s3.deleteQuietly(tmpKey);
  }
}

/** The bucket's operations this store uses, with S3's failures turned into the storage layer's errors. */
class BucketOps {
  /**
   * The client lib-storage's `Upload` sends through: the same, except that a failed AbortMultipartUpload is reported
   * and swallowed. Upload aborts after a part fails and then throws the abort's error instead of the part's when the
   * abort fails too (s3rver answers it 405): the caller must see why the upload failed, not why the clean-up did.
   */
  readonly uploadClient: S3Client;

  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    private readonly endpoint: string | undefined,
    private readonly onCleanupError: (error: Error) => void,
  ) {
    this.uploadClient = new Proxy(client, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (property !== 'send' || typeof value !== 'function') return value;
        return (command: unknown, ...rest: unknown[]): Promise<unknown> => {
          const sent = (value as (...args: unknown[]) => Promise<unknown>).call(target, command, ...rest);
          if (!(command instanceof AbortMultipartUploadCommand)) return sent;
          return sent.catch((error: unknown) =>
            this.cleanupFailed('abort a multipart upload', command.input.Key, error),
          );
        };
      },
    });
  }

  /**
   * Resolves when the bucket exists and these credentials may use it. HeadBucket is one small request (it needs the
   * `s3:ListBucket` right, which listing for `signet gc` needs anyway); a missing key would look like a missing
   * bucket to HeadObject (both a bodyless 404), so `stat` cannot tell.
   */
  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), {
        abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS),
      });
    } catch (error) {
      const status = statusOf(error);
      const where = this.where();
      const bucket = JSON.stringify(this.bucket);
      if (status === 404) {
        throw new BlobContainerMissingError(
          `Expected bucket ${bucket} on ${where}, found none (HeadBucket answered 404); create it, or give the existing bucket's name in --blobs / SIGNET_BLOBS_URL.`,
          { cause: error },
        );
      }
      if (status === 403) {
        throw new BlobContainerMissingError(
          `Expected to be allowed to use bucket ${bucket} on ${where}, found access denied (HeadBucket answered 403); give Signet's credentials s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on it, or check that the bucket is this account's.`,
          { cause: error },
        );
      }
      if (status === 301) {
        throw new BlobContainerMissingError(
          `Expected bucket ${bucket} in the configured region, found it in another (HeadBucket answered 301); set region= in --blobs / SIGNET_BLOBS_URL to the bucket's region.`,
          { cause: error },
        );
      }
      throw this.unavailable('run HeadBucket', error);
    }
  }

  /** Runs an S3 call; its failure becomes `StoreUnavailableError` naming `operation`. */
  async attempt<T>(operation: string, run: (client: S3Client) => Promise<T>): Promise<T> {
    try {
      return await run(this.client);
    } catch (error) {
      throw this.unavailable(operation, error);
    }
  }

  /** The object's size, or undefined when there is none. */
  async size(key: string): Promise<number | undefined> {
    return (await this.head(key))?.size;
  }

  /** The object's size and last write, or undefined when there is none. */
  async head(key: string): Promise<{ size: number; lastModified: Date } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.unavailable('read a blob', error);
    }
  }

  async get(key: string, range: ByteRange | undefined, missing: () => Error): Promise<Readable> {
    if (range !== undefined && !isRangeShape(range)) throw new BlobRangeError(range, (await this.size(key)) ?? 0);
    let response;
    try {
      response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end}` }),
        }),
      );
    } catch (error) {
      if (isNotFound(error)) throw missing();
      if (range !== undefined && statusOf(error) === 416) {
        const size = await this.size(key);
        throw size === undefined ? missing() : new BlobRangeError(range, size);
      }
      throw this.unavailable('read a blob', error);
    }
    const body = response.Body as Readable;
    if (range === undefined) return body;
    const answered = parseContentRange(response.ContentRange);
    // S3 shortens a range that runs past the end; the contract refuses it, as the file store does.
    if (answered && range.end >= answered.total) {
      body.destroy();
      throw new BlobRangeError(range, answered.total);
    }
    if (!answered || answered.start !== range.start || answered.end < range.end) {
      body.destroy();
      throw this.unavailable(
        'read a blob',
        new Error(`asked for bytes ${range.start}-${range.end}, the server answered ${String(response.ContentRange)}`),
      );
    }
    // A server that sends more than asked (some S3 look-alikes ignore an end of 0) is cut to the range.
    return answered.end > range.end ? body.pipe(limitBytes(range.end - range.start + 1, body)) : body;
  }

  async *list(keyPrefix: string): AsyncGenerator<ListedBlob> {
    try {
      for await (const page of paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.bucket, Prefix: keyPrefix },
      )) {
        for (const object of page.Contents ?? []) {
          const sha256 = object.Key?.slice(keyPrefix.length) ?? '';
          if (isSha256(sha256)) {
            yield { sha256, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
          }
        }
      }
    } catch (error) {
      throw this.unavailable('list the blobs', error);
    }
  }

  async copy(from: string, to: string, size: number): Promise<void> {
    const source = `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    if (size <= MAX_SINGLE_COPY_BYTES) {
      await this.attempt('store a blob', (c) =>
        c.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: source })),
      );
      return;
    }
    await this.copyByParts(source, to, size);
  }

  /** CopyObject stops at 5 GiB; a larger blob is copied 1 GiB part by part, still without a byte through here. */
  private async copyByParts(source: string, to: string, size: number): Promise<void> {
    const { UploadId } = await this.attempt('store a blob', (c) =>
      c.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to })),
    );
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, part = 1; start < size; start += COPY_PART_BYTES, part++) {
        const end = Math.min(size, start + COPY_PART_BYTES) - 1;
        const copied = await this.attempt('store a blob', (c) =>
          c.send(
            new UploadPartCopyCommand({
              Bucket: this.bucket,
              Key: to,
              UploadId,
              PartNumber: part,
              CopySource: source,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          ),
        );
        parts.push({ ETag: copied.CopyPartResult?.ETag ?? '', PartNumber: part });
      }
      await this.attempt('store a blob', (c) =>
        c.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: to,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    } catch (error) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId }))
        .catch((abortError: unknown) => this.cleanupFailed('abort a multipart copy', to, abortError));
      throw error;
    }
  }

  /** Deletes a temporary object; a failure only leaves garbage that no listing shows (the lifecycle rule's job). */
  async deleteQuietly(key: string): Promise<void> {
    await this.client
      .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
      .catch((error: unknown) => this.cleanupFailed('delete a temporary upload', key, error));
  }

  /** S3's failure as the storage layer's error: the store's own errors pass, the rest is 503-class. */
  unavailable(operation: string, error: unknown): Error {
    if (isSignetError(error)) return error;
    return new StoreUnavailableError(
      `Could not ${operation} in bucket ${JSON.stringify(this.bucket)} on ${this.where()} (${describe(error)}); check that the bucket exists, that Signet's credentials may read, write and delete in it, and that the endpoint is reachable.`,
      { cause: error },
    );
  }

  /** Reports a failed clean-up, which must not replace the outcome of the operation it followed. */
  private cleanupFailed(operation: string, key: string | undefined, error: unknown): void {
    this.onCleanupError(
      new Error(
        `Could not ${operation} at ${JSON.stringify(key ?? '')} in bucket ${JSON.stringify(this.bucket)} on ${this.where()} (${describe(error)}); it is left to the bucket's lifecycle rule (expire tmp/, abort incomplete multipart uploads).`,
        { cause: error },
      ),
    );
  }

  private where(): string {
    return this.endpoint === undefined ? 'S3' : JSON.stringify(this.endpoint);
  }
}

// Only a missing key: a missing bucket (NoSuchBucket, also a 404) is the store being unavailable. A HEAD has no body
// to tell them apart (both are "NotFound"), so `stat` in a missing bucket finds nothing; any write then fails, and
// `ping` (HeadBucket) is what tells a missing bucket, for /readyz and the start-up check.
function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NotFound' || error.name === 'NoSuchKey');
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function isRangeShape({ start, end }: ByteRange): boolean {
  return Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end;
}

/** `Content-Range: bytes a-b/total` as numbers. */
function parseContentRange(header: string | undefined): { start: number; end: number; total: number } | undefined {
  const match = header === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header);
  return match ? { start: Number(match[1]), end: Number(match[2]), total: Number(match[3]) } : undefined;
}

/** Passes the first `bytes` bytes of `source`, then ends and lets go of the source. */
function limitBytes(bytes: number, source: Readable): Transform {
  let left = bytes;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (left > 0) this.push(chunk.subarray(0, left));
      left -= chunk.length;
      if (left <= 0) {
        this.push(null);
        source.unpipe(this);
        source.destroy();
      }
      callback();
    },
  });
}
