import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { sha256File } from './hashes';
import { packageRelease, type PackageOptions } from './package';
import { parseShasums } from './shasums';
import { createFakeExecutable } from './testing/fake-executable';
import { writeRawZip } from './testing/raw-zip';
import { inspectZip } from './zip-inspect';

const root = await mkdtemp(join(tmpdir(), 'signet-package-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const PLATFORMS = ['darwin_arm64', 'linux_amd64', 'windows_amd64'];

async function binaries(dir: string, platforms = PLATFORMS): Promise<string> {
  for (const [i, platform] of platforms.entries()) {
    await mkdir(join(dir, platform), { recursive: true });
    await writeFile(
      join(dir, platform, `hello_v1.0.0${platform.startsWith('windows') ? '.exe' : ''}`),
      createFakeExecutable(platform, 20_000, i),
    );
  }
  return dir;
}

/** hello 1.0.0 for protocol 6.0 from `input` (a folder or a zip) into `outDir`, with `more` on top. */
function packageHello(input: string, outDir: string, more: Partial<PackageOptions> = {}) {
  return packageRelease({
    name: 'hello',
    version: '1.0.0',
    protocols: ['6.0'],
    inputs: [{ path: input }],
    outDir,
    ...more,
  });
}

describe('packageRelease', () => {
  it('writes a zip per platform, the manifest and SHA256SUMS that lists them all', async () => {
    const input = await binaries(join(root, 'in'));
    const outDir = join(root, 'out');
    const progress: string[] = [];
    const result = await packageRelease({
      name: 'hello',
      version: 'v1.0.0',
      protocols: ['6'],
      inputs: [{ path: input }],
      outDir,
      onProgress: (e) => progress.push(`${e.done}/${e.total}`),
    });
    expect(result.version).toBe('1.0.0');
    expect(result.protocols).toEqual(['6.0']);
    expect(result.files.map((f) => f.fileName)).toEqual([
      'terraform-provider-hello_1.0.0_darwin_arm64.zip',
      'terraform-provider-hello_1.0.0_linux_amd64.zip',
      'terraform-provider-hello_1.0.0_windows_amd64.zip',
      'terraform-provider-hello_1.0.0_manifest.json',
      'terraform-provider-hello_1.0.0_SHA256SUMS',
    ]);
    expect(progress.sort()).toEqual(['1/3', '2/3', '3/3']);
    expect(await readFile(result.manifestPath, 'utf8')).toBe('{"version":1,"metadata":{"protocol_versions":["6.0"]}}');
    const sums = parseShasums(await readFile(result.shasumsPath, 'utf8'));
    expect(sums.map((e) => e.fileName)).toEqual(
      result.files
        .slice(0, 4)
        .map((f) => f.fileName)
        .sort(),
    );
    for (const file of result.files) expect(await sha256File(file.path)).toBe(file.sha256);
    const windows = result.files[2]!;
    const inspection = await inspectZip(windows.path, { name: 'hello', version: '1.0.0', platform: 'windows_amd64' });
    expect(inspection.problems).toEqual([]);
    expect(inspection.entries.map((e) => e.name)).toEqual(['terraform-provider-hello_v1.0.0.exe']);
    expect(inspection.h1).toBe(windows.h1);
    expect((await readdir(outDir)).sort()).toEqual(result.files.map((f) => f.fileName).sort()); // exactly these, no temporary files
  });

  it('is reproducible: the same inputs give byte-identical files, whatever the concurrency', async () => {
    const input = await binaries(join(root, 'in-repro'));
    const a = await packageHello(input, join(root, 'ra'), { concurrency: 1 });
    const b = await packageHello(input, join(root, 'rb'), { concurrency: 3 });
    expect(b.files.map((f) => f.sha256)).toEqual(a.files.map((f) => f.sha256));
  });

  it('removes this version’s stale artifacts (a dropped platform, an old signature) and leaves other files alone', async () => {
    const outDir = join(root, 'stale');
    await mkdir(outDir, { recursive: true });
    const stale = [
      'terraform-provider-hello_1.0.0_linux_arm.zip',
      'terraform-provider-hello_1.0.0_SHA256SUMS.sig',
      'terraform-provider-hello_1.0.0_SHA256SUMS.0123456789ab.tmp',
    ];
    const kept = ['terraform-provider-hello_0.9.0_linux_arm.zip', 'notes.txt'];
    for (const file of [...stale, ...kept]) await writeFile(join(outDir, file), 'old');
    const input = await binaries(join(root, 'in-stale'), ['linux_amd64']);
    await packageHello(input, outDir);
    const files = await readdir(outDir);
    for (const file of kept) expect(files).toContain(file);
    for (const file of stale) expect(files).not.toContain(file);
  });

  it('copies a ready zip byte for byte and refuses one terraform could not install', async () => {
    const dir = join(root, 'ready');
    await mkdir(dir, { recursive: true });
    const good = join(dir, 'terraform-provider-hello_1.0.0_linux_arm64.zip');
    await writeRawZip(good, [
      { name: 'terraform-provider-hello_v1.0.0', data: createFakeExecutable('linux_arm64'), mode: 0o100755 },
    ]);
    const result = await packageHello(good, join(root, 'ready-out'));
    expect(await readFile(result.files[0]!.path)).toEqual(await readFile(good));
    expect(result.files[0]!.h1).toMatch(/^h1:/);

    const bad = join(dir, 'terraform-provider-hello_1.0.0_linux_386.zip');
    await writeRawZip(bad, [
      { name: 'docs/', stored: true },
      { name: 'terraform-provider-hello_v1.0.0', data: createFakeExecutable('linux_386') },
    ]);
    await expect(packageHello(bad, join(root, 'bad-out'))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/ZIP_DIRECTORY_ENTRY/),
    });
    expect(await readdir(join(root, 'bad-out'))).toEqual([]);
  });

  it('restricts to the platforms asked for and fails when one is missing', async () => {
    const input = await binaries(join(root, 'in-restrict'));
    const outDir = join(root, 'restricted');
    const result = await packageHello(input, outDir, { platforms: ['linux_amd64'] });
    expect(result.files.filter((f) => f.platform).map((f) => f.platform)).toEqual(['linux_amd64']);
    await expect(packageHello(input, outDir, { platforms: ['linux_arm'] })).rejects.toMatchObject({
      code: 'PLATFORM_REQUIRED_MISSING',
    });
    await expect(packageHello(input, outDir, { concurrency: 0 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
