import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';

import { detectBinaryPlatform } from './binary-platform';
import { hash1, hashDir, sha256File } from './hashes';
import { createFakeExecutable } from './testing/fake-executable';
import { inspectZip } from './zip-inspect';
import { writeProviderZip } from './zip-write';

const dir = await mkdtemp(join(tmpdir(), 'signet-zip-write-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const hasZip = (() => {
  try {
    for (const tool of ['zip', 'unzip', 'zipinfo'])
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const ZIP_WRITE_MODULE = new URL('./zip-write.ts', import.meta.url).pathname;

const ENTRY = 'terraform-provider-hello_v1.0.0';

async function source(name: string, content: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function readEntries(path: string): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: false }, (error, zip) => {
      if (error) return reject(error);
      const entries: yauzl.Entry[] = [];
      zip
        .on('entry', (e: yauzl.Entry) => entries.push(e))
        .on('end', () => resolve(entries))
        .on('error', reject);
    });
  });
}

describe('writeProviderZip', () => {
  it('writes one flat 0755 entry with a fixed date and no extra fields, byte-identical on every run', async () => {
    const input = await source('a', createFakeExecutable('linux_amd64', 300_000));
    const first = await writeProviderZip({ source: input, entryName: ENTRY, out: join(dir, 'a1.zip') });
    const second = await writeProviderZip({ source: input, entryName: ENTRY, out: join(dir, 'a2.zip') });
    expect(await readFile(join(dir, 'a1.zip'))).toEqual(await readFile(join(dir, 'a2.zip')));
    expect(second).toEqual(first);
    const [entry, ...rest] = await readEntries(join(dir, 'a1.zip'));
    expect(rest).toEqual([]);
    expect(entry!.fileName).toBe(ENTRY);
    expect(entry!.externalFileAttributes >>> 16).toBe(0o100755);
    expect(entry!.extraFieldLength).toBe(0);
    expect(entry!.compressionMethod).toBe(8);
    expect(entry!.getLastModDate().getFullYear()).toBe(2000);
    expect([entry!.lastModFileDate, entry!.lastModFileTime]).toEqual([0x2821, 0]); // 2000-01-01 00:00 in DOS fields
  });

  it('hashes as it writes: sha256, size and h1 agree with reading the zip back', async () => {
    const input = await source('b', createFakeExecutable('darwin_arm64', 100_000));
    const out = join(dir, 'b.zip');
    const zip = await writeProviderZip({ source: input, entryName: ENTRY, out });
    expect(zip.sha256).toBe(await sha256File(out));
    expect(zip.zh).toBe(`zh:${zip.sha256}`);
    expect(zip.size).toBe((await readFile(out)).length);
    const inspection = await inspectZip(out, { name: 'hello', version: '1.0.0', platform: 'darwin_arm64' });
    expect(inspection.h1).toBe(zip.h1);
    expect(inspection.problems).toEqual([]);
  });

  it.skipIf(!hasZip)('gives the same h1 as a zip made by `zip -X -D`, and HashDir of what unzip unpacks', async () => {
    const folder = join(dir, 'cli');
    await mkdir(folder);
    await writeFile(join(folder, ENTRY), createFakeExecutable('linux_arm', 50_000, 7));
    await chmod(join(folder, ENTRY), 0o755);
    execFileSync('zip', ['-X', '-D', '-q', join(dir, 'cli.zip'), ENTRY], { cwd: folder });
    const ours = await writeProviderZip({ source: join(folder, ENTRY), entryName: ENTRY, out: join(dir, 'ours.zip') });
    const theirs = await inspectZip(join(dir, 'cli.zip'), { name: 'hello', version: '1.0.0', platform: 'linux_arm' });
    expect(theirs.h1).toBe(ours.h1);
    const unpacked = join(dir, 'unpacked');
    execFileSync('unzip', ['-q', join(dir, 'ours.zip'), '-d', unpacked]);
    expect(await hashDir(unpacked)).toBe(ours.h1);
    expect(execFileSync('sh', ['-c', `stat -c %a ${unpacked}/${ENTRY}`], { encoding: 'utf8' }).trim()).toBe('755');
  });

  it('fails (does not hang) when the source is missing or unreadable', async () => {
    await expect(
      writeProviderZip({ source: join(dir, 'missing'), entryName: ENTRY, out: join(dir, 'm.zip') }),
    ).rejects.toThrow(/ENOENT/);
    const locked = await source('locked', Buffer.from('x'));
    await chmod(locked, 0);
    const isRoot = process.getuid?.() === 0;
    if (!isRoot)
      await expect(writeProviderZip({ source: locked, entryName: ENTRY, out: join(dir, 'l.zip') })).rejects.toThrow(
        /EACCES/,
      );
  });

  it('fails when the output cannot be written', async () => {
    const input = await source('c', Buffer.alloc(10_000, 1));
    await expect(
      writeProviderZip({ source: input, entryName: ENTRY, out: join(dir, 'no-such-dir', 'c.zip') }),
    ).rejects.toThrow(/ENOENT/);
  });

  it('writes the same bytes in another time zone (TZ=Asia/Tokyo, in a child process)', async () => {
    const input = await source('tz', createFakeExecutable('linux_amd64', 50_000));
    const here = await writeProviderZip({ source: input, entryName: ENTRY, out: join(dir, 'tz-here.zip') });
    // DOS timestamps are local time: a zip whose date came from a UTC instant would differ in Tokyo.
    const script = `import { writeProviderZip } from ${JSON.stringify(ZIP_WRITE_MODULE)};
      await writeProviderZip({ source: ${JSON.stringify(input)}, entryName: ${JSON.stringify(ENTRY)}, out: ${JSON.stringify(join(dir, 'tz-tokyo.zip'))} });`;
    execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, TZ: 'Asia/Tokyo' },
    });
    expect(process.env.TZ).not.toBe('Asia/Tokyo');
    expect(await readFile(join(dir, 'tz-tokyo.zip'))).toEqual(await readFile(join(dir, 'tz-here.zip')));
    expect(await sha256File(join(dir, 'tz-tokyo.zip'))).toBe(here.sha256);
  });

  it.skipIf(!hasZip)('is what zipinfo and unzip -t call one 0755 file, no directories, intact', async () => {
    const input = await source('info', createFakeExecutable('freebsd_arm64', 120_000));
    const out = join(dir, 'info.zip');
    await writeProviderZip({ source: input, entryName: ENTRY, out });
    expect(execFileSync('zipinfo', ['-1', out], { encoding: 'utf8' })).toBe(`${ENTRY}\n`);
    // -rwxr-xr-x  3.0 unx   120000 b- defN 00-Jan-01 00:00 terraform-provider-hello_v1.0.0
    const [line, ...others] = execFileSync('zipinfo', ['-s', out], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.endsWith(ENTRY));
    expect(others).toEqual([]);
    expect(line).toMatch(/^-rwxr-xr-x .* unx +120000 .* defN /);
    expect(execFileSync('unzip', ['-t', out], { encoding: 'utf8' })).toMatch(/No errors detected/);
  });
});

