// `signet serve --workers 2` on the embedded default, as a user starts it (the real CLI in a child process): the
// primary keeps signet.db and forks two workers on one port. Both workers answer; a deprecation and a token
// revocation made through one reach the other's caches within 1 s; the real terraform installs from it; /metrics
// sums both workers; a SIGKILLed worker is restarted while the other keeps serving; SIGTERM to the primary exits 0
// and frees the data folder for the next `signet serve`.
//
// Which worker answers a connection is the primary's choice (round-robin), so the tests never assume an order: each
// probe opens a fresh connection, asks /healthz which worker it reached, and asks its question on that same
// connection.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { createRegistryClient, type RegistryClient } from '@signet/client';
import {
  buildExampleRelease,
  postgresUnavailableReason,
  startPostgres,
  type ExampleRelease,
  type PostgresServer,
} from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runSignet, spawnSignet } from '../helpers/cli';
import { rawRequest } from '../helpers/https-request';
import { startSignetServe, type SignetServer } from '../helpers/registry';
import { requiredProvidersConfig, runTerraform } from '../helpers/terraform';
import { requireTool } from '../helpers/tools';

// s3rver runs in this process (the helper the S3 store's tests use); the workers reach it over HTTP.
import { startTestS3Server, type TestS3Server } from '../../packages/registry/src/testing/s3-server';

const terraform = requireTool('terraform');
const noPostgres = postgresUnavailableReason();
const VERSIONS = '/v1/providers/acme/hello/versions';
const MiB = 2 ** 20;

interface Answer {
  status: number;
  json: any;
}

/** One fresh connection: which worker it reached (its /healthz), and what it answered on the same connection. */
interface Probe {
  worker: number;
  pid: number;
  answers: Answer[];
}

let work: string;
let dataDir: string;
let release: ExampleRelease;
let server: SignetServer;
let ca: string;
let client: RegistryClient;
/** Every /healthz 200 the probes got, per worker ID: what /metrics must add up to. */
const healthzAnswered = new Map<number, number>();

function get(
  agent: Agent,
  path: string,
  options: { token?: string | undefined; url?: string; ca?: string } = {},
): Promise<Answer & { reused: boolean }> {
  const url = new URL(path, options.url ?? server.url);
  const token = options.token;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        ca: options.ca ?? ca,
        agent,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: AbortSignal.timeout(10_000),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json, reused: req.reusedSocket });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A fresh connection: GET /healthz, then each path on the same connection (so the same worker answers). */
async function probe(paths: string[] = [], token?: string): Promise<Probe> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const health = await get(agent, '/healthz');
    expect(health.status).toBe(200);
    const worker = health.json.worker as number;
    healthzAnswered.set(worker, (healthzAnswered.get(worker) ?? 0) + 1);
    const answers: Answer[] = [];
    for (const path of paths) {
      const answer = await get(agent, path, { token });
      expect(answer.reused, 'the follow-up request went out on a new connection').toBe(true);
      answers.push(answer);
    }
    return { worker, pid: health.json.pid as number, answers };
  } finally {
    agent.destroy();
  }
}

/**
 * Probes fresh connections until every worker in `workers` has given an answer that passes `check`, for up to `ms`.
 * Returns the workers that never did.
 */
async function untilEveryWorker(
  workers: Set<number>,
  ms: number,
  paths: string[],
  check: (answers: Answer[]) => boolean,
  token?: string,
): Promise<number[]> {
  const waiting = new Set(workers);
  const deadline = Date.now() + ms;
  do {
    const seen = await probe(paths, token);
    if (check(seen.answers)) waiting.delete(seen.worker);
  } while (waiting.size > 0 && Date.now() < deadline);
  return [...waiting];
}

/** Probes up to `attempts` fresh connections until `count` distinct workers answered; returns them (ID → pid). */
async function distinctWorkers(count: number, attempts = 40): Promise<Map<number, number>> {
  const workers = new Map<number, number>();
  for (let i = 0; i < attempts && workers.size < count; i++) {
    const seen = await probe();
    workers.set(seen.worker, seen.pid);
  }
  return workers;
}

