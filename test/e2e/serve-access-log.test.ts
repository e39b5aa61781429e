// `signet serve`'s logs as an operator reads them: one JSON line per request on stdout (fast path included; never a
// token, a signature or a query), nothing on stderr for a client's doing — an upload cut off mid-way is one
// aborted access-log line, not a failure with a stack — and `--quiet` turns the access log off.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { createRegistryClient } from '@signet/client';
import { generateKey } from '@signet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { rawRequest } from '../helpers/https-request';
import { startSignetServe, type SignetServer } from '../helpers/registry';

const ADMIN_TOKEN = 'signet_e2e-access-log-admin';
const UPLOAD = '/api/v1/providers/acme/hello/versions/1.0.0/files/terraform-provider-hello_1.0.0_linux_amd64.zip';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'signet-access-log-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A server whose stdout lines after the first (the `--json` start line) are collected. */
async function startLogged(name: string, extraArgs: string[] = []) {
  const server = await startSignetServe({ dataDir: join(work, name), adminToken: ADMIN_TOKEN, extraArgs });
  let stdout = '';
  server.process.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const lines = () =>
    stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { server, lines, ca: await readFile(server.caFile, 'utf8') };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(20);
}

describe('signet serve: access log', () => {
  let logged: Awaited<ReturnType<typeof startLogged>>;
  let server: SignetServer;
  let readToken: string;
  let tokenId: string;
  beforeAll(async () => {
    logged = await startLogged('data-log');
    server = logged.server;
    const client = await createRegistryClient({ url: server.url, token: ADMIN_TOKEN, caFile: server.caFile });
    try {
      await client.createNamespace({ name: 'acme' });
      await client.createProvider('acme', 'hello');
      const created = await client.createToken({ name: 'reader', role: 'read', namespaces: ['acme'] });
      readToken = created.token;
      tokenId = created.id;
    } finally {
      await client.close();
    }
    // A line is written when its response has gone out, which can be after the client has read it: wait for the
    // set-up's own lines, so that the test below counts only its own.
    await until(() => logged.lines().some((e) => e.method === 'POST' && e.path === '/api/v1/tokens'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('writes one JSON line per request, with the token ID and without query, token or signature', async () => {
    const before = logged.lines().length;
    const path = '/v1/providers/acme/hello/versions';
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(server.url, logged.ca, {
        method: 'GET',
        path: `${path}?signature=s3cr3t&expires=1`,
        headers: { authorization: `Bearer ${readToken}` },
      });
      expect(res.status).toBe(200);
    }
    await until(() => logged.lines().filter((e, i) => i >= before && e.path === path).length >= 3);
    const entries = logged.lines().slice(before);
    expect(entries).toHaveLength(3);
    for (const entry of entries) {
      expect(entry).toMatchObject({ method: 'GET', path, status: 200 });
      expect(typeof entry.bytes).toBe('number');
      expect(typeof entry.ms).toBe('number');
      const text = JSON.stringify(entry);
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain(readToken);
      expect(text).not.toContain(ADMIN_TOKEN);
    }
    // Public reads need no token, so none is checked and none is named; the token shows where it was used.
    const mine = await rawRequest(server.url, logged.ca, {
      method: 'GET',
      path: '/api/v1/whoami',
      headers: { authorization: `Bearer ${readToken}` },
    });
    expect(mine.status).toBe(200);
    await until(() => logged.lines().some((e) => e.path === '/api/v1/whoami'));
    expect(logged.lines().find((e) => e.path === '/api/v1/whoami')).toMatchObject({ token_id: tokenId });
    expect(server.stderr()).toBe('');
  });

  it('logs an upload the client cuts off as one aborted line, with nothing on stderr', async () => {
    const client = await createRegistryClient({ url: server.url, token: ADMIN_TOKEN, caFile: server.caFile });
    try {
      const key = await generateKey({ name: 'Cut', email: 'cut@example.com', algorithm: 'ed25519' });
      await client.addKey('acme', { ascii_armor: key.publicKeyArmored });
      await client.createVersion('acme', 'hello', { version: '1.0.0', protocols: ['6.0'], key_id: key.info.keyId });
    } finally {
      await client.close();
    }
    const controller = new AbortController();
    const block = randomBytes(2 ** 20);
    const upload = rawRequest(server.url, logged.ca, {
      method: 'PUT',
      path: UPLOAD,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/octet-stream',
        'content-length': String(64 * 2 ** 20),
      },
      body: (function* () {
        for (let i = 0; i < 8; i++) yield block;
        controller.abort(); // 8 MiB of 64 sent: the client gives up
      })(),
      signal: controller.signal,
    }).catch((error: Error) => error);
    await upload;
    await until(() => logged.lines().some((e) => e.path === UPLOAD));
    const entry = logged.lines().find((e) => e.path === UPLOAD)!;
    expect(entry).toMatchObject({ method: 'PUT', aborted: true });
    expect(entry.status).toBeLessThan(500);
    expect(server.stderr()).toBe('');
  });
});

describe('signet serve --quiet', () => {
  it('writes no access log', async () => {
    const { server, lines, ca } = await startLogged('data-quiet', ['--quiet']);
    try {
      const res = await rawRequest(server.url, ca, { method: 'GET', path: '/.well-known/terraform.json' });
      expect(res.status).toBe(200);
      await server.stop();
      expect(lines()).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
