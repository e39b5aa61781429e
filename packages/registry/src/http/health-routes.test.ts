// /healthz answers while the stores are down; /readyz is 503 with Retry-After when a store does not answer (or
// answers too late), naming the check, never the error; and a store that is down makes API requests 503 with
// Retry-After, not a 500 and not a hang.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryApp } from '../app';
import type { BlobStore } from '../storage/blob-store';
import { StoreUnavailableError } from '../storage/errors';
import { openFsBlobStore } from '../storage/fs-blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import { openMemoryMetadataStore } from '../storage/memory-metadata-store';
import { RETRY_AFTER_BY_CODE, STATUS_BY_CODE } from './errors';

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
