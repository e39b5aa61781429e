import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { EMPTY_SHA256, formatZh } from './hash-format';
import { hash1, hashDir, sha256File } from './hashes';
import { createFakeExecutable } from './testing/fake-executable';
import { inspectZip } from './zip-inspect';

const dir = await mkdtemp(join(tmpdir(), 'signet-hashes-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function hasTools(...tools: string[]): boolean {
  try {
    for (const tool of tools) execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('EMPTY_SHA256', () => {
  it('is the SHA-256 of no bytes', () => expect(EMPTY_SHA256).toBe(sha256('')));
});

describe('hash1', () => {
  it('matches the value computed by sha256sum and base64 in a shell', () => {
    // printf '%s  %s\n' <sha256sum a.txt> a.txt <sha256sum d/b> d/b | sha256sum | xxd -r -p | base64
    const files = [
      { name: 'd/b', sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' },
      { name: 'a.txt', sha256: '87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7' },
    ];
    expect(hash1(files)).toBe('h1:vuIllxBAVJ3NjWW6LV66Hjw6KHHBcf06VoSBZ8WFsXw=');
  });

  it('sorts names by UTF-8 bytes like Go, not by UTF-16 units like JS', () => {
    // U+FF21 is 0xFF21 in UTF-16 but U+1F600 starts with the surrogate 0xD83D, so JS sorts the emoji first;
    // in UTF-8 U+FF21 starts with 0xEF and U+1F600 with 0xF0, so Go (and terraform) sort Ａ first.
    const a = { name: 'Ａ.txt', sha256: EMPTY_SHA256 };
    const b = { name: '😀.txt', sha256: EMPTY_SHA256 };
    expect([b.name, a.name].sort()).toEqual([b.name, a.name]); // the JS order this must not use
    const goOrder = `${EMPTY_SHA256}  Ａ.txt\n${EMPTY_SHA256}  😀.txt\n`;
    const jsOrder = `${EMPTY_SHA256}  😀.txt\n${EMPTY_SHA256}  Ａ.txt\n`;
    expect(hash1([b, a])).toBe(`h1:${createHash('sha256').update(goOrder).digest('base64')}`);
    expect(hash1([a, b])).toBe(hash1([b, a]));
    expect(hash1([b, a])).not.toBe(`h1:${createHash('sha256').update(jsOrder).digest('base64')}`);
  });

  it('refuses names with a newline, as Go dirhash does', () => {
    expect(() => hash1([{ name: 'a\nb', sha256: EMPTY_SHA256 }])).toThrow(/newline/);
  });
});

describe('formatZh', () => {
  it('prefixes the lower-case hex', () => {
    expect(formatZh('ABC')).toBe('zh:abc');
  });
});

describe('hashDir and sha256File', () => {
  it('hash regular files only, with / separators', async () => {
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'd', 'empty'), { recursive: true });
    await writeFile(join(tree, 'a.txt'), 'a\n');
    await writeFile(join(tree, 'd', 'b'), 'hello');
    await symlink(join(tree, 'a.txt'), join(tree, 'link'));
    expect(await hashDir(tree)).toBe('h1:vuIllxBAVJ3NjWW6LV66Hjw6KHHBcf06VoSBZ8WFsXw=');
    expect(await sha256File(join(tree, 'd', 'b'))).toBe(sha256('hello'));
  });
});

// HashZip (inspectZip's h1) against HashDir, on zips made by Info-ZIP, the way terraform-protocol.md §4.1 measured.
const zipTools = hasTools('zip', 'unzip');
if (!zipTools)
  console.warn('\n*** SKIPPED: zip/unzip are not on the PATH; the Info-ZIP h1 cross-checks did not run. ***\n');
describe.skipIf(!zipTools)(
  `HashZip of a zip made by \`zip\` and HashDir of what \`unzip\` unpacks${zipTools ? '' : ' (SKIPPED: zip/unzip not on the PATH)'}`,
  async () => {
    const exe = createFakeExecutable('linux_amd64', 20_000);
    const files: Record<string, Buffer | string> = {
      'terraform-provider-hello_v1.0.0': exe,
      'docs/README.md': '# hello\n',
      'Ａ.txt': 'fullwidth A\n',
      '😀.txt': 'emoji\n',
      'Mixed.TXT': 'case\n',
    };
    const tree = join(dir, 'package');
    for (const [name, content] of Object.entries(files)) {
      await mkdir(join(tree, name, '..'), { recursive: true });
      await writeFile(join(tree, name), content);
    }
    const zipTree = (out: string, flags: string[]) =>
      execFileSync('zip', [...flags, '-q', '-r', out, '.'], { cwd: tree });
    const unzipTo = (zip: string, to: string) => execFileSync('unzip', ['-q', zip, '-d', to]);
    const inspect = (path: string) => inspectZip(path, { name: 'hello', version: '1.0.0', platform: 'linux_amd64' });
    const lockH1 = hash1(Object.entries(files).map(([name, content]) => ({ name, sha256: sha256(content) })));

    it('are equal for a flat zip (zip -X -D)', async () => {
      zipTree(join(dir, 'flat.zip'), ['-X', '-D']);
      unzipTo(join(dir, 'flat.zip'), join(dir, 'flat'));
      const inspection = await inspect(join(dir, 'flat.zip'));
      expect(inspection.entries.map((e) => e.name).sort()).toEqual(Object.keys(files).sort());
      expect(await hashDir(join(dir, 'flat'))).toBe(lockH1);
      expect(inspection.h1).toBe(lockH1);
    });

    it('differ by the directory entries, hashed as empty content, for a zip with them (zip -X)', async () => {
      zipTree(join(dir, 'dirs.zip'), ['-X']);
      unzipTo(join(dir, 'dirs.zip'), join(dir, 'dirs'));
      const inspection = await inspect(join(dir, 'dirs.zip'));
      expect(inspection.entries.filter((e) => e.isDirectory).map((e) => e.name)).toEqual(['docs/']);
      // HashDir of the unpacked tree is what terraform writes to the lock: the directory does not count.
      expect(await hashDir(join(dir, 'dirs'))).toBe(lockH1);
      // HashZip counts `docs/` with the SHA-256 of empty content, so the archive no longer matches the lock.
      const withDirectory = hash1([
        ...Object.entries(files).map(([name, content]) => ({ name, sha256: sha256(content) })),
        { name: 'docs/', sha256: EMPTY_SHA256 },
      ]);
      expect(inspection.h1).toBe(withDirectory);
      expect(inspection.h1).not.toBe(lockH1);
      expect(inspection.problems.map((p) => p.code)).toEqual(['ZIP_DIRECTORY_ENTRY']);
    });
  },
);
