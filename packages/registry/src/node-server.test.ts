// Over a real socket: the fast path of node-server.ts answers only plain GETs of the hot public reads, with the
// bytes the app gives, and never from a view that a change has made stale.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AccessLogEntry } from './access-log';
import { startServer, type RunningServer } from './node-server';
import { buildExampleRelease, openTestRegistry, type ExampleRelease, type TestRegistry } from './testing';

const dirs: string[] = [];
let registry: TestRegistry;
let server: RunningServer;

async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-node-server-'));
  dirs.push(dir);
  return dir;
}

async function api(method: string, path: string, json?: unknown, bytes?: Uint8Array): Promise<void> {
  const headers: Record<string, string> = { authorization: `Bearer ${registry.adminToken}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await registry.app.request(path, { method, headers, body: bytes ?? JSON.stringify(json) });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
}

async function publish(ns: string, visibility: 'public' | 'private', release: ExampleRelease): Promise<void> {
  await api('POST', '/api/v1/namespaces', { name: ns, visibility });
  await api('POST', `/api/v1/namespaces/${ns}/keys`, { ascii_armor: release.publicKeyArmored });
  await api('POST', `/api/v1/namespaces/${ns}/providers`, { type: release.name });
  const versions = `/api/v1/providers/${ns}/${release.name}/versions`;
  await api('POST', versions, { version: release.version, protocols: ['6'], key_id: release.keyId });
  for (const file of release.files) {
    await api('PUT', `${versions}/${release.version}/files/${file.fileName}`, undefined, await readFile(file.path));
  }
  await api('POST', `${versions}/${release.version}/publish`);
}

/** A raw request, so the test controls the method, the Host header and the request target byte for byte. */
function send(
  url: string,
  path: string,
  options: { method?: string; host?: string } = {},
): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const target = { hostname, port, path, method: options.method ?? 'GET', agent: false };
    const req = httpRequest(target, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    if (options.host !== undefined) req.setHeader('host', options.host);
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  registry = await openTestRegistry(await newDir());
  await publish('acme', 'public', await buildExampleRelease(await newDir()));
  await publish('corp', 'private', await buildExampleRelease(await newDir(), { name: 'secret' }));
  server = await startServer({
    fetch: registry.app.fetch,
    fastRead: registry.app.fastRead,
    host: '127.0.0.1',
    port: 0,
  });
});
afterAll(async () => {
  await server?.close();
  await registry?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('startServer fastRead', () => {
  const HOT = [
    '/v1/providers/acme/hello/versions',
    '/v1/providers/acme/hello/1.0.0/download/linux/amd64',
    '/mirror/localhost/acme/hello/1.0.0.json',
    '/mirror/localhost/acme/hello/index.json',
  ];

  it('answers the hot public reads with the bytes and type the app gives', async () => {
    for (const path of HOT) {
      const first = await send(server.url, path); // loads the view through the app
      const fast = registry.app.fastRead(path);
      expect(fast, path).toBeDefined();
      const second = await send(server.url, path);
      const app = await registry.app.request(path);
      expect(second).toEqual({ status: 200, type: 'application/json', body: fast });
      expect(first).toEqual(second);
      expect(await app.text()).toBe(fast);
      expect(app.headers.get('content-type')).toBe('application/json');
    }
  });

  it('leaves private, unknown and missing reads to the app', async () => {
    await registry.app.request('/v1/providers/corp/secret/versions', {
      headers: { authorization: `Bearer ${registry.adminToken}` },
    });
    expect(registry.app.fastRead('/v1/providers/corp/secret/versions')).toBeUndefined();
    expect((await send(server.url, '/v1/providers/corp/secret/versions')).status).toBe(401);
    expect((await send(server.url, '/mirror/x/corp/secret/index.json')).status).toBe(401);
    for (const path of [
      '/v1/providers/acme/nope/versions',
      '/v1/providers/acme/hello/9.9.9/download/linux/amd64',
      '/v1/providers/acme/hello/1.0.0/download/plan9/amd64',
      '/v1/providers/acme/hello/1.0.0/download/_/proto__',
      '/mirror/localhost/acme/hello/9.9.9.json',
      '/mirror/localhost/acme/hello/1.0.0.txt',
      '/v1/providers/acme/hello/versions/',
    ]) {
      expect(registry.app.fastRead(path), path).toBeUndefined();
      expect((await send(server.url, path)).status, path).toBe(404);
    }
  });

  it('passes queries, HEAD, encoded paths, dot segments and unusual hosts to the app', async () => {
    const calls: string[] = [];
    const stub = await startServer({
      fetch: (request) => {
        calls.push(`${request.method} ${new URL(request.url).pathname}`);
        return new Response('app');
      },
      // Answers every path but /other: whatever reaches the app was kept from the fast path by the server.
      fastRead: (path) => (path === '/other' ? undefined : '"fast"'),
      host: '127.0.0.1',
      port: 0,
    });
    try {
      expect(await send(stub.url, '/fast')).toEqual({ status: 200, type: 'application/json', body: '"fast"' });
      for (const [path, options] of [
        ['/fast?x=1', {}],
        ['/fast', { method: 'HEAD' }],
        ['/fas%74', {}],
        ['/x/../fast', {}],
        ['/fast', { host: 'Registry.Example' }],
        ['/other', {}],
      ] as const) {
        expect(await send(stub.url, path, options), path).toMatchObject({
          status: 200,
          type: expect.not.stringMatching(/json/),
        });
      }
      expect(calls).toEqual(['GET /fast', 'HEAD /fast', 'GET /fas%74', 'GET /fast', 'GET /fast', 'GET /other']);
    } finally {
      await stub.close();
    }
  });

  it('logs one access-log line per request, fast path included, without query, token or signature', async () => {
    const entries: AccessLogEntry[] = [];
    const logged = await startServer({
      fetch: registry.app.fetch,
      fastRead: registry.app.fastRead,
      host: '127.0.0.1',
      port: 0,
      accessLog: (entry) => entries.push(entry),
    });
    try {
      const path = '/v1/providers/acme/hello/versions';
      await send(logged.url, path); // loads the view through the app
      expect(registry.app.fastRead(path)).toBeDefined();
      const fast = await send(logged.url, path); // answered by the fast path
      const secret = '/v1/providers/corp/secret/versions?signature=s3cr3t';
      const res = await fetch(`${logged.url}${secret}`, {
        headers: { authorization: `Bearer ${registry.adminToken}` },
      });
      await res.text();
      await send(logged.url, '/v1/providers/acme/nope/versions');
      expect(entries.map(({ method, path, status, token_id }) => ({ method, path, status, token_id }))).toEqual([
        { method: 'GET', path, status: 200, token_id: undefined },
        { method: 'GET', path, status: 200, token_id: undefined },
        { method: 'GET', path: '/v1/providers/corp/secret/versions', status: 200, token_id: 'SIGNET_ADMIN_TOKEN' },
        { method: 'GET', path: '/v1/providers/acme/nope/versions', status: 404, token_id: undefined },
      ]);
      expect(entries[1]!.bytes).toBe(Buffer.byteLength(fast.body));
      for (const entry of entries) {
        expect(entry.ms).toBeGreaterThanOrEqual(0);
        expect(entry.aborted).toBeUndefined();
        expect(JSON.stringify(entry)).not.toMatch(/s3cr3t|signet_|\?/);
      }
    } finally {
      await logged.close();
    }
  });

  it('never answers from a view that a yank made stale', async () => {
    const path = '/v1/providers/acme/hello/versions';
    await send(server.url, path);
    expect(registry.app.fastRead(path)).toContain('"1.0.0"');
    await api('POST', '/api/v1/providers/acme/hello/versions/1.0.0/yank', {});
    expect(registry.app.fastRead(path)).toBeUndefined();
    expect((await send(server.url, path)).body).toBe('{"versions":[]}');
    expect(registry.app.fastRead(path)).toBe('{"versions":[]}');
    await api('POST', '/api/v1/providers/acme/hello/versions/1.0.0/yank', { yanked: false });
    expect((await send(server.url, path)).body).toContain('"1.0.0"');
  });
});

describe('request metrics', () => {
  it('labels each request with the route of its method and path, remembered, and right after the memory starts over', async () => {
    const observed: { method: string; route: string; status: number }[] = [];
    const asked: string[] = [];
    const metrics = await startServer({
      fetch: () => new Response('ok'),
      host: '127.0.0.1',
      port: 0,
      metrics: { observeRequest: ({ method, route, status }) => observed.push({ method, route, status }) },
      routeOf: (method, path) => {
        asked.push(`${method} ${path}`);
        return `${method}:${path.split('/')[1]}`;
      },
    });
    try {
      const paths = ['/a/1', '/a/1', '/b/1?q=1', '/a/1'];
      for (const path of paths) await send(metrics.url, path);
      await send(metrics.url, '/a/1', { method: 'HEAD' });
      // More distinct paths than are remembered: the memory starts over and every route is still its own.
      for (let i = 0; i < 1_100; i++) await send(metrics.url, `/c/${i}`);
      await send(metrics.url, '/a/1');
      await expect.poll(() => observed.length).toBe(paths.length + 1 + 1_100 + 1);
      expect(observed.slice(0, 5).map(({ method, route }) => `${method} ${route}`)).toEqual([
        'GET GET:a',
        'GET GET:a',
        'GET GET:b',
        'GET GET:a',
        'HEAD HEAD:a',
      ]);
      expect(observed.slice(5, -1).every(({ route }) => route === 'GET:c')).toBe(true);
      expect(observed.at(-1)).toEqual({ method: 'GET', route: 'GET:a', status: 200 });
      // The router was asked once per method and path (the query is not part of it), and again after starting over.
      expect(asked.slice(0, 3)).toEqual(['GET /a/1', 'GET /b/1', 'HEAD /a/1']);
      expect(asked.filter((entry) => entry === 'GET /a/1')).toHaveLength(2);
    } finally {
      await metrics.close();
    }
  }, 60_000);
});
