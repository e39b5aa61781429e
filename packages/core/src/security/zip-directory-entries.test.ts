// Attack (or accident): directory entries such as `docs/`. HashZip counts them, HashDir does not, so the h1 that
// terraform writes to the lock file differs from the archive's and a later mirror install fails with "doesn't
// match any of the checksums previously recorded" (terraform-protocol.md §0.8). Signet must refuse such zips.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { EMPTY_SHA256 } from '../hash-format';
import { hash1 } from '../hashes';
import { createFakeExecutable } from '../testing/fake-executable';
import { writeRawZip } from '../testing/raw-zip';
import { inspectZip } from '../zip-inspect';

const dir = await mkdtemp(join(tmpdir(), 'signet-zip-dirs-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('security: directory entries', () => {
  it('reports ZIP_DIRECTORY_ENTRY and an h1 that counts the directory, as HashZip does', async () => {
    const path = join(dir, 'terraform-provider-hello_1.0.0_linux_amd64.zip');
    const exe = createFakeExecutable('linux_amd64', 5000);
    await writeRawZip(path, [
      { name: 'docs/', stored: true, mode: 0o40755 },
      { name: 'docs/README.md', data: Buffer.from('# hello\n') },
      { name: 'terraform-provider-hello_v1.0.0', data: exe, mode: 0o100755 },
    ]);
    const result = await inspectZip(path, { name: 'hello', version: '1.0.0', platform: 'linux_amd64' });
    expect(result.problems.map((p) => p.code)).toEqual(['ZIP_DIRECTORY_ENTRY']);
    expect(result.problems[0]!.message).toContain('"docs/"');
    const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
    const files = [
      { name: 'docs/README.md', sha256: sha('# hello\n') },
      { name: 'terraform-provider-hello_v1.0.0', sha256: sha(exe) },
    ];
    expect(result.h1).toBe(hash1([{ name: 'docs/', sha256: EMPTY_SHA256 }, ...files]));
    expect(result.h1).not.toBe(hash1(files)); // the lock-file (HashDir) value: the mismatch terraform trips on
  });
});
