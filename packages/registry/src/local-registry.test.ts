// openLocalRegistry on real folders and real ports: the data-folder layout, the local CA made once, the admin token
// made once, a busy port refused without leaving the folder locked, and close() freeing both the port and the folder.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashTokenSecret } from './http/auth';
import {
  LocalRegistryDataMissingError,
  LocalRegistryListenError,
  localRegistryPaths,
  openLocalRegistry,
  openLocalRegistryData,
} from './local-registry';
import { StoreLockedError } from './storage/errors';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-local-registry-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** GET over HTTPS trusting only `caFile`, as terraform with SSL_CERT_FILE does. */
async function get(url: string, caFile: string, token?: string): Promise<{ status: number; body: string }> {
  const ca = await readFile(caFile, 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function holdPort(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('openLocalRegistry', () => {
  it('makes the layout, the local CA and an admin token on first start; reuses the CA and makes no token on the second', async () => {
    const dataDir = join(dir, 'first');
    const paths = localRegistryPaths(dataDir);
    const first = await openLocalRegistry({ dataDir, port: 0 });
    let ca: string;
    try {
      expect(first.port).toBeGreaterThan(0);
      expect(first.url).toBe(`https://localhost:${first.port}`);
      expect(first.host).toBe(`localhost:${first.port}`);
      expect(first.caFile).toBe(paths.caFile);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      expect((await stat(paths.database)).isFile()).toBe(true);
      expect((await stat(paths.urlSigningKey)).mode & 0o777).toBe(0o600);
      expect(first.adminToken).toMatch(/\S{20,}/);
      const tokens = await first.metadata.listTokens();
      expect(tokens.map((t) => [t.role, t.secretHash])).toEqual([['admin', hashTokenSecret(first.adminToken!)]]);

      // It serves HTTPS with a certificate for localhost that the local CA issued, and the token it made is an admin.
      const discovery = await get(`${first.url}/.well-known/terraform.json`, first.caFile!);
      expect(discovery.status).toBe(200);
      expect(JSON.parse(discovery.body)).toHaveProperty('providers.v1');
      expect((await get(`${first.url}/api/v1/tokens`, first.caFile!, first.adminToken!)).status).toBe(200);
      expect((await get(`${first.url}/api/v1/tokens`, first.caFile!, 'not-a-token')).status).toBe(403);
      ca = await readFile(paths.caFile, 'utf8');
    } finally {
      await first.close();
    }

    const second = await openLocalRegistry({ dataDir, port: 0 });
    try {
      expect(second.adminToken).toBeNull();
      expect(await readFile(paths.caFile, 'utf8')).toBe(ca);
      expect(await second.metadata.listTokens()).toHaveLength(1);
      // The first start's token still works after the restart.
      expect((await get(`${second.url}/api/v1/tokens`, second.caFile!, first.adminToken!)).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('makes no admin token when one is given, and serves plain HTTP with tls none', async () => {
    const dataDir = join(dir, 'given-token');
    const registry = await openLocalRegistry({ dataDir, port: 0, tls: 'none', adminToken: 'given-admin-token-0123' });
    try {
      expect(registry.adminToken).toBeNull();
      expect(registry.caFile).toBeNull();
      expect(registry.url).toBe(`http://localhost:${registry.port}`);
      expect(await registry.metadata.listTokens()).toEqual([]);
      const answer = await fetch(`http://127.0.0.1:${registry.port}/api/v1/tokens`, {
        headers: { Authorization: 'Bearer given-admin-token-0123' },
      });
      expect(answer.status).toBe(200);
      await expect(stat(localRegistryPaths(dataDir).tlsDir)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await registry.close();
    }
  });

  it('refuses a busy port with PORT_IN_USE, makes no admin token, and leaves the folder free', async () => {
    const squatter = await holdPort();
    const busy = (squatter.address() as AddressInfo).port;
    const dataDir = join(dir, 'busy');
    try {
      const failure = await openLocalRegistry({ dataDir, port: busy, tls: 'none' }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(LocalRegistryListenError);
      expect(failure).toMatchObject({ code: 'PORT_IN_USE', host: '127.0.0.1', port: busy });
      expect((failure as Error).message).toContain(`127.0.0.1:${busy}`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    const data = await openLocalRegistryData(dataDir);
    try {
      expect(await data.metadata.listTokens()).toEqual([]);
    } finally {
      await data.close();
    }
  });

  it('holds the folder while running; close() frees the port and the store lock', async () => {
    const dataDir = join(dir, 'close');
    const registry = await openLocalRegistry({ dataDir, port: 0, tls: 'none' });
    const { port } = registry;
    await expect(openLocalRegistryData(dataDir)).rejects.toBeInstanceOf(StoreLockedError);
    await expect(openLocalRegistry({ dataDir, port: 0, tls: 'none' })).rejects.toBeInstanceOf(StoreLockedError);
    await registry.close();
    await registry.close(); // idempotent
    await expect(fetch(`http://127.0.0.1:${port}/.well-known/terraform.json`)).rejects.toThrow();

    // The same port and the same folder, again.
    const again = await openLocalRegistry({ dataDir, port, tls: 'none' });
    try {
      expect(again.port).toBe(port);
      expect((await fetch(`http://127.0.0.1:${port}/.well-known/terraform.json`)).status).toBe(200);
    } finally {
      await again.close();
    }
    const data = await openLocalRegistryData(dataDir);
    await data.close();
  });
});

describe('openLocalRegistryData', () => {
  it('refuses a folder without signet.db unless asked to create it', async () => {
    const dataDir = join(dir, 'missing');
    const failure = await openLocalRegistryData(dataDir).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LocalRegistryDataMissingError);
    expect(failure).toMatchObject({ code: 'DATA_MISSING', dataDir });
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });

    const created = await openLocalRegistryData(dataDir, { create: true });
    try {
      expect(created.paths.database).toBe(join(dataDir, 'signet.db'));
      expect(await created.metadata.listNamespaces()).toEqual([]);
    } finally {
      await created.close();
    }
    const reopened = await openLocalRegistryData(dataDir);
    await reopened.close();
  });
});
