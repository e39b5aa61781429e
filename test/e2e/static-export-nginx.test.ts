// The static export served by a real nginx over HTTPS, with the README's server block: the real terraform 1.11.4
// installs from it through the registry protocol (signature verified) and as a network mirror, and what must never
// be exported (a private namespace, a draft) is neither in the folder nor served.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRegistryClient } from '@signet/client';
import { formatNginxStaticConfig, NGINX_EXAMPLE_OPTIONS, staticContentType } from '@signet/registry';
import { buildExampleRelease, type ExampleRelease } from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runSignet, spawnSignet, type CliRun } from '../helpers/cli';
import { requireNginx, startNginx, type NginxServer } from '../helpers/nginx';
import { startSignetServe } from '../helpers/registry';
import { parseLockHashes, requiredProvidersConfig, runTerraform } from '../helpers/terraform';
import { requireTool } from '../helpers/tools';

const terraform = requireTool('terraform');
const nginxPresent = requireNginx();
const missing = [!nginxPresent && 'nginx (/usr/sbin/nginx)', !terraform && 'terraform'].filter(Boolean).join(' and ');

/** A port-less provider host: the only kind a network mirror can serve (terraform-protocol.md §0.1). */
const MIRROR_HOST = 'registry.example.com';
const DEPRECATION = 'use acme/hello2 instead';

let work: string;
let dataDir: string;
let out: string;
let ca: string;
let caFile: string;
let nginx: NginxServer;
let release: ExampleRelease;
let exported: CliRun;
let tfEnv: Record<string, string>;

interface Answer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

/** One request to nginx, trusting the registry's local CA. */
function get(path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: 'localhost', port: nginx.port, path, method, ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function terraformIn(source: string, version: string, cliConfig = '') {
  const dir = await mkdtemp(join(work, 'tf-'));
  await writeFile(join(dir, 'main.tf'), requiredProvidersConfig(source, version));
  const run = await runTerraform(dir, ['init', '-input=false'], { cliConfig, env: tfEnv });
  return {
    ...run,
    text: run.output.replace(/[\s│]+/g, ' '),
    lock: async () => parseLockHashes(await readFile(join(dir, '.terraform.lock.hcl'), 'utf8'), source),
  };
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(root, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(root, `${prefix}${e.name}/`) : Promise.resolve([`${prefix}${e.name}`]),
    ),
  );
  return nested.flat().sort();
}

