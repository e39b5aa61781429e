import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import {
  openRandomAccessPath,
  readRandomAccessCapped,
  readRange,
  sha256RandomAccessFile,
  type RandomAccessFile,
  type RandomAccessReleaseFile,
} from './random-access-file';
import { createFakeExecutable } from './testing/fake-executable';
import { deflatedZeros, writeRawZip, type RawZipEntry } from './testing/raw-zip';
import { writeSignedRelease } from './testing/signed-release';
import { validateRelease } from './validate';
import { inspectZip } from './zip-inspect';

const dir = await mkdtemp(join(tmpdir(), 'signet-random-access-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A reader over bytes in memory that records every range asked for, as an object store would see them. */
function memoryFile(bytes: Buffer): RandomAccessFile & { ranges: [number, number][]; closed: boolean } {
  const file = {
    size: bytes.length,
    ranges: [] as [number, number][],
    closed: false,
    read: async (start: number, end: number) => {
      if (file.closed) throw new Error('read after close');
      file.ranges.push([start, end]);
      await Promise.resolve();
      // Chunks of 1000 bytes, so nothing relies on a range coming in one piece.
      return (async function* () {
        for (let at = start; at < end; at += 1000) {
          await Promise.resolve();
          yield bytes.subarray(at, Math.min(end, at + 1000));
        }
      })();
    },
    close: async () => {
      file.closed = true;
      await Promise.resolve();
    },
  };
  return file;
}

async function zipBytes(entries: RawZipEntry[]): Promise<Buffer> {
  const path = join(dir, `z-${Math.random().toString(36).slice(2)}.zip`);
  await writeRawZip(path, entries);
  return readFile(path);
}

const RELEASE = { name: 'hello', version: '1.0.0', platform: 'linux_amd64', fileName: 'p.zip' };
const executable = { name: 'terraform-provider-hello_v1.0.0', data: createFakeExecutable('linux_amd64', 50_000) };

describe('RandomAccessFile', () => {
  it('reads ranges, hashes and caps a local file', async () => {
    const bytes = Buffer.from('0123456789abcdef');
    const path = join(dir, 'plain');
    await writeFile(path, bytes);
    const file = await openRandomAccessPath(path);
    try {
      expect(file.size).toBe(16);
      expect((await readRange(file, 3, 7)).toString()).toBe('3456');
      expect((await readRange(file, 5, 5)).length).toBe(0);
      expect(await sha256RandomAccessFile(file)).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(await readRandomAccessCapped(file, 16)).toEqual({ bytes });
      expect(await readRandomAccessCapped(file, 15)).toEqual({ tooLarge: true, size: 16 });
      await expect(file.read(0, 17)).rejects.toBeInstanceOf(RangeError);
    } finally {
      await file.close();
    }
  });
});

describe('inspectZip through a RandomAccessFile', () => {
  const cases: [string, RawZipEntry[]][] = [
    ['a valid provider zip', [executable, { name: 'README.md', data: Buffer.from('# hello\n') }]],
    [
      'a directory entry and a path with ..',
      [{ name: 'docs/' }, { name: '../evil', data: Buffer.from('x') }, executable],
    ],
    ['a bomb that lies about its size', [{ name: 'bomb', compressed: deflatedZeros(32 * 2 ** 20), declaredSize: 10 }]],
    ['no executable', [{ name: 'notes.txt', data: Buffer.from('nothing') }]],
  ];
  it.each(cases)('finds what the path reader finds: %s', async (_title, entries) => {
    const bytes = await zipBytes(entries);
    const path = join(dir, 'same.zip');
    await writeFile(path, bytes);
    const file = memoryFile(bytes);
    expect(await inspectZip(file, RELEASE)).toEqual(await inspectZip(path, RELEASE));
  });

  it('reports bytes that are not a zip as ZIP_INVALID, and an empty file too', async () => {
    for (const bytes of [Buffer.from('PK but not a zip at all, really'), Buffer.alloc(0)]) {
      const inspection = await inspectZip(memoryFile(bytes), RELEASE);
      expect(inspection.problems.map((p) => p.code)).toEqual(['ZIP_INVALID']);
      expect(inspection.problems[0]?.file).toBe('p.zip');
    }
  });

  it('reads a zip of many entries in a few ranges, not one request per header', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => ({ name: `doc-${i}.txt`, data: Buffer.from(`doc ${i}\n`) }));
    const file = memoryFile(await zipBytes([executable, ...entries]));
    const inspection = await inspectZip(file, RELEASE);
    expect(inspection.entries).toHaveLength(301);
    expect(inspection.problems).toEqual([]);
    // One hash pass, one data range per entry, and the headers served from read-ahead blocks: 301 entries would be
    // 1 + 301 + 2 × 301 + a few ranges if every header were its own request.
    expect(file.ranges.length).toBeLessThan(1 + 301 + 301 / 2);
  });
});

describe('validateRelease through RandomAccessReleaseFiles', () => {
  it('gives the same report as for the folder, and closes every file it opened', async () => {
    const release = await writeSignedRelease(join(dir, 'release'));
    const opened: ReturnType<typeof memoryFile>[] = [];
    const remote: RandomAccessReleaseFile[] = await Promise.all(
      release.files.map(async (f) => {
        const bytes = await readFile(f.path);
        return {
          fileName: f.fileName,
          open: async () => {
            const file = memoryFile(bytes);
            opened.push(file);
            await Promise.resolve();
            return file;
          },
        };
      }),
    );
    const options = { name: 'hello', version: '1.0.0', keys: [release.publicKeyArmored] };
    const fromFolder = await validateRelease({ ...options, files: release.files });
    expect(fromFolder.ok).toBe(true);
    expect(await validateRelease({ ...options, files: remote })).toEqual(fromFolder);
    expect(opened.length).toBeGreaterThanOrEqual(release.files.length);
    expect(opened.every((f) => f.closed)).toBe(true);
  });

  it('reports a small artifact over its cap from its size, reading none of it', async () => {
    const huge = memoryFile(Buffer.alloc(2 * 1024 * 1024, 0x61));
    const report = await validateRelease({
      name: 'hello',
      version: '1.0.0',
      files: [{ fileName: 'terraform-provider-hello_1.0.0_SHA256SUMS', open: () => Promise.resolve(huge) }],
    });
    expect(report.problems.map((p) => p.code)).toContain('SHASUMS_MALFORMED');
    expect(huge.ranges).toEqual([]);
    expect(huge.closed).toBe(true);
  });
});
