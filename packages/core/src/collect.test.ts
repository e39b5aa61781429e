import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { collectInputs, platformOfDir } from './collect';

const root = await mkdtemp(join(tmpdir(), 'signet-collect-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const RELEASE = { name: 'hello', version: '1.0.0' };
let count = 0;

async function tree(files: string[]): Promise<string> {
  const dir = join(root, `t${count++}`);
  for (const file of files) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), 'x');
  }
  return dir;
}

const short = (dir: string, artifacts: { platform: string; kind: string; path: string }[]) =>
  artifacts.map((a) => `${a.platform} ${a.kind} ${a.path.slice(dir.length + 1)}`);

describe('collectInputs', () => {
  it('reads the seed layout, both executable spellings', async () => {
    const dir = await tree([
      'linux_amd64/hello_v1.0.0',
      'windows_amd64/terraform-provider-hello_v1.0.0.exe',
      'darwin_arm64/terraform-provider-hello',
    ]);
    expect(short(dir, await collectInputs([{ path: dir }], RELEASE))).toEqual([
      'darwin_arm64 binary darwin_arm64/terraform-provider-hello',
      'linux_amd64 binary linux_amd64/hello_v1.0.0',
      'windows_amd64 binary windows_amd64/terraform-provider-hello_v1.0.0.exe',
    ]);
    expect(short(dir, await collectInputs([{ path: join(dir, 'linux_amd64/hello_v1.0.0') }], RELEASE))).toEqual([
      'linux_amd64 binary linux_amd64/hello_v1.0.0',
    ]);
  });

  it('reads a GoReleaser dist/: build folders with their suffixes, zips, checksums and metadata; binaries win', async () => {
    const dir = await tree([
      'hello_linux_amd64_v1/terraform-provider-hello_v1.0.0',
      'hello_darwin_arm64_v8.0/terraform-provider-hello_v1.0.0',
      'hello_linux_arm_6/terraform-provider-hello_v1.0.0',
      'terraform-provider-hello_windows_amd64_v1/terraform-provider-hello_v1.0.0.exe',
      'terraform-provider-hello_1.0.0_linux_amd64.zip',
      'terraform-provider-hello_1.0.0_darwin_arm64.zip',
      'terraform-provider-hello_1.0.0_linux_arm.zip',
      'terraform-provider-hello_1.0.0_freebsd_arm.zip',
      'terraform-provider-hello_1.0.0_SHA256SUMS',
      'terraform-provider-hello_1.0.0_SHA256SUMS.sig',
      'terraform-provider-hello_1.0.0_manifest.json',
      'artifacts.json',
      'metadata.json',
      'config.yaml',
      'readme_v2',
    ]);
    expect(short(dir, await collectInputs([{ path: dir }], RELEASE))).toEqual([
      'darwin_arm64 binary hello_darwin_arm64_v8.0/terraform-provider-hello_v1.0.0',
      'freebsd_arm zip terraform-provider-hello_1.0.0_freebsd_arm.zip',
      'linux_amd64 binary hello_linux_amd64_v1/terraform-provider-hello_v1.0.0',
      'linux_arm binary hello_linux_arm_6/terraform-provider-hello_v1.0.0',
      'windows_amd64 binary terraform-provider-hello_windows_amd64_v1/terraform-provider-hello_v1.0.0.exe',
    ]);
  });

  it('takes ready zips given one by one', async () => {
    const dir = await tree([
      'terraform-provider-hello_1.0.0_linux_amd64.zip',
      'terraform-provider-hello_1.0.0_windows_arm64.zip',
    ]);
    const inputs = [
      'terraform-provider-hello_1.0.0_linux_amd64.zip',
      'terraform-provider-hello_1.0.0_windows_arm64.zip',
    ].map((f) => ({ path: join(dir, f) }));
    expect(short(dir, await collectInputs(inputs, RELEASE))).toEqual([
      'linux_amd64 zip terraform-provider-hello_1.0.0_linux_amd64.zip',
      'windows_arm64 zip terraform-provider-hello_1.0.0_windows_arm64.zip',
    ]);
  });

  it('takes a file or folder with its platform given, whatever its name', async () => {
    const dir = await tree(['build/out-linux', 'arm/terraform-provider-hello_v1.0.0']);
    const found = await collectInputs(
      [
        { path: join(dir, 'build/out-linux'), platform: 'linux_amd64' },
        { path: join(dir, 'arm'), platform: 'linux_arm' },
      ],
      RELEASE,
    );
    expect(short(dir, found)).toEqual([
      'linux_amd64 binary build/out-linux',
      'linux_arm binary arm/terraform-provider-hello_v1.0.0',
    ]);
  });

  it('refuses what it cannot place, with the fix in the message', async () => {
    const dir = await tree([
      'build/hello',
      'empty/.keep',
      'linux_amd64/hello_v1.0.0',
      'other/linux_amd64/terraform-provider-hello_v1.0.0',
    ]);
    await expect(collectInputs([{ path: join(dir, 'missing') }], RELEASE)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    await expect(collectInputs([{ path: join(dir, 'build/hello') }], RELEASE)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/os_arch folder/),
    });
    await expect(collectInputs([{ path: join(dir, 'empty') }], RELEASE)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    await expect(
      collectInputs([{ path: join(dir, 'build/hello'), platform: 'plan9_amd64' }], RELEASE),
    ).rejects.toMatchObject({ code: 'PLATFORM_UNKNOWN' });
    const plan9 = await tree(['terraform-provider-hello_1.0.0_plan9_amd64.zip']);
    await expect(
      collectInputs([{ path: join(plan9, 'terraform-provider-hello_1.0.0_plan9_amd64.zip') }], RELEASE),
    ).rejects.toMatchObject({ code: 'PLATFORM_UNKNOWN' });
    await expect(
      collectInputs([{ path: join(dir, 'linux_amd64') }, { path: join(dir, 'other') }], RELEASE),
    ).rejects.toMatchObject({ code: 'PLATFORM_DUPLICATE' });
  });

  it('refuses file names for another provider or version', async () => {
    const dir = await tree([
      'linux_amd64/hello_v0.9.0',
      'darwin_arm64/terraform-provider-world_v1.0.0',
      'terraform-provider-hello_2.0.0_linux_arm.zip',
    ]);
    await expect(collectInputs([{ path: join(dir, 'linux_amd64') }], RELEASE)).rejects.toMatchObject({
      code: 'FILENAME_VERSION_MISMATCH',
    });
    await expect(collectInputs([{ path: join(dir, 'darwin_arm64') }], RELEASE)).rejects.toMatchObject({
      code: 'FILENAME_NAME_MISMATCH',
    });
    await expect(
      collectInputs([{ path: join(dir, 'terraform-provider-hello_2.0.0_linux_arm.zip') }], RELEASE),
    ).rejects.toMatchObject({ code: 'FILENAME_VERSION_MISMATCH' });
  });
});

describe('platformOfDir', () => {
  it.each([
    ['linux_amd64', 'linux_amd64'],
    ['hello_linux_arm_7', 'linux_arm'],
    ['terraform-provider-hello_darwin_arm64_v8.0', 'darwin_arm64'],
    ['hello_linux_386_sse2', 'linux_386'],
    ['dist', undefined],
    ['plan9_amd64', undefined],
  ])('%s → %s', (name, platform) => {
    expect(platformOfDir(name)).toBe(platform);
  });
});
