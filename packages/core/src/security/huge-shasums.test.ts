// Attack: huge "text" artifacts. SHA256SUMS, its .sig and the manifest were read into memory whole: three
// 300 MiB files made one validation take 600 MiB, and the registry validates a draft on every GET. Each is now
// read up to its cap (ARTIFACT_SIZE_LIMITS) and no further: over it is the kind's problem, naming the cap and the
// size found. Sparse files give the sizes without using disk; /dev/zero, which never ends, proves reading stops.
import { copyFile, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ARTIFACT_SIZE_LIMITS } from '../artifact-size-limits';
import { readCapped } from '../read-capped';
import type { ReleaseFile } from '../release-files';
import { writeSignedRelease, type SignedRelease } from '../testing/signed-release';
import { validateRelease } from '../validate';

const MiB = 2 ** 20;
const P = 'terraform-provider-hello_1.0.0';
let dir: string;
let release: SignedRelease;
let caseNo = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-huge-'));
  release = await writeSignedRelease(join(dir, 'project'), { platforms: ['linux_amd64'] });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The release with `fileName` replaced by a sparse file of `size` bytes (or by another path). */
async function releaseWith(fileName: string, replacement: number | string): Promise<ReleaseFile[]> {
  const caseDir = join(dir, `case-${++caseNo}`);
  await mkdir(caseDir);
  const files: ReleaseFile[] = [];
  for (const file of release.files) {
    const path = join(caseDir, file.fileName);
    if (file.fileName !== fileName) await copyFile(file.path, path);
    else if (typeof replacement === 'string') {
      files.push({ fileName, path: replacement });
      continue;
    } else {
      const handle = await open(path, 'w');
      await handle.truncate(replacement);
      await handle.close();
    }
    files.push({ fileName: file.fileName, path });
  }
  return files;
}

const validate = (files: ReleaseFile[]) => validateRelease({ files, keys: [release.publicKeyArmored] });
const about = (report: Awaited<ReturnType<typeof validate>>, fileName: string) =>
  report.problems.filter((p) => p.file === fileName).map((p) => p.code);

describe('security: huge SHA256SUMS, signature and manifest', () => {
  it('refuses a 300 MiB SHA256SUMS from its size: SHASUMS_MALFORMED with the cap and the size', async () => {
    const report = await validate(await releaseWith(`${P}_SHA256SUMS`, 300 * MiB));
    expect(about(report, `${P}_SHA256SUMS`)).toEqual(['SHASUMS_MALFORMED']);
    const message = report.problems.find((p) => p.code === 'SHASUMS_MALFORMED')!.message;
    expect(message).toContain(`is ${300 * MiB} bytes`);
    expect(message).toContain(`the limit is ${ARTIFACT_SIZE_LIMITS.shasums} bytes`);
    expect(report.ok).toBe(false);
  });

  it('refuses a 300 MiB signature (SIGNATURE_INVALID) and a 300 MiB manifest (MANIFEST_INVALID)', async () => {
    const sig = await validate(await releaseWith(`${P}_SHA256SUMS.sig`, 300 * MiB));
    expect(about(sig, `${P}_SHA256SUMS.sig`)).toEqual(['SIGNATURE_INVALID']);
    expect(sig.problems[0]!.message).toContain(`the limit is ${ARTIFACT_SIZE_LIMITS.signature} bytes`);
    const manifest = await validate(await releaseWith(`${P}_manifest.json`, 300 * MiB));
    expect(about(manifest, `${P}_manifest.json`)).toEqual(['MANIFEST_INVALID']);
    expect(manifest.problems.find((p) => p.code === 'MANIFEST_INVALID')!.message).toContain(
      `the limit is ${ARTIFACT_SIZE_LIMITS.manifest} bytes`,
    );
  });

  it('stops reading an endless SHA256SUMS (/dev/zero) one byte past the cap', async () => {
    const report = await validate(await releaseWith(`${P}_SHA256SUMS`, '/dev/zero'));
    const problem = report.problems.find((p) => p.code === 'SHASUMS_MALFORMED');
    expect(problem?.message).toContain(`has more than ${ARTIFACT_SIZE_LIMITS.shasums} bytes`);
    expect(await readCapped('/dev/zero', 1000)).toEqual({ tooLarge: true });
  });

  it('reads a file exactly at the cap, and refuses one byte more', async () => {
    const files = await releaseWith(`${P}_manifest.json`, ARTIFACT_SIZE_LIMITS.manifest);
    const path = files.find((f) => f.fileName === `${P}_manifest.json`)!.path;
    const read = await readCapped(path, ARTIFACT_SIZE_LIMITS.manifest);
    expect('bytes' in read && read.bytes.length).toBe(ARTIFACT_SIZE_LIMITS.manifest);
    expect(await readCapped(path, ARTIFACT_SIZE_LIMITS.manifest - 1)).toEqual({
      tooLarge: true,
      size: ARTIFACT_SIZE_LIMITS.manifest,
    });
  });
});
