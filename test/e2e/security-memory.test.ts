// design.md §7 "memory flat", against a real `signet serve` over HTTPS: 20,000 distinct bad names without a token
// (a NUL, another case, a `v` prefix, an unknown platform, an object property) leave the server's resident memory
// where it was. Before the fix every `acme%00…` alias was looked up as `acme` and kept its own copy of the
// provider's view for ever (175 → 843 MiB).
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { createRegistryClient } from '@signet/client';
import { buildExampleRelease } from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLI_NODE_FLAGS } from '../../scripts/build-cli';
import { collectGarbage, readInspectorUrl, withoutInspectorLines } from '../helpers/inspector';
import { startSignetServe, type SignetServer } from '../helpers/registry';

const ADMIN_TOKEN = 'signet_e2e-memory-admin';
const MiB = 2 ** 20;
const CONCURRENCY = 16;

let work: string;
let server: SignetServer;
let ca: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'signet-memory-'));
  // With the Node flags the deployed bundle runs with (scripts/build-cli.ts), so RSS is what an operator sees.
  // --inspect: the test asks for a full GC before each reading (inspector.ts), so that it reads what is kept.
  server = await startSignetServe({
    dataDir: join(work, 'data'),
    adminToken: ADMIN_TOKEN,
    nodeArgs: [...CLI_NODE_FLAGS, '--inspect=127.0.0.1:0'],
  });
  ca = await readFile(server.caFile, 'utf8');
  // A published provider, so that an alias of it would have a whole view to copy.
  const release = await buildExampleRelease(join(work, 'release'));
  const client = await createRegistryClient({ url: server.url, token: ADMIN_TOKEN, caFile: server.caFile });
  try {
    await client.createNamespace({ name: 'acme' });
    await client.addKey('acme', { ascii_armor: release.publicKeyArmored });
    await client.createProvider('acme', 'hello');
    await client.createVersion('acme', 'hello', { version: '1.0.0', protocols: ['6.0'], key_id: release.keyId });
    const ref = { namespace: 'acme', type: 'hello', version: '1.0.0' };
    for (const file of release.files) await client.uploadFile(ref, file.fileName, file.path);
    await client.publish('acme', 'hello', '1.0.0');
  } finally {
    await client.close();
  }
});
afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

/** The server's resident set size, as the kernel reports it. */
async function readRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`No VmRSS in /proc/${pid}/status.`);
  return Number(kib) * 1024;
}

/** The `i`-th bad path: each a different name no store or cache may treat as a real one. */
function badPath(i: number): string {
  const kinds = [
    `/v1/providers/acme%00${i}/hello/versions`,
    `/v1/providers/acme/hello%00${i}/versions`,
    `/v1/providers/ACME${i}/hello/versions`,
    `/v1/providers/acme/hello/v1.0.${i}/download/linux/amd64`,
    `/v1/providers/acme/hello/1.0.0/download/linux%00${i}/amd64`,
    `/mirror/localhost/acme%00${i}/hello/index.json`,
    `/mirror/localhost/acme/hello/1.0.0%00${i}.json`,
    `/v1/files/acme%00${i}/hello/1.0.0/terraform-provider-hello_1.0.0_SHA256SUMS`,
    `/v1/files/acme/hello/1.0.0/constructor${i}`,
  ];
  return kinds[i % kinds.length]!;
}

/**
 * What the server keeps: its RSS after a full garbage collection (asked for through its inspector), the lowest of a
 * few readings over 2 s while freed pages go back to the kernel. Without the collection a reading holds whatever
 * garbage V8 has not collected yet, which depends on how busy the machine is (0 to 80 MiB here).
 */
async function readSettledRss(pid: number): Promise<number> {
  await collectGarbage(readInspectorUrl(server.stderr()));
  let lowest = Infinity;
  for (let i = 0; i < 8; i++) {
    await sleep(250);
    lowest = Math.min(lowest, await readRssBytes(pid));
  }
  return lowest;
}

/** Sends paths `from`…`to - 1` without a token, `CONCURRENCY` at a time over kept-alive HTTPS connections. */
async function sendBadPaths(agent: Agent, from: number, to: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = from;
  const { hostname, port } = new URL(server.url);
  const one = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: hostname, port, path, method: 'GET', agent, ca }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < to) {
        const status = await one(badPath(next++));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

describe('signet serve: memory stays flat under bad names', () => {
  it('keeps RSS within 30 MiB over 20,000 distinct bad names without a token', { timeout: 600_000 }, async () => {
    const pid = server.process.pid!;
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    try {
      // Garbage makes RSS a sawtooth while requests run (30–60 MiB here between major GCs), and when V8 collects
      // on its own depends on the machine's load, so each reading follows a full GC (readSettledRss). A warm-up of
      // the same kind of requests settles JIT, connection buffers and the allocator first; then 20,000 more must
      // not raise what is kept by 30 MiB. (Before the fix: 84 MiB here, and an alias answered 200.)
      const warmUp = await sendBadPaths(agent, 100_000, 120_000);
      const before = await readSettledRss(pid);
      const attack = await sendBadPaths(agent, 0, 20_000);
      const after = await readSettledRss(pid);
      console.log(
        `signet serve RSS after a full GC: ${(before / MiB).toFixed(1)} MiB after the warm-up, ${(after / MiB).toFixed(1)} MiB after 20,000 bad names`,
      );
      expect(after - before).toBeLessThan(30 * MiB);
      expect(Object.fromEntries(warmUp)).toEqual({ 404: 20_000 });
      expect(Object.fromEntries(attack)).toEqual({ 404: 20_000 });
    } finally {
      agent.destroy();
    }
    // The real provider still answers, and no request was a server fault.
    const { hostname, port } = new URL(server.url);
    const ok = await new Promise<number>((resolve, reject) => {
      request({ host: hostname, port, path: '/v1/providers/acme/hello/versions', ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(ok).toBe(200);
    expect(withoutInspectorLines(server.stderr())).toBe('');
  });
});
