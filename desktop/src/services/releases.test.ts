import { createHash } from 'node:crypto';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createRegistryClient, publishRelease } from '@signet/client';
import { readReleaseFiles } from '@signet/core/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import type { ReleaseView } from '../shared/api';
import {
  createTestServices,
  ed25519Key,
  readLocalAdminToken,
  writeProviderBinaries,
  type TestServices,
} from './testing/fixtures';

const PASSPHRASE = 'release passphrase';
const PLATFORMS = ['darwin_arm64', 'linux_amd64', 'linux_arm64', 'windows_amd64'];

async function folderDigest(dir: string): Promise<Record<string, string>> {
  const digest: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    digest[name] = createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
  }
  return digest;
}

const codes = (view: ReleaseView) => view.problems.map((p) => `${p.code} ${p.file ?? ''}`.trim());

describe('releases through the local registry (real HTTPS on 127.0.0.1)', () => {
  let t: TestServices;
  let keyId: string;
  let input: string;

  beforeAll(async () => {
    t = await createTestServices();
    keyId = (await t.ok('keysGenerate', ed25519Key(PASSPHRASE))).keyId;
    input = await writeProviderBinaries(join(t.dir, 'bin'), PLATFORMS);
    await t.ok('localStart', { port: 0 });
  });
  afterAll(() => t.close());

  const create = async (version: string) =>
    t.ok('releasesCreate', {
      namespace: 'acme',
      provider: 'hello',
      version,
      protocols: ['6.0'],
      keyId,
      registryId: 'local',
      inputFolder: await writeProviderBinaries(join(t.dir, `bin-${version}`), PLATFORMS, { version }),
    });

  it('packages, signs and publishes, with the problems of each step', async () => {
    const created = await t.ok('releasesCreate', {
      namespace: 'acme',
      provider: 'hello',
      version: 'v1.0.0',
      protocols: ['6.0'],
      keyId,
      registryId: 'local',
      inputFolder: input,
    });
    expect(created).toMatchObject({ id: 'acme/hello/1.0.0', version: '1.0.0', status: 'draft', publishable: false });
    expect(created.releaseFolder).toBe(join(t.dataDir, 'releases', 'acme', 'hello', '1.0.0'));
    expect(created.problems.every((p) => p.code === 'FILE_MISSING')).toBe(true);

    const packaged = await t.ok('releasesPackage', { releaseId: created.id });
    expect(packaged.task).toMatchObject({ kind: 'package', running: false, error: null });
    expect(packaged.task?.platforms).toEqual(PLATFORMS.map((platform) => ({ platform, state: 'done' })));
    expect(codes(packaged)).toEqual(['FILE_MISSING terraform-provider-hello_1.0.0_SHA256SUMS.sig']);
    expect(packaged.problems[0]?.fix).toBe('Sign the release.');
    expect(packaged.revision).toBeGreaterThan(created.revision);

    const early = await t.call('releasesPublish', { releaseId: created.id });
    expect(early).toMatchObject({ ok: false, error: { code: 'RELEASE_INVALID' } });

    const before = await folderDigest(created.releaseFolder);
    const wrong = await t.call('releasesSign', { releaseId: created.id, passphrase: 'wrong' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'BAD_PASSPHRASE' } });
    expect(await folderDigest(created.releaseFolder)).toEqual(before);
    const failed = await t.ok('releasesGet', { releaseId: created.id });
    expect(failed.task).toMatchObject({ kind: 'sign', running: false, error: { code: 'BAD_PASSPHRASE' } });

    const signed = await t.ok('releasesSign', { releaseId: created.id, passphrase: PASSPHRASE });
    expect(signed).toMatchObject({ problems: [], publishable: true });

    const published = await t.ok('releasesPublish', { releaseId: created.id });
    expect(published.status).toBe('published');
    expect(published.task?.bytesTotal).toBeGreaterThan(0);
    expect(published.task?.bytesSent).toBe(published.task?.bytesTotal);

    const again = await t.ok('releasesPublish', { releaseId: created.id });
    expect(again.status).toBe('published');
    expect(t.logs.some((l) => l.includes('already published with these bytes: nothing changed'))).toBe(true);

    const status = await t.ok('localStatus', {});
    expect(status.sourceAddress).toBe(`localhost:${status.port}/acme/hello`);

    const deprecated = await t.ok('releasesDeprecate', { releaseId: created.id, message: 'Use 2.x' });
    expect(deprecated).toMatchObject({ status: 'deprecated', deprecationMessage: 'Use 2.x' });
    expect(await t.ok('releasesYank', { releaseId: created.id })).toMatchObject({ status: 'yanked' });
    expect(await t.ok('releasesRestore', { releaseId: created.id })).toMatchObject({
      status: 'published',
      deprecationMessage: null,
    });
  });

  it('finishes a draft another client started (signet publish --draft), uploading nothing twice', async () => {
    const release = await create('1.1.0');
    await t.ok('releasesPackage', { releaseId: release.id });
    await t.ok('releasesSign', { releaseId: release.id, passphrase: PASSPHRASE });
    const local = await t.ok('localStatus', {});
    // The CLI's way: the same publishRelease, stopped at the draft.
    const admin = await readLocalAdminToken(t);
    const cli = await createRegistryClient({ url: local.url ?? '', token: admin, caFile: local.caFile ?? undefined });
    try {
      const draft = await publishRelease({
        client: cli,
        namespace: 'acme',
        files: await readReleaseFiles([release.releaseFolder]),
        draft: true,
      });
      expect(draft.registryVersion.state).toBe('draft');
      expect(draft.uploaded.length).toBe(PLATFORMS.length + 3);
    } finally {
      await cli.close();
    }
    const published = await t.ok('releasesPublish', { releaseId: release.id });
    expect(published.status).toBe('published');
    expect(
      t.logs.some((l) => l.includes(`Published acme/hello/1.1.0 (0 uploaded, ${PLATFORMS.length + 3} already there)`)),
    ).toBe(true);
  });

  it('shows SHASUMS_MISMATCH for a tampered zip as the folder changes, and refuses to publish it', async () => {
    const release = await create('1.2.0');
    await t.ok('releasesPackage', { releaseId: release.id });
    const signed = await t.ok('releasesSign', { releaseId: release.id, passphrase: PASSPHRASE });
    expect(signed.problems).toEqual([]);
    await appendFile(join(release.releaseFolder, 'terraform-provider-hello_1.2.0_linux_amd64.zip'), 'tampered');
    // The folder watcher re-validates on its own: no call but releasesGet.
    const seen = await vi.waitFor(
      async () => {
        const view = await t.ok('releasesGet', { releaseId: release.id });
        if (view.revision <= signed.revision) throw new Error('not re-validated yet');
        return view;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(codes(seen)).toContain('SHASUMS_MISMATCH terraform-provider-hello_1.2.0_linux_amd64.zip');
    expect(seen.publishable).toBe(false);
    const refused = await t.call('releasesPublish', { releaseId: release.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'RELEASE_INVALID' } });
    expect(!refused.ok && refused.error.message).toContain('SHASUMS_MISMATCH');
    const local = await t.ok('localStatus', {});
    const admin = await readLocalAdminToken(t);
    const cli = await createRegistryClient({ url: local.url ?? '', token: admin, caFile: local.caFile ?? undefined });
    try {
      expect(await cli.getVersion('acme', 'hello', '1.2.0')).toBeUndefined();
    } finally {
      await cli.close();
    }
  });

  it('packages ready zips as they are, signs with a remembered passphrase, and removes its own folder', async () => {
    const source = (await t.ok('releasesList', {})).find((r) => r.id === 'acme/hello/1.0.0');
    expect(source).toBeDefined();
    // The release folder of acme/hello 1.0.0 as the input of the same provider version in another namespace.
    const release = await t.ok('releasesCreate', {
      namespace: 'other',
      provider: 'hello',
      version: '1.0.0',
      protocols: ['6.0'],
      keyId,
      registryId: 'local',
      inputFolder: source?.releaseFolder ?? '',
    });
    await t.ok('releasesPackage', { releaseId: release.id });
    const zip = 'terraform-provider-hello_1.0.0_linux_amd64.zip';
    expect(await readFile(join(release.releaseFolder, zip))).toEqual(
      await readFile(join(source?.releaseFolder ?? '', zip)),
    );
    await t.ok('keysRememberPassphrase', { keyId, passphrase: PASSPHRASE });
    try {
      expect(await t.ok('releasesSign', { releaseId: release.id })).toMatchObject({ problems: [], publishable: true });
    } finally {
      await t.ok('keysForgetPassphrase', { keyId });
    }
    expect(await t.call('releasesSign', { releaseId: release.id })).toMatchObject({
      ok: false,
      error: { code: 'BAD_PASSPHRASE' },
    });
    expect(await t.ok('releasesRemove', { releaseId: release.id })).toEqual({ removed: true });
    expect(await readdir(join(t.dataDir, 'releases', 'other', 'hello'))).toEqual([]);
    expect(await t.call('releasesGet', { releaseId: release.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('opens an existing release folder and validates it the same way', async () => {
    const source = (await t.ok('releasesList', {})).find((r) => r.id === 'acme/hello/1.0.0');
    const opened = await t.ok('releasesOpen', { releaseFolder: source?.releaseFolder ?? '' });
    expect(opened).toMatchObject({ provider: 'hello', version: '1.0.0', inputFolder: null, registryId: 'local' });
    expect(opened.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(await t.ok('releasesOpen', { releaseFolder: source?.releaseFolder ?? '' })).toMatchObject({ id: opened.id });
    expect(await t.call('releasesPackage', { releaseId: opened.id })).toMatchObject({
      ok: false,
      error: { code: 'UNSUPPORTED' },
    });
    expect(await t.call('releasesOpen', { releaseFolder: join(t.dir, 'bin') })).toMatchObject({
      ok: false,
      error: { code: 'INPUT_INVALID' },
    });
    await t.ok('releasesRemove', { releaseId: opened.id });
    // An opened folder is the user's: removing the release from the list leaves it.
    expect(await readdir(source?.releaseFolder ?? '')).toContain('terraform-provider-hello_1.0.0_SHA256SUMS');
  });

  it('refuses bad names, a missing input folder and an unknown key, creating nothing', async () => {
    const base = {
      namespace: 'acme',
      provider: 'hello',
      version: '3.0.0',
      protocols: ['6.0'],
      keyId,
      registryId: 'local',
      inputFolder: input,
    };
    for (const bad of [
      { ...base, namespace: 'Ac--me' },
      { ...base, provider: 'terraform-provider-hello' },
      { ...base, version: 'one' },
      { ...base, inputFolder: join(t.dir, 'missing') },
      { ...base, protocols: [] },
    ]) {
      expect(await t.call('releasesCreate', bad)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    }
    expect(await t.call('releasesCreate', { ...base, keyId: '0123456789ABCDEF' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect((await t.ok('releasesList', {})).map((r) => r.version)).not.toContain('3.0.0');
  });

  it('exports the mirror, running or stopped, with the filesystem_mirror block', async () => {
    const folder = join(t.dir, 'mirror');
    const running = await t.ok('localExportMirror', { folder });
    expect(running.files).toBeGreaterThanOrEqual(PLATFORMS.length);
    expect(running.filesystemMirror).toBe(
      `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(folder)}\n  }\n}\n`,
    );
    const { port } = await t.ok('localStatus', {});
    const zips = await readdir(join(folder, `localhost:${port}`, 'acme', 'hello'));
    expect(zips).toContain('terraform-provider-hello_1.0.0_linux_amd64.zip');
    expect(await t.ok('localStop', {})).toMatchObject({ running: false, url: null });
    const stopped = await t.ok('localExportMirror', { folder: join(t.dir, 'mirror2') });
    expect(stopped.files).toBe(running.files);
    expect(await t.call('releasesDeprecate', { releaseId: 'acme/hello/1.0.0', message: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'REGISTRY_NOT_RUNNING' },
    });
    await t.ok('localStart', {});
    expect((await t.ok('localStatus', {})).port).toBe(port);
  });

  it('remembers releases across a restart', async () => {
    const before = await t.ok('releasesList', {});
    await t.restart();
    const after = await t.ok('releasesList', {});
    expect(after.map((r) => [r.id, r.status])).toEqual(before.map((r) => [r.id, r.status]));
    await t.ok('localStart', {});
  });

  it('never puts a private key or the passphrase into a result or the log', async () => {
    const results = JSON.stringify([
      await t.ok('releasesList', {}),
      await t.ok('keysList', {}),
      await t.ok('localStatus', {}),
    ]);
    expect(results).not.toContain('PRIVATE KEY');
    expect(results).not.toContain(PASSPHRASE);
    expect(t.logs.join('\n')).not.toContain(PASSPHRASE);
  });
});
