// Acceptance (issue 9, item 2): `signet release` on the seed's signet.yaml, verbatim apart from the key ID, with
// a key that lives only in a gpg keyring made by `gpg --quick-gen-key`. gpg signs; `gpg --verify` accepts the
// signature, and a real terraform installs the provider from a filesystem mirror of the result.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createFakeExecutable } from '@signet/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { spawnSignet } from '../helpers/cli';
import { parseLockHashes, requiredProvidersConfig, runTerraform } from '../helpers/terraform';
import { requireTool } from '../helpers/tools';

const hasGpg = requireTool('gpg');
const hasTerraform = requireTool('terraform');

// The seed's signet.yaml, byte for byte; only <KEY_ID> is replaced.
const SEED_YAML = `provider:
  name: myprovider
  version: 1.0.0
  gpg_key: <KEY_ID>
  protocols: ["5"]
  files:
    - darwin_arm64/myprovider_v1.0.0
    - darwin_amd64/myprovider_v1.0.0
    - linux_amd64/myprovider_v1.0.0
    - windows_amd64/myprovider_v1.0.0
    - SHA256SUMS
    - SHA256SUMS.sig
`;
const PLATFORMS = ['darwin_arm64', 'darwin_amd64', 'linux_amd64', 'windows_amd64'];
const SUMS = 'terraform-provider-myprovider_1.0.0_SHA256SUMS';

let work: string;
let project: string;
let gnupgHome: string;
let fingerprint: string;
let keyId: string;