/** True when a TCP connection to 127.0.0.1:port is accepted. */
function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!terraform)(
  `signet serve --workers 2 on the embedded default${terraform ? '' : ' — SKIPPED: terraform is not on the PATH'}`,
  () => {
    let workers: Map<number, number>;

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'signet-workers-'));
      dataDir = join(work, 'data');
      release = await buildExampleRelease(join(work, 'hello-1'));
      server = await startSignetServe({
        dataDir,
        extraArgs: ['--workers', '2', '--shutdown-timeout', '30s'],
      });
      ca = await readFile(server.caFile, 'utf8');
      client = await createRegistryClient({ url: server.url, token: server.adminToken, caFile: server.caFile });
    }, 120_000);

    afterAll(async () => {
      await client?.close().catch(() => {});
      await server?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('answers from two distinct worker processes, neither of them the primary', async () => {
      workers = await distinctWorkers(2);
      expect(workers.size, `only workers ${[...workers.keys()].join(', ')} answered 40 fresh connections`).toBe(2);
      const pids = [...workers.values()];
      expect(new Set(pids).size).toBe(2);
      expect(pids).not.toContain(server.process.pid);
    });

    it('publishes through it, and terraform init installs the provider signed', async () => {
      const published = await runSignet(
        [
          'publish',
          release.distDir,
          '--registry',
          server.url,
          '--namespace',
          'acme',
          '--key',
          release.project.publicKeyPath,
          '--ca-file',
          server.caFile,
        ],
        { cwd: work, env: { SIGNET_TOKEN: server.adminToken } },
      );
      expect(published.code, published.stdout + published.stderr).toBe(0);

      const dir = await mkdtemp(join(work, 'tf-'));
      const source = `${server.host}/acme/hello`;
      await writeFile(join(dir, 'main.tf'), requiredProvidersConfig(source, '1.0.0'));
      const emptyCertDir = join(work, 'empty-cert-dir');
      await mkdir(emptyCertDir, { recursive: true });
      const run = await runTerraform(dir, ['init', '-input=false'], {
        cliConfig: '',
        env: { SSL_CERT_FILE: server.caFile, SSL_CERT_DIR: emptyCertDir },
      });
      expect(run.output).toContain(`- Installed ${source} v1.0.0 (self-signed, key ID ${release.keyId})`);
      expect(run.code).toBe(0);
    }, 120_000);

    it('shows a deprecation made through one connection on every worker within 1 s', async () => {
      const listed = (answers: Answer[]) => answers[0]?.status === 200;
      const warned = (answers: Answer[]) => JSON.stringify(answers[0]?.json.warnings ?? []).includes('use 2.x');
      // Each worker serves the versions without a warning first: both have the view cached now.
      const unwarned = (answers: Answer[]) => listed(answers) && !warned(answers);
      expect(await untilEveryWorker(new Set(workers.keys()), 20_000, [VERSIONS], unwarned)).toEqual([]);

      await client.deprecate('acme', 'hello', '1.0.0', 'use 2.x');
      const stale = await untilEveryWorker(new Set(workers.keys()), 1_000, [VERSIONS], warned);
      expect(stale, 'these workers still served the versions without the warning 1 s after it was made').toEqual([]);
    });

    it('refuses on every worker, within 1 s, a read token revoked through one of them', async () => {
      const created = await client.createToken({ name: 'reader', role: 'read', namespaces: ['acme'] });
      const keys = '/api/v1/namespaces/acme/keys';
      const status = (expected: number) => (answers: Answer[]) => answers[0]?.status === expected;
      // Every worker has the token cached as valid now.
      expect(await untilEveryWorker(new Set(workers.keys()), 20_000, [keys], status(200), created.token)).toEqual([]);

      await client.revokeToken(created.id);
      const accepting = await untilEveryWorker(new Set(workers.keys()), 1_000, [keys], status(403), created.token);
      expect(accepting, 'these workers still accepted the revoked token 1 s after the revocation').toEqual([]);
    });

    it('sums both workers’ request counts in /metrics', async () => {
      const answeredBy = [...healthzAnswered.entries()].filter(([, count]) => count > 0);
      expect(answeredBy.length, 'both workers answered some /healthz').toBe(2);
      const total = [...healthzAnswered.values()].reduce((a, b) => a + b, 0);
      const counted = async () => {
        const agent = new Agent({ keepAlive: false });
        try {
          const metrics = await get(agent, '/metrics');
          expect(metrics.status).toBe(200);
          const line = /^signet_http_requests_total\{method="GET",route="\/healthz",status="200"\} (\d+)$/m.exec(
            metrics.json as string,
          );
          return Number(line?.[1] ?? 0);
        } finally {
          agent.destroy();
        }
      };
      // A count lands when its response has ended on the server, which may be just after the client read it.
      let value = await counted();
      for (let i = 0; i < 20 && value !== total; i++) {
        await sleep(100);
        value = await counted();
      }
      // One worker's own count would be short by everything the other one answered.
      expect(value).toBe(total);
    });

    it('restarts a worker killed with SIGKILL while the other keeps serving', async () => {
      const [killedId, killedPid] = [...workers.entries()][0]!;
      process.kill(killedPid, 'SIGKILL');
      // Until the primary has seen the worker's channel close, it may still hand it a new connection, which then
      // hangs (node:cluster's round-robin waits for an acceptance that never comes): wait for its notice first.
      const notice = `worker ${killedId} (pid ${killedPid}) was killed by SIGKILL; starting another`;
      for (let i = 0; i < 100 && !server.stderr().includes(notice); i++) await sleep(50);
      expect(server.stderr()).toContain(notice);
      // Service goes on: every fresh connection is answered meanwhile (by the worker left, or the new one).
      for (let i = 0; i < 5; i++) expect((await probe([VERSIONS])).answers[0]?.status).toBe(200);
      const deadline = Date.now() + 60_000;
      let replacement: Probe | undefined;
      while (!replacement && Date.now() < deadline) {
        const seen = await probe([VERSIONS]);
        expect(seen.answers[0]?.status).toBe(200);
        if (!workers.has(seen.worker)) replacement = seen;
        else await sleep(100);
      }
      expect(replacement, 'no new worker answered within 60 s of the SIGKILL').toBeDefined();
      expect(replacement!.pid).not.toBe(killedPid);
      expect(isAlive(killedPid)).toBe(false);
      // The new worker reads the same store: it serves the deprecation made before it started.
      expect(JSON.stringify(replacement!.answers[0]?.json.warnings)).toContain('use 2.x');
      workers.delete(killedId);
      workers.set(replacement!.worker, replacement!.pid);
    }, 90_000);

    it('on SIGTERM to the primary, finishes the upload in flight on a worker, stops every worker, exits 0 and frees the data folder', async () => {
      const pids = [...workers.values()];
      await client.createVersion('acme', 'hello', { version: '3.0.0', protocols: ['6'], key_id: release.keyId });
      // 8 MiB into the draft, paused half-way until the registry refuses new connections.
      const block = randomBytes(MiB);
      let resume: () => void = () => {};
      const gate = new Promise<void>((resolve) => (resume = resolve));
      let halfSent: () => void = () => {};
      const half = new Promise<void>((resolve) => (halfSent = resolve));
      const upload = rawRequest(server.url, ca, {
        method: 'PUT',
        path: '/api/v1/providers/acme/hello/versions/3.0.0/files/terraform-provider-hello_3.0.0_linux_amd64.zip',
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          'content-type': 'application/octet-stream',
          'content-length': String(8 * MiB),
        },
        body: (async function* () {
          for (let i = 0; i < 4; i++) yield block;
          halfSent();
          await gate;
          for (let i = 0; i < 4; i++) yield block;
        })(),
      });
      await half;
      const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
      server.process.kill('SIGTERM');
      let open = true;
      for (let i = 0; i < 200 && open; i++) {
        open = await canConnect(server.port);
        if (open) await sleep(50);
      }
      expect(open, 'the workers still accepted connections 10 s after SIGTERM').toBe(false);
      resume();
      // The worker's last store call (the file record) runs on the primary, which keeps the store open until then.
      const answer = await upload;
      expect(answer.status, answer.text).toBe(201);
      expect(await exited).toBe(0);
      for (const pid of pids) expect(isAlive(pid), `worker pid ${pid} outlived its primary`).toBe(false);

      const next = await startSignetServe({ dataDir, adminToken: server.adminToken });
      try {
        const agent = new Agent({ keepAlive: false });
        try {
          const versions = await get(agent, VERSIONS, { url: next.url, ca: await readFile(next.caFile, 'utf8') });
          expect(versions.status).toBe(200);
          expect((versions.json.versions as { version: string }[]).map((v) => v.version)).toEqual(['1.0.0']);
        } finally {
          agent.destroy();
        }
        const nextClient = await createRegistryClient({ url: next.url, token: next.adminToken, caFile: next.caFile });
        try {
          const draft = await nextClient.getVersion('acme', 'hello', '3.0.0');
          expect(draft?.files.map((f) => f.size)).toEqual([8 * MiB]);
        } finally {
          await nextClient.close();
        }
      } finally {
        await next.stop();
      }
    }, 90_000);
  },
);

