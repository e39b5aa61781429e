import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createFakeExecutable } from './testing/fake-executable';
import { writeRawZip, type RawZipEntry } from './testing/raw-zip';
import { inspectZip, unsafeReason } from './zip-inspect';

const dir = await mkdtemp(join(tmpdir(), 'signet-zip-inspect-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const RELEASE = { name: 'hello', version: '1.0.0' };
let count = 0;

async function inspect(
  entries: RawZipEntry[],
  platform = 'linux_amd64',
  limits?: { maxEntries: number; maxUncompressedBytes: number },
) {
  const path = join(dir, `terraform-provider-hello_1.0.0_${platform}-${count++}.zip`);
  await writeRawZip(path, entries);
  return inspectZip(path, { ...RELEASE, platform, limits });
}

const codes = (inspection: { problems: { code: string; severity: string }[] }) =>
  inspection.problems.map((p) => `${p.severity}:${p.code}`);

describe('inspectZip', () => {
  it('accepts a flat zip with the conventional executable and reports its hashes and binary', async () => {
    const result = await inspect(
      [
        {
          name: 'terraform-provider-hello_v1.0.0.exe',
          data: createFakeExecutable('windows_arm64', 9000),
          mode: 0o100755,
        },
      ],
      'windows_arm64',
    );
    expect(result.problems).toEqual([]);
    expect(result.binary).toEqual({
      name: 'terraform-provider-hello_v1.0.0.exe',
      format: 'pe',
      os: 'windows',
      arch: 'arm64',
    });
    expect(result.h1).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
    expect(result.zh).toBe(`zh:${result.sha256}`);
  });

  it('reports a file that is not a zip as ZIP_INVALID, without throwing', async () => {
    const path = join(dir, 'not-a.zip');
    await writeFile(path, 'PK but not really a zip file at all');
    const result = await inspectZip(path, { ...RELEASE, platform: 'linux_amd64' });
    expect(codes(result)).toEqual(['error:ZIP_INVALID']);
    expect(result.problems[0]!.file).toBe('not-a.zip');
    expect(result.h1).toBeUndefined();
  });

  it('requires a terraform-provider-NAME executable at the root; another name of that prefix is a warning', async () => {
    expect(codes(await inspect([{ name: 'README.md', data: Buffer.from('hi') }]))).toEqual(['error:ZIP_NO_EXECUTABLE']);
    expect(codes(await inspect([{ name: 'bin/terraform-provider-hello_v1.0.0', data: Buffer.from('x') }]))).toEqual([
      'error:ZIP_NO_EXECUTABLE',
    ]);
    const renamed = await inspect([{ name: 'terraform-provider-hello', data: createFakeExecutable('linux_amd64') }]);
    expect(codes(renamed)).toEqual(['warning:ZIP_NO_EXECUTABLE']);
  });

  it('reports an executable built for another platform, and says nothing about a script', async () => {
    const mismatch = await inspect(
      [{ name: 'terraform-provider-hello_v1.0.0', data: createFakeExecutable('linux_arm64') }],
      'linux_amd64',
    );
    expect(codes(mismatch)).toEqual(['error:BINARY_PLATFORM_MISMATCH']);
    expect(mismatch.problems[0]!.message).toMatch(/linux_arm64/);
    const freebsd = await inspect(
      [{ name: 'terraform-provider-hello_v1.0.0', data: createFakeExecutable('linux_amd64') }],
      'freebsd_amd64',
    );
    expect(codes(freebsd)).toEqual(['error:BINARY_PLATFORM_MISMATCH']);
    const script = await inspect(
      [{ name: 'terraform-provider-hello_v1.0.0', data: Buffer.from('#!/bin/sh\necho hi\n'.repeat(10)) }],
      'darwin_arm64',
    );
    expect(script.problems).toEqual([]);
    const solaris = await inspect(
      [{ name: 'terraform-provider-hello_v1.0.0', data: createFakeExecutable('linux_amd64') }],
      'solaris_amd64',
    );
    expect(solaris.problems).toEqual([]); // Go leaves OSABI 0 for solaris: a System V ELF is not a mismatch
  });

  it('refuses more entries than the limit before reading any', async () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({
      name: `terraform-provider-hello-${i}`,
      data: Buffer.from('x'),
    }));
    expect(codes(await inspect(entries, 'linux_amd64', { maxEntries: 4, maxUncompressedBytes: 1e9 }))).toEqual([
      'error:ZIP_TOO_LARGE',
    ]);
  });

  it('reports a name with a newline as unsafe and gives no h1 (Go dirhash refuses it), without throwing', async () => {
    const result = await inspect([
      { name: 'terraform-provider-hello_v1.0.0', data: createFakeExecutable('linux_amd64'), mode: 0o100755 },
      { name: 'evil\nname', data: Buffer.from('x') },
    ]);
    expect(codes(result)).toEqual(['error:ZIP_UNSAFE_PATH']);
    expect(result.h1).toBeUndefined();
  });

  it('reads UTF-8 names without the UTF-8 flag as UTF-8, as Go does (Info-ZIP never sets it)', async () => {
    const exe = { name: 'terraform-provider-hello_v1.0.0', data: createFakeExecutable('linux_amd64'), mode: 0o100755 };
    const flagged = await inspect([exe, { name: 'Ａ😀.txt', data: Buffer.from('x') }]);
    const unflagged = await inspect([
      { ...exe, utf8Flag: false },
      { name: 'Ａ😀.txt', data: Buffer.from('x'), utf8Flag: false },
    ]);
    expect(unflagged.entries.map((e) => e.name)).toEqual(['terraform-provider-hello_v1.0.0', 'Ａ😀.txt']);
    expect(unflagged.h1).toBe(flagged.h1);
  });

  it('reports symbolic links as unsafe', async () => {
    const result = await inspect([
      { name: 'terraform-provider-hello_v1.0.0', data: Buffer.from('/bin/sh'), mode: 0o120777 },
    ]);
    expect(codes(result)).toEqual(['error:ZIP_UNSAFE_PATH', 'error:ZIP_NO_EXECUTABLE']);
  });

  it('reports an entry whose content is shorter than its header says as damaged', async () => {
    const result = await inspect([
      { name: 'terraform-provider-hello_v1.0.0', data: Buffer.from('abc'), declaredSize: 10 },
    ]);
    expect(codes(result)).toEqual(['error:ZIP_INVALID']);
  });
});

describe('unsafeReason', () => {
  it.each([
    ['../evil', /\.\./],
    ['a/../../evil', /\.\./],
    ['/etc/passwd', /absolute/],
    ['C:/Windows/evil.exe', /drive/],
    ['a\\..\\evil', /backslash/],
    ['evil\0.txt', /NUL/],
  ])('refuses %j', (name, reason) => {
    expect(unsafeReason(name)).toMatch(reason);
  });

  it.each(['terraform-provider-hello_v1.0.0', 'docs/README.md', '..hidden', 'a..b'])('accepts %j', (name) => {
    expect(unsafeReason(name)).toBeUndefined();
  });
});