/** gpg in the test's own GNUPGHOME; throws with gpg's stderr when it fails. */
function gpg(args: string[]): string {
  const result = spawnSync('gpg', ['--batch', ...args], {
    env: { ...process.env, GNUPGHOME: gnupgHome },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`gpg ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/** The environment of every signet run: the test's keyring, and none of the caller's signing settings. */
function signetEnv(): Record<string, string> {
  return { GNUPGHOME: gnupgHome, SIGNET_KEYRING: '', SIGNET_GPG_PASSPHRASE: '' };
}

/** `gpg --verify` of the release's signature; returns the primary key fingerprint of its VALIDSIG line. */
function gpgVerify(): string {
  const dist = join(project, 'dist');
  const status = gpg(['--status-fd', '1', '--verify', join(dist, `${SUMS}.sig`), join(dist, SUMS)]);
  const validsig = status.split('\n').find((line) => line.startsWith('[GNUPG:] VALIDSIG '));
  expect(validsig, status).toBeDefined();
  return validsig!.split(' ').at(-1)!;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'signet-seed-yaml-'));
  project = join(work, 'myprovider');
  if (!hasGpg) return;
  gnupgHome = join(work, 'gnupg');
  await mkdir(gnupgHome, { mode: 0o700 });
  // RSA 4096, what terraform verifies everywhere (terraform-protocol.md §2.1), passphrase-less as in a CI keyring.
  gpg([
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    '',
    '--quick-gen-key',
    'Seed Tester <seed@example.com>',
    'rsa4096',
    'sign',
    'never',
  ]);
  const colons = gpg(['--with-colons', '--list-secret-keys', 'seed@example.com']);
  fingerprint = colons
    .split('\n')
    .find((line) => line.startsWith('fpr:'))!
    .split(':')[9]!;
  keyId = fingerprint.slice(-16);
  for (const platform of PLATFORMS) {
    await mkdir(join(project, platform), { recursive: true });
    await writeFile(join(project, platform, 'myprovider_v1.0.0'), createFakeExecutable(platform), { mode: 0o755 });
  }
  await writeFile(join(project, 'signet.yaml'), SEED_YAML.replace('<KEY_ID>', keyId));
});

afterAll(async () => {
  // Stop the agent this GNUPGHOME started, and only that one.
  if (hasGpg) spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupgHome } });
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(!hasGpg)(
  `signet release on the seed's signet.yaml with a gpg-keyring key${hasGpg ? '' : ' — SKIPPED: gpg is not on the PATH'}`,
  () => {
    it('packages the four binaries, gpg signs, and gpg --verify accepts the signature', async () => {
      const result = await spawnSignet(['release', '-c', 'signet.yaml', '--json'], {
        cwd: project,
        env: signetEnv(),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.json).toMatchObject({ ok: true, key: { keyId, source: 'gpg' } });
      // The SHA256SUMS entries are taken as outputs, and said so exactly once.
      const note = `signet.yaml lists "SHA256SUMS" and "SHA256SUMS.sig" in provider.files: Signet writes them (as ${SUMS} and ${SUMS}.sig in dist/); the entries are taken as outputs.`;
      expect(result.stderr).toBe(`signet: note: ${note}\n`);

      const dist = join(project, 'dist');
      expect((await readdir(dist)).sort()).toEqual(
        [
          ...PLATFORMS.map((p) => `terraform-provider-myprovider_1.0.0_${p}.zip`),
          SUMS,
          `${SUMS}.sig`,
          'terraform-provider-myprovider_1.0.0_manifest.json',
        ].sort(),
      );
      expect(await readFile(join(dist, 'terraform-provider-myprovider_1.0.0_manifest.json'), 'utf8')).toBe(
        '{"version":1,"metadata":{"protocol_versions":["5.0"]}}',
      );
      // Binary, as terraform needs: an OpenPGP packet's first byte has its high bit set.
      expect((await readFile(join(dist, `${SUMS}.sig`)))[0]! & 0x80).toBe(0x80);
      expect(gpgVerify()).toBe(fingerprint);
    });

    it('signet sign --key-id FINGERPRINT signs the same way, and gpg --verify accepts it', async () => {
      await rm(join(project, 'dist', `${SUMS}.sig`));
      const result = await spawnSignet(['sign', '--key-id', `0x${fingerprint.toLowerCase()}`, 'dist', '--json'], {
        cwd: project,
        env: signetEnv(),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.json).toMatchObject({ ok: true, keyId, source: 'gpg' });
      expect(gpgVerify()).toBe(fingerprint);
    });

    describe.skipIf(!hasTerraform)(
      `real terraform init from a filesystem mirror${hasTerraform ? '' : ' — SKIPPED: terraform is not on the PATH'}`,
      () => {
        it('installs myprovider 1.0.0, with the h1: signet validate reports', async () => {
          const publicKey = join(work, 'public.asc');
          await writeFile(publicKey, gpg(['--armor', '--export', fingerprint]));
          const report = await spawnSignet(['validate', 'dist', '--key', publicKey, '--json'], { cwd: project });
          expect(report.code, report.stdout).toBe(0);
          expect(report.json.keyId).toBe(keyId);
          const linux = report.json.platforms.find((p: { platform: string }) => p.platform === 'linux_amd64');

          const mirror = join(work, 'mirror', 'localhost', 'acme', 'myprovider');
          await mkdir(mirror, { recursive: true });
          for (const p of report.json.platforms as { fileName: string }[]) {
            await copyFile(join(project, 'dist', p.fileName), join(mirror, p.fileName));
          }
          const root = join(work, 'root');
          await mkdir(root);
          await writeFile(join(root, 'main.tf'), requiredProvidersConfig('localhost/acme/myprovider', '1.0.0'));
          const cliConfig = `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(join(work, 'mirror'))}\n  }\n}\n`;
          const init = await runTerraform(root, ['init', '-input=false'], { cliConfig });
          expect(init.output).toContain('Installed localhost/acme/myprovider v1.0.0');
          expect(init.code).toBe(0);
          const lock = await readFile(join(root, '.terraform.lock.hcl'), 'utf8');
          expect(parseLockHashes(lock, 'localhost/acme/myprovider')).toEqual([linux.h1]);
          const installed = join(root, '.terraform/providers/localhost/acme/myprovider/1.0.0/linux_amd64');
          expect(await readdir(installed)).toEqual(['terraform-provider-myprovider_v1.0.0']);
        });
      },
    );
  },
);
