// /metrics over a real socket, the fast path included: requests counted by the matched route's pattern and status
// (never a raw path: no namespace, version or token in a label), latency, uploads, publishes and invalidations.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryApp, type RegistryApp } from './app';
import { createInProcessChangeFeed } from './change-feed/change-feed';
import { createRegistryMetrics } from './metrics';
import { startServer, type RunningServer } from './node-server';
import { openFsBlobStore } from './storage/fs-blob-store';
import { openMemoryMetadataStore } from './storage/memory-metadata-store';
import { buildExampleRelease, type ExampleRelease } from './testing';

const ADMIN = 'signet_metrics-admin';
let dir: string;
let app: RegistryApp;
let server: RunningServer;
let release: ExampleRelease;

async function call(method: string, path: string, body?: unknown, bytes?: Uint8Array) {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: bytes ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-metrics-'));
  release = await buildExampleRelease(join(dir, 'release'));
  const metrics = createRegistryMetrics();
  app = createRegistryApp({
    metadata: await openMemoryMetadataStore(),
    blobs: await openFsBlobStore({ dataDir: join(dir, 'data') }),
    adminToken: ADMIN,
    metrics,
    changeFeed: createInProcessChangeFeed(),
  });
  server = await startServer({
    fetch: app.fetch,
    fastRead: app.fastRead,
    routeOf: app.routeOf,
    metrics,
    host: '127.0.0.1',
    port: 0,
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('metrics', () => {
  it('counts requests by route pattern and status, uploads, publishes and cache invalidations', async () => {
    expect(await call('POST', '/api/v1/namespaces', { name: 'acme', visibility: 'public' })).toBe(201);
    expect(await call('POST', '/api/v1/namespaces/acme/keys', { ascii_armor: release.publicKeyArmored })).toBe(201);
    expect(await call('POST', '/api/v1/namespaces/acme/providers', { type: release.name })).toBe(201);
    const versions = `/api/v1/providers/acme/${release.name}/versions`;
    expect(await call('POST', versions, { version: release.version, protocols: ['6'], key_id: release.keyId })).toBe(
      201,
    );
    for (const file of release.files) {
      const status = await call(
        'PUT',
        `${versions}/${release.version}/files/${file.fileName}`,
        undefined,
        await readFile(file.path),
      );
      expect(status).toBe(201);
    }
    expect(await call('POST', `${versions}/${release.version}/publish`)).toBe(200);
    // Twice: the second answer comes from the fast path (a cached view), which must be counted too.
    expect(await call('GET', `/v1/providers/acme/${release.name}/versions`)).toBe(200);
    expect(await call('GET', `/v1/providers/acme/${release.name}/versions`)).toBe(200);
    expect(await call('GET', '/v1/providers/acme/nothing/versions')).toBe(404);
    expect(await call('GET', '/no/such/path/secret-looking-value')).toBe(404);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const count = (labels: string) =>
      Number(new RegExp(`^signet_http_requests_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(count('method="GET",route="/v1/providers/:ns/:type/versions",status="200"')).toBe(2);
    expect(count('method="GET",route="/v1/providers/:ns/:type/versions",status="404"')).toBe(1);
    expect(count('method="GET",route="unmatched",status="404"')).toBe(1);
    expect(
      count('method="PUT",route="/api/v1/providers/:namespace/:type/versions/:version/files/:file",status="201"'),
    ).toBe(release.files.length);
    expect(text).toMatch(
      /^signet_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/v1\/providers\/:ns\/:type\/versions"\} \d+$/m,
    );
    expect(text).toMatch(new RegExp(`^signet_uploads_total ${release.files.length}$`, 'm'));
    expect(text).toMatch(/^signet_publishes_total 1$/m);
    expect(text).toMatch(/^signet_cache_invalidations_total\{event="version.published"\} 1$/m);
    // No raw path, name or version in any label.
    for (const raw of ['acme', release.name, release.version, 'secret-looking-value', 'nothing']) {
      expect(text.split('\n').filter((line) => line.startsWith('signet_http') && line.includes(raw))).toEqual([]);
    }
  }, 60_000);
});
