// The real terraform 1.11.4 installing providers from a real `signet serve` over HTTPS: the registry protocol
// (public and private namespaces, deprecations, yanks, a missing platform), the network mirror and a filesystem
// mirror made by `signet mirror export`. Expected texts are the ones terraform-protocol.md measured.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRegistryClient, type RegistryClient } from '@signet/client';
import { buildExampleRelease, type ExampleRelease } from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runSignet, spawnSignet, type CliRun } from '../helpers/cli';
import { rawRequest } from '../helpers/https-request';
import { startSignetServe, type SignetServer } from '../helpers/registry';
import { parseLockHashes, requiredProvidersConfig, runTerraform, type TerraformRun } from '../helpers/terraform';
import { requireTool } from '../helpers/tools';

const terraform = requireTool('terraform');

/** A port-less provider host: the only kind a network mirror can serve (terraform-protocol.md §0.1). */
const MIRROR_HOST = 'registry.example.com';

interface PlatformReport {
  platform: string;
  fileName: string;
  zh: string;
  h1: string;
}

let work: string;
let server: SignetServer;
let admin: RegistryClient;
let release: ExampleRelease;
/** `signet validate --json` of `release`, per platform. */
let platforms: PlatformReport[];
/** `zh:` of every SHA256SUMS line of `release` (all platforms + the manifest). */
let sumsHashes: string[];
/** The acceptance publish of `release` to acme, made once for the file. */
let published: CliRun;
let tfEnv: Record<string, string>;
const runDirs: string[] = [];

/** Runs terraform in a fresh root module that requires `source` at exactly `version`. */
async function terraformIn(
  source: string,
  version: string,
  args: string[],
  cliConfig = '',
): Promise<TerraformRun & { dir: string; lock: () => Promise<string[]>; text: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-tf-'));
  runDirs.push(dir);
  await writeFile(join(dir, 'main.tf'), requiredProvidersConfig(source, version));
  const run = await runTerraform(dir, args, { cliConfig, env: tfEnv });
  return {
    ...run,
    dir,
    // Terraform wraps diagnostics at about 80 columns; `text` is the output with runs of white space joined.
    text: run.output.replace(/[\s│]+/g, ' '),
    lock: async () => parseLockHashes(await readFile(join(dir, '.terraform.lock.hcl'), 'utf8'), source),
  };
}

const init = ['init', '-input=false'];

async function publish(dir: string, namespace: string, keyPath: string): Promise<CliRun> {
  const run = await runSignet(
    ['publish', dir, '--registry', server.url, '--namespace', namespace, '--key', keyPath, '--ca-file', server.caFile],
    { cwd: work, env: { SIGNET_TOKEN: server.adminToken } },
  );
  if (run.code !== 0)
    throw new Error(`signet publish to ${namespace} failed (${run.code}):\n${run.stdout}${run.stderr}`);
  return run;
}

function platform(name: string): PlatformReport {
  const found = platforms.find((p) => p.platform === name);
  if (!found) throw new Error(`signet validate reported no ${name}.`);
  return found;
}

