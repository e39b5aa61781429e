// /healthz answers while the stores are down; /readyz is 503 with Retry-After when a store does not answer (or
// answers too late), naming the check, never the error; and a store that is down makes API requests 503 with
// Retry-After, not a 500 and not a hang. On S3, a bucket that is gone makes the replica unready (the end).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { createRegistryApp } from '../app';
import { parseServerConfig } from '../config/server-config';
import { openRegistryBackends } from '../open-registry-backends';
import type { BlobStore } from '../storage/blob-store';
import { StoreUnavailableError } from '../storage/errors';
import { openFsBlobStore } from '../storage/fs-blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import { openMemoryMetadataStore } from '../storage/memory-metadata-store';
import { startTestS3Server, type TestS3Server } from '../testing/s3-server';
import { RETRY_AFTER_BY_CODE, STATUS_BY_CODE } from './errors';
import { READINESS_RETRY_AFTER_SECONDS } from './health-routes';

let dir: string;
let metadata: MetadataStore;
let blobs: BlobStore;
/** What the stores do now: answer, throw StoreUnavailableError, or never answer. */
let database: 'up' | 'down' | 'hanging' = 'up';
let bucket: 'up' | 'down' = 'up';

const unavailable = () =>
  new StoreUnavailableError('PostgreSQL at db.internal:5432 is unreachable.', { retryAfterSeconds: 7 });

/** The real stores, each method failing as the switches say (a Proxy: every method, present and future). */
function faulty<T extends object>(store: T, state: () => 'up' | 'down' | 'hanging'): T {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const now = state();
        if (now === 'down') return Promise.reject(unavailable());
        if (now === 'hanging') return new Promise(() => {});
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function app() {
  return createRegistryApp({
    metadata: faulty(metadata, () => database),
    blobs: faulty(blobs, () => bucket),
    adminToken: 'signet_health-admin',
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-health-'));
  metadata = await openMemoryMetadataStore();
  blobs = await openFsBlobStore({ dataDir: dir });
  await metadata.createNamespace({ name: 'acme', visibility: 'public' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('health and readiness', () => {
  it('is live and ready when both stores answer', async () => {
    database = 'up';
    bucket = 'up';
    const registry = app();
    const live = await registry.request('/healthz');
    expect(live.status).toBe(200);
    const ready = await registry.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', blobs: 'ok' } });
  });

  it('is not ready (503, Retry-After) when the database is down, the bucket down, or the database silent', async () => {
    for (const [db, b, failing] of [
      ['down', 'up', 'database'],
      ['up', 'down', 'blobs'],
      ['hanging', 'up', 'database'],
    ] as const) {
      database = db;
      bucket = b;
      const registry = app();
      expect((await registry.request('/healthz')).status).toBe(200);
      const ready = await registry.request('/readyz');
      expect(ready.status, `${db}/${b}`).toBe(503);
      expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = (await ready.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('unavailable');
      expect(body.checks[failing]).toBe('unavailable');
      expect(JSON.stringify(body)).not.toContain('db.internal');
    }
  }, 20_000);

  it('answers API and protocol requests 503 STORE_UNAVAILABLE with the store’s Retry-After while the database is down', async () => {
    database = 'down';
    bucket = 'up';
    const registry = app();
    for (const path of ['/v1/providers/acme/hello/versions', '/api/v1/namespaces']) {
      const res = await registry.request(path, { headers: { authorization: 'Bearer signet_health-admin' } });
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      const body = (await res.json()) as { errors: { code: string; message: string }[] };
      expect(body.errors[0]?.code).toBe('STORE_UNAVAILABLE');
    }
    database = 'up';
    expect((await registry.request('/v1/providers/acme/hello/versions')).status).toBe(404);
  });

  it('gives every code answered 503 a Retry-After', () => {
    const busyCodes = Object.entries(STATUS_BY_CODE)
      .filter(([, status]) => status === 503)
      .map(([code]) => code)
      .sort();
    expect(Object.keys(RETRY_AFTER_BY_CODE).sort()).toEqual(busyCodes);
  });
});

// A replica on S3 as `signet serve --blobs s3://…` opens it (openRegistryBackends): the blob check is a HeadBucket,
// so a bucket deleted (or misnamed) after start makes the replica unready. A HEAD of a key in a missing bucket is a
// bodyless 404 just like a missing key, so the old `stat` probe called such a replica ready.
describe('readiness of a replica on S3 (s3rver)', () => {
  let s3: TestS3Server;
  let dataDir: string;
  beforeAll(async () => {
    s3 = await startTestS3Server();
    dataDir = await mkdtemp(join(tmpdir(), 'signet-health-s3-'));
    // The standard chain, as a replica reads it; s3rver's fixed test keys, never real ones.
    vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await s3.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is ready while the bucket exists, and 503 with Retry-After naming the blob store once it is gone', async () => {
    const bucket = await s3.createBucket();
    const config = parseServerConfig({
      flags: {
        blobs: `s3://${bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1&forcePathStyle=true`,
      },
      env: {},
      requireSharedSecrets: false,
    });
    const backends = await openRegistryBackends(config, { dataDir });
    try {
      const registry = createRegistryApp({
        metadata: backends.metadata,
        blobs: backends.blobs,
        adminToken: 'signet_health-admin',
        readinessChecks: backends.readinessChecks,
      });
      const ready = await registry.request('/readyz');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', blobs: 'ok' } });

      const admin = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: s3.credentials,
      });
      await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
      admin.destroy();
      const gone = await registry.request('/readyz');
      expect(gone.status).toBe(503);
      expect(gone.headers.get('retry-after')).toBe(String(READINESS_RETRY_AFTER_SECONDS));
      expect(await gone.json()).toEqual({ status: 'unavailable', checks: { database: 'ok', blobs: 'unavailable' } });
      // What the check threw (for the log) names the bucket.
      await expect(backends.readinessChecks.blobs!()).rejects.toThrow(JSON.stringify(bucket));
    } finally {
      await backends.close();
    }
  });
});
