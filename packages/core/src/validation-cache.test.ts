import { mkdtemp, open, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { readReleaseFiles } from './release-files';
import { writeSignedRelease, type SignedRelease } from './testing';
import { validateRelease } from './validate';
import { createValidationCache } from './validation-cache';
import * as zipInspect from './zip-inspect';

// Every read of a zip's bytes by the validator goes through inspectZip (the hash and the entries); counting its
// calls per path counts the zips read.
vi.mock('./zip-inspect', async (importOriginal) => {
  const actual = await importOriginal<typeof zipInspect>();
  return { ...actual, inspectZip: vi.fn(actual.inspectZip) };
});
const inspectZip = vi.mocked(zipInspect.inspectZip);

const PLATFORMS = ['linux_amd64', 'darwin_arm64', 'windows_amd64'];
const ZIP = 'terraform-provider-hello_1.0.0_linux_amd64.zip';

let dir: string;
let release: SignedRelease;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-validation-cache-'));
  release = await writeSignedRelease(dir, { platforms: PLATFORMS });
  inspectZip.mockClear();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function validate(cache = createValidationCache()) {
  return validateRelease({
    files: await readReleaseFiles([release.project.distDir]),
    keys: [release.publicKeyArmored],
    cache,
  });
}

function zipsRead(): string[] {
  const read = inspectZip.mock.calls.map(([source]) => (typeof source === 'string' ? source : 'random access'));
  inspectZip.mockClear();
  return read.map((path) => path.slice(release.project.distDir.length + 1)).sort();
}

/** Changes one byte of the zip in place (the local header's modification time: the zip stays valid). */
async function rewriteInPlace(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, 10);
    await handle.write(Buffer.from([byte[0]! ^ 0x01]), 0, 1, 10);
  } finally {
    await handle.close();
  }
}

describe('validateRelease with a ValidationCache', () => {
  it('reads no zip a second time when none changed, and reports the same', async () => {
    const cache = createValidationCache();
    const first = await validate(cache);
    expect(first.ok).toBe(true);
    expect(zipsRead()).toHaveLength(PLATFORMS.length);
    expect(cache.size).toBe(PLATFORMS.length);

    const second = await validate(cache);
    expect(zipsRead()).toEqual([]);
    expect(second).toEqual(first);
  });

  it('reads every zip again without a cache, or after clear()', async () => {
    const cache = createValidationCache();
    await validate(cache);
    zipsRead();
    await validateRelease({ files: await readReleaseFiles([release.project.distDir]) });
    expect(zipsRead()).toHaveLength(PLATFORMS.length);
    cache.clear();
    await validate(cache);
    expect(zipsRead()).toHaveLength(PLATFORMS.length);
  });

  it('reads again a zip rewritten with the same size and a new mtime, and finds SHASUMS_MISMATCH', async () => {
    const cache = createValidationCache();
    expect((await validate(cache)).ok).toBe(true);
    zipsRead();
    const path = join(release.project.distDir, ZIP);
    const before = await stat(path);
    await rewriteInPlace(path);
    await utimes(path, before.atime, new Date(before.mtimeMs + 5_000));
    expect((await stat(path)).size).toBe(before.size);

    const report = await validate(cache);
    expect(zipsRead()).toEqual([ZIP]);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => [p.code, p.file])).toEqual([['SHASUMS_MISMATCH', ZIP]]);
  });

  it('reads again a zip rewritten in place even when its mtime is put back (its ctime moved)', async () => {
    const path = join(release.project.distDir, ZIP);
    const second = 1_800_000_000; // a whole second: utimes sets it exactly
    await utimes(path, second, second);
    const cache = createValidationCache();
    await validate(cache);
    zipsRead();
    await rewriteInPlace(path);
    await utimes(path, second, second);
    expect((await stat(path, { bigint: true })).mtimeNs).toBe(BigInt(second) * 1_000_000_000n);

    const report = await validate(cache);
    expect(zipsRead()).toEqual([ZIP]);
    expect(report.problems.map((p) => p.code)).toEqual(['SHASUMS_MISMATCH']);
  });

  it('drops a zip that vanished: FILE_MISSING, and the cache no longer holds it', async () => {
    const cache = createValidationCache();
    await validate(cache);
    zipsRead();
    await rm(join(release.project.distDir, ZIP));

    const report = await validate(cache);
    expect(zipsRead()).toEqual([]);
    expect(report.problems.map((p) => [p.code, p.file])).toEqual([['FILE_MISSING', ZIP]]);
    expect(cache.size).toBe(PLATFORMS.length - 1);
  });

  it('keeps what validateRelease answered intact when the caller changes its report', async () => {
    const cache = createValidationCache();
    const path = join(release.project.distDir, ZIP);
    await rewriteInPlace(path); // a problem in the cached inspection
    const first = await validate(cache);
    const expected = structuredClone(first);
    first.problems.length = 0;
    first.platforms.forEach((p) => (p.sha256 = 'changed'));
    expect(await validate(cache)).toEqual(expected);
  });
});
