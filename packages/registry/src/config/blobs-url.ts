import { ServerConfigError } from './config-error';

/** Where file bytes live: the data folder (the embedded default) or an S3-compatible bucket. */
export type BlobsConfig =
  | { kind: 'fs' }
  | {
      kind: 's3';
      bucket: string;
      /** Key prefix inside the bucket ('' or ending in '/'). */
      prefix: string;
      /** A custom endpoint for S3-compatible servers (MinIO, Ceph, R2…); AWS's own when absent. */
      endpoint: string | undefined;
      /** The region; the AWS chain's (AWS_REGION) when absent. */
      region: string | undefined;
      /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need. */
      forcePathStyle: boolean;
    };

const S3_PARAMETERS = ['endpoint', 'region', 'forcePathStyle', 'prefix'] as const;
// S3's rules for new buckets: 3–63 of lower-case letters, digits, dots and hyphens, a letter or digit at each end.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,64}$/;

/**
 * Reads `--blobs` / `SIGNET_BLOBS_URL`: `s3://BUCKET[/PREFIX]?endpoint=…&region=…&forcePathStyle=true&prefix=…`.
 * Credentials never come from the URL (the AWS chain supplies them), so a URL with a user part is refused.
 */
export function parseBlobsUrl(value: string, setting: string): BlobsConfig {
  const example = 's3://my-bucket?region=eu-west-1 (or ?endpoint=https://minio.internal:9000&forcePathStyle=true)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ServerConfigError(
      setting,
      `Expected ${setting} to be a URL such as ${example}, found ${JSON.stringify(value)}.`,
    );
  }
  if (url.protocol !== 's3:') {
    throw new ServerConfigError(
      setting,
      `Expected ${setting} to be an s3:// URL such as ${example}, found a ${JSON.stringify(url.protocol)} URL.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    // The value is not quoted: it holds a secret.
    throw new ServerConfigError(
      setting,
      `Expected ${setting} without credentials: the keys come from the standard AWS chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance role), never the URL.`,
    );
  }
  const bucket = url.hostname;
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new ServerConfigError(
      setting,
      `Expected ${setting} to name a bucket (3–63 lower-case letters, digits, dots and hyphens) after s3://, found ${JSON.stringify(bucket)}.`,
    );
  }
  const unknown = [...url.searchParams.keys()].filter((key) => !(S3_PARAMETERS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new ServerConfigError(
      setting,
      `Expected ${setting}'s parameters to be among ${S3_PARAMETERS.join(', ')}, found ${unknown.map((k) => JSON.stringify(k)).join(', ')}.`,
    );
  }
  const pathPrefix = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
  const paramPrefix = url.searchParams.get('prefix');
  if (pathPrefix !== '' && paramPrefix !== null) {
    throw new ServerConfigError(
      setting,
      `Expected one prefix in ${setting}: a path after the bucket or ?prefix=, found both.`,
    );
  }
  const prefix = normalizePrefix(paramPrefix ?? pathPrefix, setting);
  return {
    kind: 's3',
    bucket,
    prefix,
    endpoint: readEndpoint(url.searchParams.get('endpoint'), setting),
    region: readRegion(url.searchParams.get('region'), setting),
    forcePathStyle: readBoolean(url.searchParams.get('forcePathStyle'), `${setting} forcePathStyle`),
  };
}

function normalizePrefix(prefix: string, setting: string): string {
  if (prefix === '') return '';
  if (prefix.split('/').some((part) => part === '.' || part === '..') || prefix.includes('\0')) {
    throw new ServerConfigError(
      setting,
      `Expected ${setting}'s prefix to be a plain key prefix, found ${JSON.stringify(prefix)}.`,
    );
  }
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

function readEndpoint(value: string | null, setting: string): string | undefined {
  if (value === null) return undefined;
  let endpoint: URL;
  try {
    endpoint = new URL(value);
  } catch {
    throw new ServerConfigError(
      setting,
      `Expected ${setting}'s endpoint to be an http(s) URL such as https://minio.internal:9000, found ${JSON.stringify(value)}.`,
    );
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') {
    throw new ServerConfigError(
      setting,
      `Expected ${setting}'s endpoint to be an http(s) URL, found a ${JSON.stringify(endpoint.protocol)} URL.`,
    );
  }
  if (endpoint.username !== '' || endpoint.password !== '') {
    throw new ServerConfigError(
      setting,
      `Expected ${setting}'s endpoint without credentials: they come from the AWS chain.`,
    );
  }
  return endpoint.href.replace(/\/$/, '');
}

function readRegion(value: string | null, setting: string): string | undefined {
  if (value === null) return undefined;
  if (!REGION.test(value)) {
    throw new ServerConfigError(
      setting,
      `Expected ${setting}'s region to be a name such as eu-west-1, found ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

function readBoolean(value: string | null, what: string): boolean {
  if (value === null) return false;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ServerConfigError(
    what.split(' ')[0]!,
    `Expected ${what} to be true or false, found ${JSON.stringify(value)}.`,
  );
}
