// Two real `signet serve` replicas on one PostgreSQL and one S3 bucket (s3rver), sharing SIGNET_URL_SIGNING_KEY and
// SIGNET_ADMIN_TOKEN, as behind a load balancer: a publish through A installs with the real terraform through B (the
// zip by a 302 to a presigned object URL), a deprecation and a revocation on A reach B within 1 s, a SIGKILL of A
// mid-upload leaves B serving everything published and nothing half-visible, and PostgreSQL going away makes B
// answer 503 with Retry-After (never hang) until it is back, without a restart.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
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

import { BIN, runSignet, spawnSignet, TSX_LOADER } from '../helpers/cli';
import { rawRequest, type RawResponse } from '../helpers/https-request';
import { startSignetServe, type SignetServer } from '../helpers/registry';
import { requiredProvidersConfig, runTerraform } from '../helpers/terraform';
import { requireTool } from '../helpers/tools';

// s3rver runs in this process (the helper the S3 store's tests use); the replicas reach it over HTTP.
import { startTestS3Server, type TestS3Server } from '../../packages/registry/src/testing/s3-server';

const terraform = requireTool('terraform');
const noPostgres = postgresUnavailableReason();
if (noPostgres) console.warn(`\n*** SKIPPED: the replica tests did not run: ${noPostgres} ***\n`);
const skipped = !terraform || noPostgres !== undefined;
const why = !terraform ? 'terraform is not on the PATH' : (noPostgres ?? '');

const ADMIN_TOKEN = `signet_${randomBytes(24).toString('base64url')}`;
const URL_SIGNING_KEY = randomBytes(32).toString('hex');
const MiB = 2 ** 20;

interface Replica {
  server: SignetServer;
  ca: string;
  client: RegistryClient;
  /** Access-log lines written so far (one JSON object per request). */
  log: { method: string; path: string; status: number }[];
}

let work: string;
let postgres: PostgresServer;
let s3: TestS3Server;
let databaseUrl: string;
let blobsUrl: string;
let bucket: string;
let release: ExampleRelease;
let release2: ExampleRelease;
const replicas: Replica[] = [];
let a: Replica;
let b: Replica;

async function startReplica(name: string, shutdownTimeout = '2s'): Promise<Replica> {
  const server = await startSignetServe({
    dataDir: join(work, name),
    adminToken: ADMIN_TOKEN,
    extraArgs: ['--database', databaseUrl, '--blobs', blobsUrl, '--shutdown-timeout', shutdownTimeout],
    env: {
      SIGNET_URL_SIGNING_KEY: URL_SIGNING_KEY,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    },
  });
  const log: Replica['log'] = [];
  let rest = '';
  server.process.stdout!.on('data', (chunk: Buffer) => {
    rest += chunk.toString();
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as Replica['log'][number];
        if (typeof entry.status === 'number') log.push(entry);
      } catch {
        // not an access-log line
      }
    }
  });
  const ca = await readFile(server.caFile, 'utf8');
  const client = await createRegistryClient({ url: server.url, token: ADMIN_TOKEN, caFile: server.caFile });
  const replica = { server, ca, client, log };
  replicas.push(replica);
  return replica;
}

