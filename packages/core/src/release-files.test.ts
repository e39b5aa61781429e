import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readReleaseFiles } from './release-files';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-release-files-'));
  await mkdir(join(dir, 'dist'));
  await writeFile(join(dir, 'dist', 'terraform-provider-hello_1.0.0_SHA256SUMS'), '');
  await writeFile(join(dir, 'dist', '.hidden'), '');
  execFileSync('mkfifo', [join(dir, 'dist', 'a-pipe')]);
  execFileSync('mkfifo', [join(dir, 'pipe')]);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('readReleaseFiles', () => {
  it('lists the regular files of a folder, skipping hidden ones and a FIFO inside it', async () => {
    expect((await readReleaseFiles([join(dir, 'dist')])).map((f) => f.fileName)).toEqual([
      'terraform-provider-hello_1.0.0_SHA256SUMS',
    ]);
  });

  it.each([
    ['a FIFO', () => join(dir, 'pipe'), /found a named pipe \(FIFO\)/],
    ['a character device', () => '/dev/zero', /found a character device/],
    [
      'a path through a file',
      () => join(dir, 'dist', 'terraform-provider-hello_1.0.0_SHA256SUMS', 'x'),
      /a part of the path before the last one is a file, not a folder/,
    ],
    ['a missing path', () => join(dir, 'missing'), /no such file or folder/],
  ])('refuses %s with INPUT_INVALID before opening it', async (_what, path, message) => {
    await expect(readReleaseFiles([path()])).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(message),
    });
  });
});
