// Attack: "zip slip". An entry named `../evil` or `/etc/evil` makes a naive unzip write outside its target folder
// (over a shell profile, a cron job, a provider next door). Signet must name it ZIP_UNSAFE_PATH, extract nothing
// and not crash. zip writers refuse such names, so the attack zip is a yazl zip whose name bytes are patched.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { afterAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';

import { createFakeExecutable } from '../testing/fake-executable';
import { renameZipEntry } from '../testing/rename-zip-entry';
import { inspectZip } from '../zip-inspect';

const root = await mkdtemp(join(tmpdir(), 'signet-zip-slip-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function attackZip(path: string, evilName: string): Promise<void> {
  const placeholder = 'x'.repeat(Buffer.byteLength(evilName));
  const zip = new yazl.ZipFile();
  zip.addBuffer(createFakeExecutable('linux_amd64'), 'terraform-provider-hello_v1.0.0', { mode: 0o100755 });
  zip.addBuffer(Buffer.from('echo pwned\n'), placeholder, { mode: 0o100755 });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
  await renameZipEntry(path, placeholder, evilName);
}

describe('security: zip slip', () => {
  it.each(['../evil', '/etc/evil'])('reports %j as ZIP_UNSAFE_PATH and extracts nothing', async (evilName) => {
    const work = join(root, evilName.startsWith('/') ? 'absolute' : 'dotdot', 'work');
    await mkdir(work, { recursive: true });
    const path = join(work, 'terraform-provider-hello_1.0.0_linux_amd64.zip');
    await attackZip(path, evilName);

    const result = await inspectZip(path, { name: 'hello', version: '1.0.0', platform: 'linux_amd64' });

    expect(result.entries.map((e) => e.name)).toContain(evilName); // the patch took: the zip really holds the name
    expect(result.problems.map((p) => p.code)).toEqual(['ZIP_UNSAFE_PATH']);
    expect(result.problems[0]!.message).toContain(JSON.stringify(evilName));
    expect(await readdir(join(work, '..'))).toEqual(['work']);
    expect(await readdir(work)).toEqual(['terraform-provider-hello_1.0.0_linux_amd64.zip']);
    expect(existsSync('/etc/evil')).toBe(false);
  });
});