describe.skipIf(noPostgres !== undefined)(
  `signet serve --workers 2 on PostgreSQL and a bucket${noPostgres ? ` — SKIPPED: ${noPostgres}` : ''}`,
  () => {
    let postgres: PostgresServer;
    let s3: TestS3Server;

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'signet-workers-scale-'));
      [postgres, s3] = await Promise.all([startPostgres(), startTestS3Server()]);
      const databaseUrl = await postgres.createDatabase('signet');
      const bucket = await s3.createBucket();
      const blobsUrl = `s3://${bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1&forcePathStyle=true`;
      server = await startSignetServe({
        dataDir: join(work, 'data'),
        adminToken: `signet_${randomBytes(24).toString('base64url')}`,
        extraArgs: ['--workers', '2', '--database', databaseUrl, '--blobs', blobsUrl, '--shutdown-timeout', '2s'],
        env: {
          SIGNET_URL_SIGNING_KEY: randomBytes(32).toString('hex'),
          AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        },
      });
      ca = await readFile(server.caFile, 'utf8');
      client = await createRegistryClient({ url: server.url, token: server.adminToken, caFile: server.caFile });
    }, 120_000);

    afterAll(async () => {
      await client?.close().catch(() => {});
      await server?.stop();
      await s3?.close();
      await postgres?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('serves from two workers, each on its own connections, and a change made through one reaches the other', async () => {
      const workers = await distinctWorkers(2);
      expect(workers.size).toBe(2);
      await client.createNamespace({ name: 'acme', visibility: 'public' });
      const namespaces = '/api/v1/namespaces';
      const token = server.adminToken;
      const listsAcme = (answers: Answer[]) =>
        answers[0]?.status === 200 && JSON.stringify(answers[0].json).includes('"acme"');
      expect(await untilEveryWorker(new Set(workers.keys()), 5_000, [namespaces], listsAcme, token)).toEqual([]);
      const created = await client.createToken({ name: 'reader', role: 'read', namespaces: ['acme'] });
      const keys = '/api/v1/namespaces/acme/keys';
      const status = (expected: number) => (answers: Answer[]) => answers[0]?.status === expected;
      expect(await untilEveryWorker(new Set(workers.keys()), 20_000, [keys], status(200), created.token)).toEqual([]);
      await client.revokeToken(created.id);
      // PostgreSQL LISTEN/NOTIFY carries the revocation between the workers, as between replicas.
      const accepting = await untilEveryWorker(new Set(workers.keys()), 1_000, [keys], status(403), created.token);
      expect(accepting).toEqual([]);
    }, 60_000);

    it('stops both workers on SIGTERM and exits 0', async () => {
      const pids = [...(await distinctWorkers(2)).values()];
      const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
      server.process.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
    }, 60_000);
  },
);

describe('signet serve --workers 2 whose workers cannot start', () => {
  it('fails the start once with the workers’ reason (exit 3), and leaves no process behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signet-workers-fail-'));
    try {
      const run = await spawnSignet(
        [
          'serve',
          '--workers',
          '2',
          '--port',
          '0',
          '--json',
          '--data',
          join(dir, 'data'),
          // Nothing listens on port 1: each worker's PostgreSQL pool is refused as it opens.
          '--database',
          'postgres://signet@127.0.0.1:1/signet',
          '--blobs',
          's3://bucket?endpoint=http://127.0.0.1:1&region=us-east-1&forcePathStyle=true',
        ],
        {
          cwd: dir,
          env: { SIGNET_URL_SIGNING_KEY: 'k'.repeat(40), SIGNET_ADMIN_TOKEN: `signet_${'a'.repeat(32)}` },
        },
      );
      // The run ends only once its output pipes close, and every worker holds them: no worker is left behind.
      expect(run.code, run.stdout + run.stderr).toBe(3);
      expect(run.json).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
      expect(run.json.error.message).toContain('Expected the PostgreSQL database 127.0.0.1:1/signet to answer');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
