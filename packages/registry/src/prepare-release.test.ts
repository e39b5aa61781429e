import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decryptPrivateKey, inspectKey } from '@signet/core';
import { packageRelease, readReleaseFiles, signRelease, validateRelease } from '@signet/core/node';
import { writeExampleProject } from '@signet/core/testing';
import { afterAll, describe, expect, it } from 'vitest';

import { formatFilePath, prepareRelease } from './prepare-release';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('prepareRelease', () => {
  it('builds the download responses and mirror archives terraform needs, from a validated release', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signet-prepare-'));
    dirs.push(dir);
    const project = await writeExampleProject(dir, { platforms: ['linux_amd64', 'darwin_arm64'] });
    await packageRelease({
      name: 'hello',
      version: '1.0.0',
      protocols: ['6.0'],
      inputs: [{ path: join(dir, 'bin') }],
      outDir: project.distDir,
    });
    const key = await decryptPrivateKey(await readFile(project.privateKeyPath), project.passphrase);
    await signRelease(await readReleaseFiles([project.distDir]), key);
    const report = await validateRelease({
      files: await readReleaseFiles([project.distDir]),
      keys: [project.publicKeyArmored],
    });
    expect(report.ok).toBe(true);
    const { keyId } = await inspectKey(project.publicKeyArmored);

    const prepared = prepareRelease({
      namespace: 'acme',
      type: 'hello',
      version: '1.0.0',
      protocols: ['6.0'],
      report,
      key: { keyId, asciiArmor: project.publicKeyArmored },
      files: [{ fileName: 'terraform-provider-hello_1.0.0_SHA256SUMS', sha256: 'ab'.repeat(32), size: 10 }],
    });

    expect(prepared.platforms).toEqual([
      { os: 'darwin', arch: 'arm64' },
      { os: 'linux', arch: 'amd64' },
    ]);
    const linux = report.platforms.find((p) => p.platform === 'linux_amd64')!;
    expect(prepared.downloads.linux_amd64).toEqual({
      protocols: ['6.0'],
      os: 'linux',
      arch: 'amd64',
      filename: 'terraform-provider-hello_1.0.0_linux_amd64.zip',
      download_url: '/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip',
      shasums_url: '/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_SHA256SUMS',
      shasums_signature_url: '/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_SHA256SUMS.sig',
      shasum: linux.sha256,
      signing_keys: {
        gpg_public_keys: [{ key_id: keyId, ascii_armor: project.publicKeyArmored, trust_signature: '' }],
      },
    });
    expect(prepared.mirror.archives.linux_amd64).toEqual({
      url: formatFilePath('acme', 'hello', '1.0.0', 'terraform-provider-hello_1.0.0_linux_amd64.zip'),
      hashes: [linux.h1, linux.zh],
    });
    expect(prepared.files).toEqual({
      'terraform-provider-hello_1.0.0_SHA256SUMS': { sha256: 'ab'.repeat(32), size: 10 },
    });
    expect(prepared.keyId).toBe(keyId);
  });
});
