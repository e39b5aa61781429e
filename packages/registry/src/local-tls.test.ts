import { execFile } from 'node:child_process';
import { createServer } from 'node:https';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureLocalTls } from './local-tls';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-tls-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('ensureLocalTls', () => {
  it('makes a CA and a server certificate that curl trusts for localhost and 127.0.0.1', async () => {
    const tls = await ensureLocalTls(join(dir, 'tls'));
    expect((await stat(tls.keyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'tls', 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    const server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const host of ['localhost', '127.0.0.1']) {
        const { stdout } = await promisify(execFile)('curl', [
          '-sS',
          '--cacert',
          tls.caPath,
          `https://${host}:${port}/`,
        ]);
        expect(stdout).toBe('ok');
      }
    } finally {
      server.close();
    }
  });

  it('reuses what it made on the next start', async () => {
    const first = await ensureLocalTls(join(dir, 'reuse'));
    const ca = await readFile(first.caPath, 'utf8');
    const second = await ensureLocalTls(join(dir, 'reuse'));
    expect(second.cert).toBe(first.cert);
    expect(await readFile(second.caPath, 'utf8')).toBe(ca);
  });

  it('re-issues the server certificate from the same CA when a host is missing', async () => {
    const first = await ensureLocalTls(join(dir, 'hosts'), ['localhost']);
    const ca = await readFile(first.caPath, 'utf8');
    const second = await ensureLocalTls(join(dir, 'hosts'), ['localhost', '127.0.0.1']);
    expect(second.cert).not.toBe(first.cert);
    expect(await readFile(second.caPath, 'utf8')).toBe(ca);
  });
});