describe.skipIf(missing !== '')(
  `static export served by nginx over HTTPS to the real terraform${missing ? ` — SKIPPED: ${missing} missing` : ''}`,
  () => {
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'signet-static-nginx-'));
      dataDir = join(work, 'data');
      out = join(work, 'export');
      const emptyCertDir = join(work, 'empty-cert-dir');
      await mkdir(emptyCertDir);
      const [server, built, draft] = await Promise.all([
        startSignetServe({ dataDir }),
        buildExampleRelease(join(work, 'hello')),
        buildExampleRelease(join(work, 'hello-2'), { version: '2.0.0' }),
      ]);
      release = built;
      caFile = server.caFile;
      ca = await readFile(caFile, 'utf8');
      tfEnv = { SSL_CERT_FILE: caFile, SSL_CERT_DIR: emptyCertDir };
      try {
        const admin = await createRegistryClient({ url: server.url, token: server.adminToken, caFile });
        await admin.createNamespace({ name: 'corp', visibility: 'private' });
        await admin.close();
        const publish = async (dir: string, namespace: string, key: string, extra: string[] = []) => {
          const run = await runSignet(
            [
              'publish',
              dir,
              '--registry',
              server.url,
              '--namespace',
              namespace,
              '--key',
              key,
              '--ca-file',
              caFile,
              ...extra,
            ],
            { cwd: work, env: { SIGNET_TOKEN: server.adminToken } },
          );
          if (run.code !== 0) throw new Error(`signet publish ${namespace} failed:\n${run.stdout}${run.stderr}`);
        };
        await publish(release.distDir, 'acme', release.project.publicKeyPath);
        await publish(release.distDir, 'corp', release.project.publicKeyPath);
        await publish(draft.distDir, 'acme', draft.project.publicKeyPath, ['--draft']);
        const client = await createRegistryClient({ url: server.url, token: server.adminToken, caFile });
        await client.deprecate('acme', 'hello', '1.0.0', DEPRECATION);
        expect((await client.getVersion('acme', 'hello', '2.0.0'))?.state).toBe('draft');
        await client.close();
      } finally {
        // The export reads the stopped registry's folder (a running one holds its lock).
        await server.stop();
      }

      exported = await spawnSignet(
        ['export', 'static', '--out', out, '--data', dataDir, '--mirror-host', MIRROR_HOST],
        {
          cwd: work,
        },
      );
      if (exported.code !== 0) throw new Error(`signet export static failed:\n${exported.stdout}${exported.stderr}`);

      // The documented server block, for this port and the registry's own certificate for localhost.
      nginx = await startNginx({
        dir: join(work, 'nginx'),
        server: (listen) =>
          formatNginxStaticConfig({
            root: out,
            listen,
            serverName: 'localhost',
            certificate: join(dataDir, 'tls', 'server.pem'),
            certificateKey: join(dataDir, 'tls', 'server-key.pem'),
          }),
      });
    });

    afterAll(async () => {
      await nginx?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('acceptance: terraform init installs through the registry protocol, signature verified, warning shown', async () => {
      expect(exported.stdout).toContain(`Exported 1 version(s) of 1 provider(s) to ${out}`);
      const source = `localhost:${nginx.port}/acme/hello`;
      const run = await terraformIn(source, '1.0.0');
      expect(run.output).toContain(`- Installed ${source} v1.0.0 (self-signed, key ID ${release.keyId})`);
      expect(run.text).toContain(`Version 1.0.0 of acme/hello is deprecated: ${DEPRECATION}`);
      expect(run.output).toContain('Terraform has been successfully initialized!');
      expect(run.code).toBe(0);
      const sums = await readFile(join(release.distDir, 'terraform-provider-hello_1.0.0_SHA256SUMS'), 'utf8');
      const zh = sums
        .trim()
        .split('\n')
        .map((line) => `zh:${line.split(/\s+/)[0]}`);
      const lock = await run.lock();
      expect(lock.filter((h) => h.startsWith('zh:')).sort()).toEqual(zh.sort());
      expect(lock.filter((h) => h.startsWith('h1:'))).toHaveLength(1);
    });

    it('terraform init installs from it as a network mirror, checksum verified', async () => {
      const source = `${MIRROR_HOST}/acme/hello`;
      const cliConfig = `provider_installation {\n  network_mirror {\n    url = "https://localhost:${nginx.port}/mirror/"\n  }\n}\n`;
      const run = await terraformIn(source, '1.0.0', cliConfig);
      expect(run.output).toContain(`- Installed ${source} v1.0.0 (verified checksum)`);
      expect(run.code).toBe(0);
      expect(await run.lock()).toHaveLength(1);
    });

    it('has neither the private namespace nor the draft: absent from the folder, 404 through nginx', async () => {
      const files = await listFiles(out);
      expect(files).toContain('v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip');
      expect(files.filter((p) => p.includes('corp'))).toEqual([]);
      expect(files.filter((p) => p.includes('2.0.0'))).toEqual([]);
      for (const path of [
        '/v1/providers/corp/hello/versions',
        '/v1/providers/corp/hello/1.0.0/download/linux/amd64',
        '/v1/files/corp/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip',
        `/mirror/${MIRROR_HOST}/corp/hello/index.json`,
        `/mirror/${MIRROR_HOST}/corp/hello/1.0.0.json`,
        '/v1/providers/acme/hello/2.0.0/download/linux/amd64',
        '/v1/files/acme/hello/2.0.0/terraform-provider-hello_2.0.0_linux_amd64.zip',
        `/mirror/${MIRROR_HOST}/acme/hello/2.0.0.json`,
      ]) {
        expect((await get(path)).status, path).toBe(404);
      }
      const versions = JSON.parse((await get('/v1/providers/acme/hello/versions')).body.toString('utf8'));
      expect(versions.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0']);
    });

    it('serves each kind of path with the content type the live registry uses; folders and other paths are 404', async () => {
      const version = '/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0';
      const expected: [string, string][] = [
        ['/.well-known/terraform.json', 'application/json'],
        ['/v1/providers/acme/hello/versions', 'application/json'],
        ['/v1/providers/acme/hello/1.0.0/download/linux/amd64', 'application/json'],
        [`/mirror/${MIRROR_HOST}/acme/hello/index.json`, 'application/json'],
        [`/mirror/${MIRROR_HOST}/acme/hello/1.0.0.json`, 'application/json'],
        [`${version}_linux_amd64.zip`, 'application/zip'],
        [`${version}_SHA256SUMS.sig`, 'application/pgp-signature'],
        [`${version}_SHA256SUMS`, 'text/plain; charset=utf-8'],
        [`${version}_manifest.json`, 'application/json'],
      ];
      for (const [path, type] of expected) {
        const answer = await get(path);
        expect(answer.status, path).toBe(200);
        expect(answer.contentType, path).toBe(type);
      }
      expect((await get(`${version}_linux_amd64.zip`, 'HEAD')).status).toBe(200);
      for (const path of ['/v1/providers/acme/hello/1.0.0', '/v1/providers/', '/', '/.signet-static-export.json']) {
        expect((await get(path)).status, path).toBe(404);
      }
    });

    it('prints the same server block it is served with, and a second export writes nothing', async () => {
      const printed = await runSignet(['export', 'static', '--print-nginx-config', '--out', out], { cwd: work });
      expect(printed.stdout).toBe(formatNginxStaticConfig({ ...NGINX_EXAMPLE_OPTIONS, root: out }));
      const again = await runSignet(
        ['export', 'static', '--out', out, '--data', dataDir, '--mirror-host', MIRROR_HOST],
        {
          cwd: work,
        },
      );
      expect(again.stdout).toMatch(/\(0 written, \d+ unchanged, 0 removed\)/);
      expect(again.code).toBe(0);
      expect(await nginx.errorLog()).not.toMatch(/\[(error|crit|alert|emerg)\]/);
    });

    it('signet export static --to s3:// puts the same paths into a bucket, each with its Content-Type', async () => {
      // s3rver (the registry's test dependency) stands in for S3; it serves objects to plain GETs, path-style.
      const S3rver = createRequire(new URL('../../packages/registry/package.json', import.meta.url))('s3rver') as new (
        options: object,
      ) => { run(): Promise<AddressInfo>; close(): Promise<void> };
      const s3rver = new S3rver({
        address: '127.0.0.1',
        port: 0,
        silent: true,
        directory: join(work, 's3rver'),
        configureBuckets: [{ name: 'registry-export' }],
      });
      const { port } = await s3rver.run();
      try {
        const endpoint = `http://127.0.0.1:${port}`;
        const run = await spawnSignet(
          [
            'export',
            'static',
            '--to',
            `s3://registry-export/signet?endpoint=${endpoint}&forcePathStyle=true&region=us-east-1`,
            '--data',
            dataDir,
            '--mirror-host',
            MIRROR_HOST,
          ],
          { cwd: work, env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } },
        );
        expect(run.stdout).toContain('provider(s) to s3://registry-export/signet/');
        expect(run.code).toBe(0);
        const paths = (await listFiles(out)).filter((p) => !p.startsWith('.signet-'));
        expect(run.stdout).toContain(`(${paths.length} written, 0 unchanged, 0 removed)`);
        for (const path of paths) {
          const object = await new Promise<{ type: string | undefined; body: Buffer }>((resolve, reject) => {
            httpGet(`${endpoint}/registry-export/signet/${path}`, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () => resolve({ type: res.headers['content-type'], body: Buffer.concat(chunks) }));
              res.on('error', reject);
            }).on('error', reject);
          });
          expect(object.type, path).toBe(staticContentType(path));
          expect(object.body.equals(await readFile(join(out, path))), path).toBe(true);
        }
      } finally {
        await s3rver.close();
      }
    });
  },
);