describe.skipIf(!terraform)(
  `real terraform against a real signet serve over HTTPS${terraform ? '' : ' — SKIPPED: terraform is not on the PATH'}`,
  () => {
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'signet-registry-tf-'));
      const emptyCertDir = join(work, 'empty-cert-dir');
      await mkdir(emptyCertDir);
      [server, release] = await Promise.all([
        startSignetServe({ dataDir: join(work, 'data') }),
        buildExampleRelease(join(work, 'hello')),
      ]);
      tfEnv = { SSL_CERT_FILE: server.caFile, SSL_CERT_DIR: emptyCertDir };
      admin = await createRegistryClient({ url: server.url, token: server.adminToken, caFile: server.caFile });

      const report = await runSignet(['validate', release.distDir, '--key', release.project.publicKeyPath, '--json'], {
        cwd: work,
      });
      if (report.code !== 0) throw new Error(`signet validate failed:\n${report.stdout}${report.stderr}`);
      platforms = report.json.platforms as PlatformReport[];
      const sums = await readFile(join(release.distDir, 'terraform-provider-hello_1.0.0_SHA256SUMS'), 'utf8');
      sumsHashes = sums
        .split('\n')
        .filter(Boolean)
        .map((line) => `zh:${line.split(/\s+/)[0]}`);

      // The real binary, as a user runs it; asserted in the acceptance test, which the others build on.
      published = await spawnSignet(
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
    });

    afterAll(async () => {
      await admin?.close();
      await server?.stop();
      await Promise.all([...runDirs, work].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
    });

    it('acceptance: signet publish, then terraform init installs it signed, with the lock hashes signet computed', async () => {
      expect(published.stderr).toBe('');
      expect(published.stdout).toContain(`Published ${server.host}/acme/hello 1.0.0 (key ID ${release.keyId};`);
      expect(published.code).toBe(0);

      const source = `${server.host}/acme/hello`;
      const run = await terraformIn(source, '1.0.0', init);
      expect(run.output).toContain(`- Installed ${source} v1.0.0 (self-signed, key ID ${release.keyId})`);
      expect(run.output).toContain('Terraform has been successfully initialized!');
      expect(run.code).toBe(0);

      expect(sumsHashes).toHaveLength(4); // three zips + manifest.json
      expect((await run.lock()).sort()).toEqual([platform('linux_amd64').h1, ...sumsHashes].sort());
    });

    it('terraform providers lock for three platforms records each platform h1 and every zh', async () => {
      const source = `${server.host}/acme/hello`;
      const run = await terraformIn(source, '1.0.0', [
        'providers',
        'lock',
        '-platform=linux_amd64',
        '-platform=darwin_arm64',
        '-platform=windows_amd64',
      ]);
      for (const p of ['linux_amd64', 'darwin_arm64', 'windows_amd64']) {
        expect(run.output).toContain(`- Retrieved ${source} 1.0.0 for ${p} (self-signed, key ID ${release.keyId})`);
      }
      expect(run.output).toContain('Success! Terraform has updated the lock file.');
      expect(run.code).toBe(0);

      const lock = await run.lock();
      expect(lock.filter((h) => h.startsWith('h1:')).sort()).toEqual(platforms.map((p) => p.h1).sort());
      expect(lock.filter((h) => h.startsWith('zh:')).sort()).toEqual([...sumsHashes].sort());
    });

    it('network mirror: a port-less provider host installs from /mirror/ with a verified checksum', async () => {
      const source = `${MIRROR_HOST}/acme/hello`;
      const cliConfig = `provider_installation {\n  network_mirror {\n    url = "${server.url}/mirror/"\n  }\n}\n`;
      const run = await terraformIn(source, '1.0.0', init, cliConfig);
      expect(run.output).toContain(`- Installed ${source} v1.0.0 (verified checksum)`);
      expect(run.code).toBe(0);
      // A mirror install locks only the locally computed h1 (terraform-protocol.md §4.3).
      expect(await run.lock()).toEqual([platform('linux_amd64').h1]);
    });

    it('filesystem mirror written by signet mirror export installs, and its JSON carries h1 and zh', async () => {
      const out = join(work, 'fs-mirror');
      const exported = await spawnSignet(
        [
          'mirror',
          'export',
          '--out',
          out,
          '--registry',
          server.url,
          '--ca-file',
          server.caFile,
          '--host',
          MIRROR_HOST,
          '--namespace',
          'acme',
        ],
        { cwd: work, env: { SIGNET_TOKEN: server.adminToken } },
      );
      expect(exported.stdout).toContain(`to ${join(out, MIRROR_HOST)}`);
      expect(exported.code).toBe(0);

      const dir = join(out, MIRROR_HOST, 'acme', 'hello');
      const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
      expect(index.versions).toHaveProperty(['1.0.0']);
      const document = JSON.parse(await readFile(join(dir, '1.0.0.json'), 'utf8'));
      for (const p of platforms) {
        expect(document.archives[p.platform]).toEqual({ url: p.fileName, hashes: expect.any(Array) });
        expect([...document.archives[p.platform].hashes].sort()).toEqual([p.h1, p.zh].sort());
      }

      const source = `${MIRROR_HOST}/acme/hello`;
      const cliConfig = `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(out)}\n  }\n}\n`;
      const run = await terraformIn(source, '1.0.0', init, cliConfig);
      expect(run.output).toContain(`- Installed ${source} v1.0.0 (unauthenticated)`);
      expect(run.code).toBe(0);
      expect(await run.lock()).toEqual([platform('linux_amd64').h1]);
    });

    it('private namespace: a read token installs through signed file URLs; none is 401, a wrong one 403', async () => {
      await admin.createNamespace({ name: 'corp', visibility: 'private' });
      await publish(release.distDir, 'corp', release.project.publicKeyPath);
      const { token } = await admin.createToken({ name: 'tf-read', role: 'read', namespaces: ['corp'] });
      const source = `${server.host}/corp/hello`;
      const credentials = (secret: string) =>
        `credentials "${server.host}" {\n  token = ${JSON.stringify(secret)}\n}\n`;

      const ok = await terraformIn(source, '1.0.0', init, credentials(token));
      expect(ok.output).toContain(`- Installed ${source} v1.0.0 (self-signed, key ID ${release.keyId})`);
      expect(ok.code).toBe(0);
      expect((await ok.lock()).sort()).toEqual([platform('linux_amd64').h1, ...sumsHashes].sort());

      // Terraform sends the token only to the JSON routes: the files it fetched are reachable by signed URL alone.
      const ca = await readFile(server.caFile, 'utf8');
      const get = (path: string, secret?: string) =>
        rawRequest(server.url, ca, {
          method: 'GET',
          path,
          headers: secret === undefined ? {} : { authorization: `Bearer ${secret}` },
        });
      const downloadPath = '/v1/providers/corp/hello/1.0.0/download/linux/amd64';
      const download = await get(downloadPath, token);
      expect(download.status).toBe(200);
      // Resolved as terraform does, against the download-metadata URL (terraform-protocol.md §1.6).
      const zipUrl = new URL(download.json.download_url as string, server.url + downloadPath);
      expect(zipUrl.searchParams.get('signature')).toMatch(/.+/);
      expect((await get(zipUrl.pathname + zipUrl.search)).status).toBe(200);
      expect((await get(zipUrl.pathname)).status).toBe(401);
      expect((await get('/v1/providers/corp/hello/versions')).status).toBe(401);
      expect((await get('/v1/providers/corp/hello/versions', 'signet_not-a-real-token')).status).toBe(403);

      const anonymous = await terraformIn(source, '1.0.0', init);
      expect(anonymous.text).toContain(`host ${server.host} requires authentication credentials`);
      expect(anonymous.code).toBe(1);

      const wrong = await terraformIn(source, '1.0.0', init, credentials('signet_not-a-real-token'));
      expect(wrong.text).toContain(`host ${server.host} rejected the given authentication credentials`);
      expect(wrong.code).toBe(1);
    });

    it('deprecated version: terraform init installs it and shows the registry warning', async () => {
      const legacy = await buildExampleRelease(join(work, 'legacy-1.1.0'), { name: 'legacy', version: '1.1.0' });
      await publish(legacy.distDir, 'acme', legacy.project.publicKeyPath);
      const message = 'Use acme/hello 1.0.0 instead; legacy is retired in June.';
      await admin.deprecate('acme', 'legacy', '1.1.0', message);

      const source = `${server.host}/acme/legacy`;
      const run = await terraformIn(source, '1.1.0', init);
      expect(run.text).toContain('Warning: Additional provider information from registry');
      expect(run.text).toContain(`The remote registry returned warnings for ${source}:`);
      expect(run.text).toContain(message);
      expect(run.output).toContain(`- Installed ${source} v1.1.0 (self-signed, key ID ${legacy.keyId})`);
      expect(run.code).toBe(0);
    });

    it('yanked version: terraform init of exactly that version finds no release', async () => {
      // Two versions: with none left listed terraform would say "not found" instead.
      const [kept, yanked] = await Promise.all(
        ['1.0.0', '2.0.0'].map((version) =>
          buildExampleRelease(join(work, `yanked-${version}`), { name: 'yanked', version }),
        ),
      );
      await publish(kept!.distDir, 'acme', kept!.project.publicKeyPath);
      await publish(yanked!.distDir, 'acme', yanked!.project.publicKeyPath);
      const source = `${server.host}/acme/yanked`;
      // Installable before the yank, so the failure below is the yank's doing.
      const before = await terraformIn(source, '2.0.0', init);
      expect(before.output).toContain(`- Installed ${source} v2.0.0`);
      expect(before.code).toBe(0);

      await admin.yank('acme', 'yanked', '2.0.0');
      const run = await terraformIn(source, '2.0.0', init);
      expect(run.text).toContain('Error: Failed to query available provider packages');
      expect(run.text).toContain('no available releases match the given constraints 2.0.0');
      expect(run.code).toBe(1);
    });

    it('a release without linux_amd64: terraform says there is no package for the current platform', async () => {
      const partial = await buildExampleRelease(join(work, 'partial'), {
        name: 'partial',
        platforms: ['darwin_arm64', 'windows_amd64'],
      });
      await publish(partial.distDir, 'acme', partial.project.publicKeyPath);
      const source = `${server.host}/acme/partial`;
      const run = await terraformIn(source, '1.0.0', init);
      expect(run.text).toContain('Error: Incompatible provider version');
      expect(run.text).toContain(
        `Provider ${source} v1.0.0 does not have a package available for your current platform, linux_amd64.`,
      );
      expect(run.code).toBe(1);
    });
  },
);
