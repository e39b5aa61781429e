// Attack (on the promise of one validator): upload a zip bomb, a zip with a `../` entry, or bytes that are no zip
// under a zip's name. The registry refused them at upload with its own inspection, so publish then answered about
// a missing zip (SHASUMS_EXTRA_ENTRY) instead of what `signet validate` finds in the same files, and a damaged zip
// lost its SHASUMS_MISMATCH. Now such bytes are stored in the draft like any others (drafts are never served, and
// the validator bounds its work on a bomb); the draft's report and the publish refusal list exactly the problems
// `validateRelease` gives for the same files, nothing is published, and the bytes go once the file is replaced.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_ZIP_LIMITS, validateRelease } from '@signet/core/node';
import { createFakeExecutable, deflatedZeros, writeRawZip } from '@signet/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FILES, openDraftRegistry, refusal, sha256Hex, type DraftRegistry } from './draft-registry';

let registry: DraftRegistry;
let dir: string;
const VERSIONS = ['1.0.0', '1.0.1', '1.0.2', '1.0.3'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-dangerous-zips-'));
  registry = await openDraftRegistry({ versions: VERSIONS });
});
afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

const BAD_ZIPS: [string, (version: string, path: string, good: Buffer) => Promise<void>][] = [
  [
    'a zip bomb (3 GiB of zeros behind a header claiming 1 KiB)',
    (version, path) =>
      writeRawZip(path, [
        {
          name: `terraform-provider-hello_v${version}`,
          compressed: deflatedZeros(3 * 2 ** 30),
          declaredSize: 1024,
          mode: 0o100755,
        },
      ]),
  ],
  [
    'a zip whose entry climbs out with ../',
    (version, path) =>
      writeRawZip(path, [
        { name: `terraform-provider-hello_v${version}`, data: createFakeExecutable('linux_amd64'), mode: 0o100755 },
        { name: '../evil', data: Buffer.from('echo pwned\n'), mode: 0o100755 },
      ]),
  ],
  ['bytes that are no zip', (_version, path) => writeFile(path, 'this is not a zip\n')],
  ['a zip cut short by 10 bytes', (_version, path, good) => writeFile(path, good.subarray(0, good.length - 10))],
];

describe.each(BAD_ZIPS.map(([title, write], i) => [title, write, VERSIONS[i]!] as const))(
  '%s',
  (_title, writeBadZip, version) => {
    it('is stored in the draft; its report and the publish refusal are the problems validateRelease gives', async () => {
      await registry.createDraft(version, { files: true });
      const release = registry.releases.get(version)!;
      const zip = release.files.find((f) => f.fileName.endsWith('_linux_amd64.zip'))!;
      const badPath = join(dir, `${version}-${zip.fileName}`);
      await writeBadZip(version, badPath, await readFile(zip.path));
      const bad = await readFile(badPath);

      expect((await registry.upload(version, zip.fileName, bad)).status).toBe(200); // replaced the good zip

      const local = await validateRelease({
        files: release.files.map((f) => (f === zip ? { fileName: f.fileName, path: badPath } : f)),
        name: 'hello',
        version,
        protocols: ['6.0'],
        keys: [release.publicKeyArmored],
        limits: DEFAULT_ZIP_LIMITS,
      });
      const expected = JSON.parse(JSON.stringify(local.problems)) as unknown[];
      expect(local.problems.some((p) => p.file === zip.fileName && p.code.startsWith('ZIP_'))).toBe(true);

      const draft = (await (await registry.call('GET', `${FILES}/${version}`)).json()) as {
        report: { ok: boolean; problems: unknown[] };
      };
      expect(draft.report).toMatchObject({ ok: false, problems: expected });

      const published = await registry.call('POST', `${FILES}/${version}/publish`);
      expect(published.status).toBe(422);
      expect(((await published.json()) as { errors: unknown[] }).errors).toEqual(expected);
      const read = await registry.call('GET', '/v1/providers/acme/hello/versions', { token: null });
      expect(JSON.stringify(await read.json())).not.toContain(version);

      // With the real zip back, the bad bytes are gone and the draft publishes.
      expect(await registry.storedDigests()).toContain(sha256Hex(bad));
      expect((await registry.upload(version, zip.fileName, await readFile(zip.path))).status).toBe(200);
      expect(await registry.storedDigests()).not.toContain(sha256Hex(bad));
      expect((await registry.call('POST', `${FILES}/${version}/publish`)).status).toBe(200);
    });
  },
);

describe('what is still refused at upload', () => {
  it('a zip over the file size cap (quota and caps still apply to any bytes)', async () => {
    const small = await openDraftRegistry({ app: { maxFileBytes: 1000 } });
    try {
      await small.createDraft('1.0.0');
      const res = await small.upload('1.0.0', 'terraform-provider-hello_1.0.0_linux_amd64.zip', new Uint8Array(1001));
      expect(await refusal(res)).toEqual({ status: 413, codes: ['BLOB_TOO_LARGE'] });
      expect(await small.storedDigests()).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
