import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PROBLEM_CODES, type Problem } from './problem';
import { compareProblems, sortProblems } from './problem-order';
import type { ReleaseFile } from './release-files';
import { writeSignedRelease } from './testing/signed-release';
import { validateRelease } from './validate';

const problem = fc.record(
  {
    code: fc.constantFrom(...PROBLEM_CODES),
    severity: fc.constantFrom('error' as const, 'warning' as const),
    message: fc.string({ maxLength: 8 }),
    file: fc.constantFrom('a.zip', 'b.zip', 'terraform-provider-hello_1.0.0_SHA256SUMS', 'é.zip'),
  },
  { requiredKeys: ['code', 'severity', 'message'] },
);

describe('sortProblems', () => {
  it('gives the same sequence for any order of the same problems', () => {
    fc.assert(
      fc.property(
        fc
          .array(problem, { maxLength: 30 })
          .chain((list) =>
            fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length })),
          ),
        ([list, shuffled]) => {
          expect(sortProblems(shuffled)).toEqual(sortProblems(list));
        },
      ),
      // Enough runs that two problems differing only in severity meet (they once sorted as equal).
      { numRuns: 2000 },
    );
  });

  it('puts problems without a file first, then sorts by file, then by code in catalogue order', () => {
    const p = (code: Problem['code'], file?: string): Problem => ({
      code,
      severity: 'error',
      message: 'm',
      ...(file ? { file } : {}),
    });
    const sorted = sortProblems([
      p('ZIP_INVALID', 'b.zip'),
      p('SHASUMS_MISMATCH', 'b.zip'),
      p('ZIP_INVALID', 'a.zip'),
      p('PROTOCOL_MISMATCH'),
    ]);
    expect(sorted.map((x) => `${x.file ?? '-'} ${x.code}`)).toEqual([
      '- PROTOCOL_MISMATCH',
      'a.zip ZIP_INVALID',
      'b.zip SHASUMS_MISMATCH',
      'b.zip ZIP_INVALID',
    ]);
    expect(compareProblems(p('FILE_MISSING', 'x'), p('FILE_MISSING', 'x'))).toBe(0);
    const warning: Problem = { ...p('FILE_MISSING', 'x'), severity: 'warning' };
    expect(sortProblems([warning, p('FILE_MISSING', 'x')])).toEqual([p('FILE_MISSING', 'x'), warning]);
    expect(sortProblems([p('FILE_MISSING', 'x'), warning])).toEqual([p('FILE_MISSING', 'x'), warning]);
  });
});

describe('validateRelease problem order', () => {
  const PLATFORMS = ['darwin_arm64', 'freebsd_amd64', 'linux_amd64', 'linux_arm64', 'windows_amd64'];
  let dir: string;
  let files: ReleaseFile[];
  let key: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signet-order-'));
    const release = await writeSignedRelease(join(dir, 'project'), { platforms: PLATFORMS });
    key = release.publicKeyArmored;
    // Damage every zip differently (cut short, not a zip, one byte flipped), so each has its own problems.
    const damaged = join(dir, 'damaged');
    await mkdir(damaged);
    files = [];
    for (const [i, file] of release.files.entries()) {
      const path = join(damaged, file.fileName);
      await copyFile(file.path, path);
      if (file.fileName.endsWith('.zip')) {
        const bytes = await readFile(path);
        if (i % 3 === 0) await writeFile(path, bytes.subarray(0, bytes.length - 10));
        else if (i % 3 === 1) await writeFile(path, 'not a zip');
        else {
          bytes[bytes.length - 30]! ^= 1;
          await writeFile(path, bytes);
        }
      }
      files.push({ fileName: file.fileName, path });
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is the same, and sorted, whichever order the files are given in (and so finish hashing in)', async () => {
    const first = await validateRelease({ files, keys: [key] });
    expect(first.problems.map((p) => p.code)).toContain('ZIP_INVALID');
    expect(first.problems.map((p) => p.code)).toContain('SHASUMS_MISMATCH');
    expect(first.problems).toEqual(sortProblems(first.problems));
    // Reversed and rotated inputs hand the zips to the workers in other orders; the answer must not change.
    for (const order of [[...files].reverse(), [...files.slice(2), ...files.slice(0, 2)]]) {
      const again = await validateRelease({ files: order, keys: [key] });
      expect(again.problems).toEqual(first.problems);
      expect(again.platforms).toEqual(first.platforms);
    }
  });
  it('is the same when one zip is much bigger, so it finishes hashing after the others however it was given', async () => {
    // The zip that sorts first grows by 48 MiB of zeros after its end (still damaged: no end of central directory
    // where a zip has one), so its problems are pushed last while they sort first. Given first or last, and
    // whatever the workers do meanwhile, the report must be the same and sorted. Nothing here reads a clock.
    const zips = files.filter((f) => f.fileName.endsWith('.zip')).sort((a, b) => (a.fileName < b.fileName ? -1 : 1));
    const first = zips[0]!;
    const bigPath = join(dir, 'big', first.fileName);
    await mkdir(join(dir, 'big'), { recursive: true });
    await writeFile(bigPath, Buffer.concat([await readFile(first.path), Buffer.alloc(48 << 20)]));
    const big = { fileName: first.fileName, path: bigPath };
    const others = files.filter((f) => f !== first);

    const bigFirst = await validateRelease({ files: [big, ...others], keys: [key] });
    const bigLast = await validateRelease({ files: [...others, big], keys: [key] });
    expect(bigFirst.problems).toEqual(sortProblems(bigFirst.problems));
    expect(bigLast.problems).toEqual(bigFirst.problems);
    const fileProblems = bigFirst.problems.filter((p) => p.file?.endsWith('.zip'));
    expect(fileProblems[0]?.file).toBe(first.fileName);
    expect(new Set(fileProblems.map((p) => p.file)).size).toBe(zips.length);
  });
});