/** One request with a 10 s bound: a replica that hangs fails the test instead of stalling it. */
function call(replica: Replica, path: string, options: { method?: string; token?: string } = {}): Promise<RawResponse> {
  return rawRequest(replica.server.url, replica.ca, {
    method: options.method ?? 'GET',
    path,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
}

/** Polls `check` every 50 ms for up to `ms`; resolves with the last answer and whether it passed. */
async function within<T>(ms: number, probe: () => Promise<T>, check: (value: T) => boolean) {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (!check(value) && Date.now() < deadline) {
    await sleep(50);
    value = await probe();
  }
  return { value, passed: check(value) };
}

async function publishThrough(replica: Replica, dist: ExampleRelease) {
  return runSignet(
    [
      'publish',
      dist.distDir,
      '--registry',
      replica.server.url,
      '--namespace',
      'acme',
      '--key',
      dist.project.publicKeyPath,
      '--ca-file',
      replica.server.caFile,
    ],
    { cwd: work, env: { SIGNET_TOKEN: ADMIN_TOKEN } },
  );
}

describe.skipIf(skipped)(
  `two signet serve replicas on one PostgreSQL and one bucket${skipped ? ` — SKIPPED: ${why}` : ''}`,
  () => {
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'signet-replicas-'));
      [postgres, s3, release, release2] = await Promise.all([
        startPostgres(),
        startTestS3Server(),
        buildExampleRelease(join(work, 'hello-1')),
        buildExampleRelease(join(work, 'hello-2'), { version: '2.0.0' }),
      ]);
      databaseUrl = await postgres.createDatabase('signet');
      bucket = await s3.createBucket();
      blobsUrl = `s3://${bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1&forcePathStyle=true&prefix=registry`;
      a = await startReplica('replica-a');
      b = await startReplica('replica-b');
    }, 120_000);

    afterAll(async () => {
      for (const replica of replicas) {
        await replica.client.close().catch(() => {});
        await replica.server.stop();
      }
      await s3?.close();
      await postgres?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('publishes through A; terraform init through B installs it signed, the zip by a presigned redirect', async () => {
      const published = await publishThrough(a, release);
      expect(published.code, published.stdout + published.stderr).toBe(0);

      const dir = await mkdtemp(join(work, 'tf-'));
      const source = `${b.server.host}/acme/hello`;
      await writeFile(join(dir, 'main.tf'), requiredProvidersConfig(source, '1.0.0'));
      const emptyCertDir = join(work, 'empty-cert-dir');
      await mkdir(emptyCertDir, { recursive: true });
      const run = await runTerraform(dir, ['init', '-input=false'], {
        cliConfig: '',
        env: { SSL_CERT_FILE: b.server.caFile, SSL_CERT_DIR: emptyCertDir },
      });
      expect(run.output).toContain(`- Installed ${source} v1.0.0 (self-signed, key ID ${release.keyId})`);
      expect(run.code).toBe(0);

      const zipDownloads = (replica: Replica) =>
        replica.log.filter((e) => e.method === 'GET' && e.path.startsWith('/v1/files/') && e.path.endsWith('.zip'));
      const zipAnswers = zipDownloads(b);
      expect(zipAnswers.length).toBeGreaterThan(0);
      expect(zipAnswers.every((entry) => entry.status === 302)).toBe(true);
      expect(zipDownloads(a)).toEqual([]);
    }, 120_000);

    it('shows a deprecation made on A in B’s versions within 1 s', async () => {
      const versions = () => call(b, '/v1/providers/acme/hello/versions');
      expect((await versions()).json.warnings).toBeUndefined(); // B has the view cached now
      await a.client.deprecate('acme', 'hello', '1.0.0', 'use 2.x');
      const seen = await within(1_000, versions, (res) => JSON.stringify(res.json.warnings ?? []).includes('use 2.x'));
      expect(seen.value.json.warnings, 'B still served the view without the warning after 1 s').toBeDefined();
      expect(seen.passed).toBe(true);
    });

    it('refuses on B within 1 s a read token revoked on A', async () => {
      const created = await a.client.createToken({ name: 'reader', role: 'read', namespaces: ['acme'] });
      const keys = () => call(b, '/api/v1/namespaces/acme/keys', { token: created.token });
      expect((await keys()).status).toBe(200); // B has the token cached now
      await a.client.revokeToken(created.id);
      const refused = await within(1_000, keys, (res) => res.status === 403);
      expect(refused.value.status).toBe(403);
    });

    it('after a SIGKILL of A mid-upload, B serves everything published, nothing half-visible, and the re-run completes', async () => {
      await a.client.addKey('acme', { ascii_armor: release2.publicKeyArmored });
      await a.client.createVersion('acme', 'hello', { version: '2.0.0', protocols: ['6'], key_id: release2.keyId });
      const linux = release2.files.find((f) => f.fileName.endsWith('_linux_amd64.zip'))!;
      // 256 MiB of junk into the draft's linux zip; A dies once 48 MiB of it have gone out.
      const block = randomBytes(MiB);
      let sent = 0;
      let halfway: () => void = () => {};
      const reached = new Promise<void>((resolve) => (halfway = resolve));
      const upload = rawRequest(a.server.url, a.ca, {
        method: 'PUT',
        path: `/api/v1/providers/acme/hello/versions/2.0.0/files/${linux.fileName}`,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/octet-stream',
          'content-length': String(256 * MiB),
        },
        body: (function* () {
          for (let i = 0; i < 256; i++) {
            yield block;
            sent += MiB;
            if (sent >= 48 * MiB) halfway();
          }
        })(),
      }).then(
        (answer) => `answered ${answer.status}`,
        (error: Error) => error.message,
      );
      await reached;
      await a.server.kill();
      expect(await upload).not.toMatch(/^answered 2/);

      // B: 1.0.0 as it was, no 2.0.0 on the read side, and the draft has no linux zip (not a partial one).
      const listed = await call(b, '/v1/providers/acme/hello/versions');
      expect(listed.status).toBe(200);
      expect((listed.json.versions as { version: string }[]).map((v) => v.version)).toEqual(['1.0.0']);
      expect((await call(b, '/v1/providers/acme/hello/2.0.0/download/linux/amd64')).status).toBe(404);
      const draft = await b.client.getVersion('acme', 'hello', '2.0.0');
      expect(draft?.state).toBe('draft');
      // Nothing else was uploaded to it: the killed upload left no record at all (the bytes sit in no blob either).
      expect(draft?.files).toEqual([]);
      const download = await call(b, '/v1/providers/acme/hello/1.0.0/download/linux/amd64');
      expect(download.status).toBe(200);

      const rerun = await publishThrough(b, release2);
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
      const after = await call(b, '/v1/providers/acme/hello/versions');
      expect((after.json.versions as { version: string }[]).map((v) => v.version).sort()).toEqual(['1.0.0', '2.0.0']);
    }, 120_000);

    it('signet gc on the shared stores keeps every referenced blob and deletes an orphan', async () => {
      const store = await s3.openStore({ bucket, prefix: 'registry/' });
      const orphan = await store.put(
        (async function* () {
          yield await Promise.resolve(Buffer.from('bytes no version names'));
        })(),
        { maxBytes: 1024 },
      );
      const referenced = new Set<string>();
      for (const version of ['1.0.0', '2.0.0']) {
        for (const file of (await b.client.getVersion('acme', 'hello', version))!.files) referenced.add(file.sha256);
      }
      const gc = (grace: string) =>
        spawnSignet(
          [
            'gc',
            '--data',
            join(work, 'gc'),
            '--database',
            databaseUrl,
            '--blobs',
            blobsUrl,
            '--grace',
            grace,
            '--json',
          ],
          {
            cwd: work,
            env: {
              AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
              AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
            },
          },
        );
      const young = await gc('1h');
      expect(young.code, young.stderr).toBe(0);
      expect(young.json.deleted).toEqual([]);
      const run = await gc('0s');
      expect(run.code, run.stderr).toBe(0);
      expect(run.json.deleted).toEqual([{ sha256: orphan.sha256, size: 'bytes no version names'.length }]);
      expect(run.json.referenced).toBe(referenced.size);
      for (const sha256 of referenced) expect(await store.stat(sha256), sha256).toBeDefined();
      expect(await store.stat(orphan.sha256)).toBeUndefined();
    }, 60_000);

    it('refuses to start on a bucket that does not exist: exit 2 naming it, not a replica that is never ready', async () => {
      const missing = `${bucket}-missing`;
      // The real binary, killed after 30 s: a regression (a replica that starts) fails here instead of hanging.
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [
            '--import',
            TSX_LOADER,
            BIN,
            'serve',
            '--no-tls',
            '--port',
            '0',
            '--data',
            join(work, 'missing-bucket'),
            '--database',
            databaseUrl,
            '--blobs',
            blobsUrl.replace(`s3://${bucket}?`, `s3://${missing}?`),
          ],
          {
            cwd: work,
            timeout: 30_000,
            env: {
              ...process.env,
              SIGNET_ADMIN_TOKEN: ADMIN_TOKEN,
              SIGNET_URL_SIGNING_KEY: URL_SIGNING_KEY,
              AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
              AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
            },
          },
          (error, _stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stderr }),
        );
      });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`Expected bucket ${JSON.stringify(missing)}`);
      expect(run.stderr).toContain('create it, or give the existing bucket');
      expect(run.stderr).not.toContain(s3.credentials.secretAccessKey);
      expect(run.stderr).not.toContain(URL_SIGNING_KEY);
      expect(run.stderr).not.toContain(ADMIN_TOKEN);
    }, 60_000);

    it('on SIGTERM a replica finishes the upload in flight, refuses new connections, and exits 0', async () => {
      const c = await startReplica('replica-c', '60s');
      await c.client.createVersion('acme', 'hello', { version: '3.0.0', protocols: ['6'], key_id: release2.keyId });
      const block = randomBytes(MiB);
      let resume: () => void = () => {};
      const gate = new Promise<void>((resolve) => (resume = resolve));
      let halfSent: () => void = () => {};
      const half = new Promise<void>((resolve) => (halfSent = resolve));
      const upload = rawRequest(c.server.url, c.ca, {
        method: 'PUT',
        path: '/api/v1/providers/acme/hello/versions/3.0.0/files/terraform-provider-hello_3.0.0_linux_amd64.zip',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
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
      const exited = new Promise<number | null>((resolve) => c.server.process.once('exit', (code) => resolve(code)));
      c.server.process.kill('SIGTERM');
      const refused = await within(
        10_000,
        () => canConnect(c.server.port),
        (open) => !open,
      );
      expect(refused.passed, 'the replica still accepted connections after SIGTERM').toBe(true);
      resume();
      const answer = await upload;
      expect(answer.status, answer.text).toBe(201);
      expect(await exited).toBe(0);
      const draft = await b.client.getVersion('acme', 'hello', '3.0.0');
      expect(draft?.files.map((f) => f.size)).toEqual([8 * MiB]);
    }, 90_000);

    it('answers 503 with Retry-After while PostgreSQL is down (never hangs), and resumes once it is back', async () => {
      expect((await call(b, '/readyz')).status).toBe(200);
      await postgres.stopServer('fast');
      try {
        const ready = await call(b, '/readyz');
        expect(ready.status).toBe(503);
        expect(ready.json.checks.database).toBe('unavailable');
        const api = await call(b, '/api/v1/namespaces', { token: ADMIN_TOKEN });
        expect(api.status).toBe(503);
        expect(api.json.errors[0].code).toBe('STORE_UNAVAILABLE');
        const versions = await call(b, '/v1/providers/acme/hello/versions');
        // Served from the cache, or refused as unavailable; never a 500 and never a hang.
        expect([200, 503]).toContain(versions.status);
      } finally {
        await postgres.startServer();
      }
      const back = await within(
        30_000,
        () => call(b, '/readyz'),
        (res) => res.status === 200,
      );
      expect(back.value.status).toBe(200);
      expect((await call(b, '/api/v1/namespaces', { token: ADMIN_TOKEN })).status).toBe(200);
      expect(b.server.process.exitCode).toBeNull();
    }, 90_000);

    it('checks Retry-After on the 503s', async () => {
      await postgres.stopServer('fast');
      try {
        const api = await call(b, '/api/v1/namespaces', { token: ADMIN_TOKEN });
        expect(api.status).toBe(503);
        const res = await fetchHeaders(b, '/api/v1/namespaces');
        expect(res['retry-after']).toMatch(/^\d+$/);
        const ready = await fetchHeaders(b, '/readyz');
        expect(ready['retry-after']).toMatch(/^\d+$/);
      } finally {
        await postgres.startServer();
      }
      await within(
        30_000,
        () => call(b, '/readyz'),
        (res) => res.status === 200,
      );
    }, 90_000);
  },
);

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

/** The headers of one GET (rawRequest keeps only the body). */
async function fetchHeaders(replica: Replica, path: string): Promise<Record<string, string>> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const url = new URL(path, replica.server.url);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        ca: replica.ca,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        signal: AbortSignal.timeout(10_000),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers as Record<string, string>));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