describe('writeProviderZip → inspectZip (property)', () => {
  it('gives the h1, zh and sha256 it reported, and no problems, for any content', async () => {
    let run = 0;
    // Content that happens to start with an ELF/Mach-O/PE header would rightly be a platform mismatch: skip it.
    const content = fc.uint8Array({ maxLength: 200_000 }).filter((bytes) => detectBinaryPlatform(bytes) === undefined);
    await fc.assert(
      fc.asyncProperty(
        content,
        fc.constantFrom('linux_amd64', 'darwin_arm64', 'windows_386'),
        async (bytes, platform) => {
          const name = `${ENTRY}${platform.startsWith('windows') ? '.exe' : ''}`;
          const input = await source(`p${run}`, Buffer.from(bytes));
          const out = join(dir, `p${run++}.zip`);
          const written = await writeProviderZip({ source: input, entryName: name, out });
          const inspection = await inspectZip(out, { name: 'hello', version: '1.0.0', platform });
          expect(inspection.problems).toEqual([]);
          expect(inspection.entries).toEqual([{ name, isDirectory: false, size: bytes.length }]);
          expect(inspection.sha256).toBe(written.sha256);
          expect(inspection.zh).toBe(written.zh);
          expect(inspection.h1).toBe(written.h1);
          expect(written.h1).toBe(hash1([{ name, sha256: createHash('sha256').update(bytes).digest('hex') }]));
        },
      ),
      { numRuns: 50 },
    );
  });
});
