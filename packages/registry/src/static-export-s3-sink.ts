import {
  DeleteObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';

import { isSignetError } from '@signet/core';

import { parseBlobsUrl } from './config/blobs-url';
import { StoreUnavailableError } from './storage/errors';
import type { StaticSink } from './static-export-sink';

/** Options of `createS3StaticSink`: the bucket the export's root maps to, and how to reach it. */
export interface S3StaticSinkOptions {
  bucket: string;
  /** Key prefix of the export's root ('' or ending in `/`): `signet/` → `signet/v1/providers/…`. */
  prefix?: string | undefined;
  region?: string | undefined;
  /** An S3-compatible server's URL (MinIO, R2, Ceph); AWS itself when absent. */
  endpoint?: string | undefined;
  forcePathStyle?: boolean | undefined;
  /** Static credentials; else the standard AWS chain (environment, shared files, SSO, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined;
}

/** The object metadata key that holds an exported object's SHA-256 (`x-amz-meta-signet-sha256`). */
const SHA256_METADATA = 'signet-sha256';

/**
 * A static export into an S3 bucket: one object per path, each with the Content-Type and Cache-Control a static host
 * must serve it with (extension-less JSON documents included), and its SHA-256 in the object's metadata, so
 * `digest` is one HEAD and an unchanged export reads no bytes. A PUT replaces an object whole; an upload whose
 * bytes fail their check (the stream errors at its end) is aborted and the old object stays.
 */
export function createS3StaticSink(options: S3StaticSinkOptions): StaticSink {
  const prefix = options.prefix ?? '';
  const client = new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
  const Bucket = options.bucket;
  const where = options.endpoint === undefined ? 'S3' : JSON.stringify(options.endpoint);
  /** Runs an S3 call: the export's own errors (a failed digest check) pass, S3's become STORE_UNAVAILABLE. */
  const attempt = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (isSignetError(error)) throw error;
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new StoreUnavailableError(
        `Could not ${operation} in bucket ${JSON.stringify(Bucket)} on ${where} (${why}); check that the bucket exists, that the credentials (the AWS chain) may read, write, list and delete in it, and that the endpoint is reachable.`,
        { cause: error },
      );
    }
  };
  return {
    location: `s3://${Bucket}/${prefix}`,
    async digest(object) {
      const Key = prefix + object.path;
      const head = await attempt(`read ${Key}`, () =>
        client.send(new HeadObjectCommand({ Bucket, Key })).catch((error: unknown) => {
          if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return undefined;
          throw error;
        }),
      );
      const same =
        head?.ContentLength === object.size &&
        head.ContentType === object.contentType &&
        head.CacheControl === object.cacheControl;
      return same ? head.Metadata?.[SHA256_METADATA] : undefined;
    },
    async write(object, open) {
      const body = await open();
      const upload = new Upload({
        client,
        params: {
          Bucket,
          Key: prefix + object.path,
          Body: body instanceof Readable ? body : Readable.from(body),
          ContentType: object.contentType,
          CacheControl: object.cacheControl,
          Metadata: { [SHA256_METADATA]: object.sha256 },
        },
      });
      await attempt(`write ${prefix + object.path}`, () => upload.done());
    },
    async remove(path) {
      await attempt(`delete ${prefix + path}`, () =>
        client.send(new DeleteObjectCommand({ Bucket, Key: prefix + path })),
      );
    },
    async *list(under) {
      const pages = paginateListObjectsV2({ client }, { Bucket, Prefix: prefix + under });
      const iterator = pages[Symbol.asyncIterator]();
      for (;;) {
        const page = await attempt(`list ${prefix + under}`, () => iterator.next());
        if (page.done) return;
        for (const item of page.value.Contents ?? []) if (item.Key) yield item.Key.slice(prefix.length);
      }
    },
    close() {
      client.destroy();
      return Promise.resolve();
    },
  };
}

/**
 * The sink an `s3://BUCKET[/PREFIX]?endpoint=…&region=…&forcePathStyle=true` URL names (the `--blobs` syntax;
 * credentials from the standard AWS chain, never the URL). A wrong URL throws `CONFIG_INVALID` naming `setting`.
 */
export function createS3StaticSinkFromUrl(value: string, setting = '--to'): StaticSink {
  const config = parseBlobsUrl(value, setting);
  if (config.kind !== 's3') throw new Error('parseBlobsUrl accepts s3:// URLs only.');
  return createS3StaticSink(config);
}
