// Every problem code of design.md §4, triggered through the CLI with --json: the code, its severity and the
// words of the message that tell the user what went wrong. Each test starts from a good, signed release.
import { copyFile, cp, mkdir, mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createFakeExecutable, writeExampleProject, type ExampleProject } from '@signet/core/testing';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { runSignet, type CliRun } from '../helpers/cli';
import { renameZipEntry, writeFixtureZip } from '../helpers/zip-fixtures';

const PLATFORMS = ['darwin_arm64', 'linux_amd64', 'windows_amd64'];
const P = 'terraform-provider-hello_1.0.0';
const SUMS = `${P}_SHA256SUMS`;

let work: string;
let project: ExampleProject;
let dist: string;
let env: Record<string, string>;
let caseNo = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'signet-problems-'));
  project = await writeExampleProject(join(work, 'project'), { platforms: PLATFORMS });
  env = { SIGNET_GPG_PASSPHRASE: project.passphrase };
  const release = await runSignet(['release', '-c', 'signet.yaml'], { cwd: project.dir, env });
  expect(release.code, release.stderr + release.stdout).toBe(0);
});
afterAll(async () => rm(work, { recursive: true, force: true }));

beforeEach(async () => {
  dist = join(work, `case-${++caseNo}`);
  await cp(project.distDir, dist, { recursive: true });
});

const validate = (...extra: string[]) =>
  runSignet(['validate', dist, '--key', project.publicKeyPath, '--json', ...extra], { cwd: work });
const resign = () => runSignet(['sign', '--key', project.privateKeyPath, dist], { cwd: work, env });

function expectProblem(run: CliRun, code: string, fragment: string | RegExp, severity = 'error') {
  const problems = (run.json?.problems ?? []) as { code: string; severity: string; message: string }[];
  const found = problems.filter((p) => p.code === code);
  expect(found, `${code} in ${JSON.stringify(problems, null, 2)}`).not.toHaveLength(0);
  expect(found.map((p) => p.message).join('\n')).toMatch(fragment);
  expect(found[0]!.severity).toBe(severity);
  expect(run.code).toBe(severity === 'error' ? 1 : run.code);
}

async function rewriteSums(edit: (text: string) => string) {
  const path = join(dist, SUMS);
  await writeFile(path, edit(await readFile(path, 'utf8')));
}

async function addToSums(fileName: string) {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256')
    .update(await readFile(join(dist, fileName)))
    .digest('hex');
  await rewriteSums((text) => `${text}${hash}  ${fileName}\n`);
  expect((await resign()).code).toBe(0);
}

async function generate(options: Record<string, unknown>): Promise<string> {
  const path = join(work, `key-${++caseNo}.asc`);
  const { publicKey } = await openpgp.generateKey({
    userIDs: [{ name: 'Test', email: 'test@example.com' }],
    format: 'armored',
    ...options,
  } as Parameters<typeof openpgp.generateKey>[0]);
  await writeFile(path, publicKey as unknown as string);
  return path;
}

describe('a good release', () => {
  it('validates with exit 0, the key ID and every platform hash', async () => {
    const run = await validate();
    expect(run.code).toBe(0);
    expect(run.json.ok).toBe(true);
    expect(run.json.problems).toEqual([]);
    expect(run.json.keyId).toMatch(/^[0-9A-F]{16}$/);
    expect(run.json.platforms.map((p: { platform: string }) => p.platform)).toEqual(PLATFORMS);
    for (const p of run.json.platforms) {
      expect(p.zh).toMatch(/^zh:[0-9a-f]{64}$/);
      expect(p.h1).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
    }
  });
});

describe('tampering', () => {
  const files = [...PLATFORMS.map((p) => `${P}_${p}.zip`), SUMS, `${SUMS}.sig`, `${P}_manifest.json`];
  it.each(files)('one changed byte anywhere in %s is caught', async (name) => {
    const path = join(dist, name);
    const original = await readFile(path);
    for (const offset of [0, Math.floor(original.length / 2), original.length - 1]) {
      const bytes = Buffer.from(original);
      bytes[offset]! ^= 0x20;
      await writeFile(path, bytes);
      const run = await validate();
      expect(run.code, `${name} @${offset}`).toBe(1);
      expect(run.json.ok).toBe(false);
    }
  });
});

describe('files and names', () => {
  it('FILE_MISSING: the signature is absent', async () => {
    await unlink(join(dist, `${SUMS}.sig`));
    expectProblem(await validate(), 'FILE_MISSING', /signature.*SHA256SUMS\.sig.*missing/);
  });

  it('FILE_MISSING: the manifest is absent', async () => {
    await unlink(join(dist, `${P}_manifest.json`));
    expectProblem(await validate(), 'FILE_MISSING', /manifest.*missing/);
  });

  it('FILENAME_VERSION_MISMATCH: a zip of another version sits in the release', async () => {
    await copyFile(join(dist, `${P}_linux_amd64.zip`), join(dist, 'terraform-provider-hello_1.0.1_linux_arm64.zip'));
    expectProblem(await validate(), 'FILENAME_VERSION_MISMATCH', /version "1\.0\.1".*release is version "1\.0\.0"/);
  });

  it('FILENAME_NAME_MISMATCH: a zip of another provider sits in the release', async () => {
    await copyFile(join(dist, `${P}_linux_amd64.zip`), join(dist, 'terraform-provider-other_1.0.0_linux_arm64.zip'));
    expectProblem(await validate(), 'FILENAME_NAME_MISMATCH', /provider "other".*release is for "hello"/);
  });
});

describe('platforms', () => {
  it('PLATFORM_UNKNOWN: a zip for an os_arch terraform does not know', async () => {
    await rename(join(dist, `${P}_linux_amd64.zip`), join(dist, `${P}_plan9_amd64.zip`));
    expectProblem(await validate(), 'PLATFORM_UNKNOWN', /"plan9_amd64".*do not know/);
  });

  it('PLATFORM_DUPLICATE: the same platform given twice', async () => {
    await mkdir(join(dist, 'extra'));
    await copyFile(join(dist, `${P}_linux_amd64.zip`), join(dist, 'extra', `${P}_linux_amd64.zip`));
    const run = await runSignet(['validate', dist, join(dist, 'extra', `${P}_linux_amd64.zip`), '--json'], {
      cwd: work,
    });
    expectProblem(run, 'PLATFORM_DUPLICATE', /linux_amd64 is given twice/);
  });

  it('PLATFORM_DUPLICATE: package gets two binaries for one platform', async () => {
    const bins = join(work, `dup-${caseNo}`);
    await mkdir(join(bins, 'a', 'linux_amd64'), { recursive: true });
    await mkdir(join(bins, 'b', 'linux_amd64'), { recursive: true });
    await writeFile(join(bins, 'a', 'linux_amd64', 'hello_v1.0.0'), createFakeExecutable('linux_amd64'));
    await writeFile(join(bins, 'b', 'linux_amd64', 'hello_v1.0.0'), createFakeExecutable('linux_amd64'));
    const run = await runSignet(
      ['package', '--name', 'hello', '--version', '1.0.0', '--out', join(bins, 'dist'), '--json', 'a', 'b'],
      { cwd: bins },
    );
    expectProblem(run, 'PLATFORM_DUPLICATE', /linux_amd64/);
  });

  it('PLATFORM_REQUIRED_MISSING: a policy requires a platform the release lacks', async () => {
    const run = await validate('--require-platform', 'linux_arm64');
    expectProblem(run, 'PLATFORM_REQUIRED_MISSING', /linux_arm64 is required.*current platform/);
  });
});

describe('SHA256SUMS', () => {
  it('SHASUMS_MALFORMED: the binary-mode "*name" form terraform refuses', async () => {
    await rewriteSums((text) => text.replace(/ {2}terraform/g, ' *terraform'));
    expectProblem(await validate(), 'SHASUMS_MALFORMED', /line 1/);
  });

  it('SHASUMS_ENTRY_MISSING: a zip is not listed', async () => {
    await rewriteSums((text) => text.replace(/^.*_darwin_arm64\.zip\n/m, ''));
    await resign();
    expectProblem(await validate(), 'SHASUMS_ENTRY_MISSING', /darwin_arm64\.zip.*checksum list has no SHA-256 hash/);
  });

  it('SHASUMS_MISMATCH: one byte of a zip changed', async () => {
    const path = join(dist, `${P}_windows_amd64.zip`);
    const bytes = await readFile(path);
    bytes[bytes.length - 30]! ^= 0x01;
    await writeFile(path, bytes);
    expectProblem(await validate(), 'SHASUMS_MISMATCH', /archive has incorrect checksum/);
  });

  it('SHASUMS_EXTRA_ENTRY: SHA256SUMS lists its own signature', async () => {
    await addToSums(`${SUMS}.sig`);
    expectProblem(await validate(), 'SHASUMS_EXTRA_ENTRY', /cannot list itself or its signature/);
  });
});

describe('signature and keys', () => {
  it('SIGNATURE_INVALID: one byte of SHA256SUMS changed after signing', async () => {
    await rewriteSums((text) => text.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')));
    expectProblem(await validate(), 'SIGNATURE_INVALID', /verification failure|does not verify|invalid signature/i);
  });

  it('SIGNATURE_WRONG_KEY: checked against another key', async () => {
    const other = await generate({ type: 'ecc', curve: 'curve25519Legacy' });
    const run = await runSignet(['validate', dist, '--key', other, '--json'], { cwd: work });
    expectProblem(run, 'SIGNATURE_WRONG_KEY', /[0-9A-F]{16}.*[0-9A-F]{16}/);
  });

  it('SIGNATURE_ARMORED: an ASCII-armored signature', async () => {
    const path = join(dist, `${SUMS}.sig`);
    const signature = await openpgp.readSignature({ binarySignature: await readFile(path) });
    await writeFile(path, signature.armor());
    expectProblem(await validate(), 'SIGNATURE_ARMORED', /tag byte does not have MSB set/);
  });

  it('KEY_UNSUPPORTED: a v6 key', async () => {
    const key = await generate({ type: 'curve25519', config: { v6Keys: true } });
    expectProblem(
      await runSignet(['validate', dist, '--key', key, '--json'], { cwd: work }),
      'KEY_UNSUPPORTED',
      /v6|version 6/i,
    );
    expectProblem(
      await runSignet(['keys', 'inspect', key, '--json'], { cwd: work }),
      'KEY_UNSUPPORTED',
      /v6|version 6/i,
    );
  });

  it('KEY_UNSUPPORTED: an RFC 9580 Ed25519 (algorithm 27) key', async () => {
    const key = await generate({ type: 'curve25519' });
    const run = await runSignet(['keys', 'inspect', key, '--json'], { cwd: work });
    expectProblem(run, 'KEY_UNSUPPORTED', /27|RFC 9580/);
    expect(run.json.key.compatible).toBe(false);
  });

  it('KEY_EXPIRED: a key past its expiry (a warning: terraform still accepts it)', async () => {
    const key = await generate({
      type: 'ecc',
      curve: 'curve25519Legacy',
      date: new Date(Date.now() - 3 * 86_400_000),
      keyExpirationTime: 86_400,
    });
    expectProblem(
      await runSignet(['keys', 'inspect', key, '--json'], { cwd: work }),
      'KEY_EXPIRED',
      /expired/i,
      'warning',
    );
  });

  it('KEY_REVOKED: a revoked key', async () => {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'Revoked' }],
      format: 'object',
    });
    const { publicKey } = await openpgp.revokeKey({ key: privateKey, format: 'armored' });
    const path = join(work, 'revoked.asc');
    await writeFile(path, publicKey);
    expectProblem(await runSignet(['keys', 'inspect', path, '--json'], { cwd: work }), 'KEY_REVOKED', /revoked/i);
  });

  it('KEY_WEAK: an RSA-1024 key', async () => {
    const key = await generate({ type: 'rsa', rsaBits: 1024, config: { minRSABits: 1024 } });
    expectProblem(await runSignet(['keys', 'inspect', key, '--json'], { cwd: work }), 'KEY_WEAK', /1024.*2048/);
  });
});

describe('manifest and protocols', () => {
  it('MANIFEST_INVALID: the manifest is not the expected JSON', async () => {
    await writeFile(join(dist, `${P}_manifest.json`), '{"version":2}');
    expectProblem(await validate(), 'MANIFEST_INVALID', /version/);
  });

  it('PROTOCOL_MISMATCH: the version says 5.0, the manifest 6.0', async () => {
    expectProblem(await validate('--protocols', '5'), 'PROTOCOL_MISMATCH', /\["6\.0"\].*\["5\.0"\]/);
  });

  it('PROTOCOL_UNSUPPORTED: protocol 4 cannot be installed by current tofu/terraform (warning)', async () => {
    const run = await runSignet(
      [
        'package',
        '--name',
        'hello',
        '--version',
        '1.0.0',
        '--protocols',
        '4',
        '--out',
        join(dist, 'p4'),
        '--json',
        join(project.dir, 'bin'),
      ],
      { cwd: work },
    );
    expect(run.code).toBe(0);
    expectProblem(
      await runSignet(['validate', join(dist, 'p4'), '--json'], { cwd: work }),
      'PROTOCOL_UNSUPPORTED',
      />= 5, < 7/,
      'warning',
    );
  });
});

describe('zips', () => {
  const zip = (platform = 'linux_amd64') => join(dist, `${P}_${platform}.zip`);
  const exe = (platform = 'linux_amd64') => createFakeExecutable(platform);

  it('ZIP_INVALID: not a zip at all', async () => {
    await writeFile(zip(), 'this is not a zip');
    await addToSumsReplacing(zip());
    expectProblem(await validate(), 'ZIP_INVALID', /not a valid zip|zip/i);
  });

  it('ZIP_DIRECTORY_ENTRY: a directory entry (breaks lock files)', async () => {
    await writeFixtureZip(zip(), [
      { name: 'docs/', directory: true },
      { name: 'terraform-provider-hello_v1.0.0', data: exe() },
    ]);
    await addToSumsReplacing(zip());
    expectProblem(await validate(), 'ZIP_DIRECTORY_ENTRY', /docs\//);
  });

  it('ZIP_UNSAFE_PATH: an entry named ../evil', async () => {
    await writeFixtureZip(zip(), [
      { name: 'terraform-provider-hello_v1.0.0', data: exe() },
      { name: 'xx/evil', data: Buffer.from('boo') },
    ]);
    await renameZipEntry(zip(), 'xx/evil', '../evil');
    await addToSumsReplacing(zip());
    expectProblem(await validate(), 'ZIP_UNSAFE_PATH', /\.\.\/evil/);
  });

  it('ZIP_TOO_LARGE: more entries than the limit', async () => {
    const entries = Array.from({ length: 1100 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') }));
    await writeFixtureZip(zip(), [{ name: 'terraform-provider-hello_v1.0.0', data: exe() }, ...entries]);
    await addToSumsReplacing(zip());
    expectProblem(await validate(), 'ZIP_TOO_LARGE', /entries/);
  });

  it('ZIP_NO_EXECUTABLE: no terraform-provider-hello executable inside', async () => {
    await writeFixtureZip(zip(), [{ name: 'README.md', data: Buffer.from('hi') }]);
    await addToSumsReplacing(zip());
    expectProblem(await validate(), 'ZIP_NO_EXECUTABLE', /terraform-provider-hello/);
  });

  it('BINARY_PLATFORM_MISMATCH: a linux_amd64 binary packaged as darwin_arm64', async () => {
    await writeFixtureZip(zip('darwin_arm64'), [{ name: 'terraform-provider-hello_v1.0.0', data: exe('linux_amd64') }]);
    await addToSumsReplacing(zip('darwin_arm64'));
    expectProblem(await validate(), 'BINARY_PLATFORM_MISMATCH', /linux.*amd64.*darwin_arm64|darwin_arm64.*linux/);
  });
});

/** Puts a replaced file's new hash into SHA256SUMS and signs again, so only the zip's own problem remains. */
async function addToSumsReplacing(path: string) {
  const { createHash } = await import('node:crypto');
  const { basename } = await import('node:path');
  const name = basename(path);
  const hash = createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
  await rewriteSums((text) =>
    text.replace(new RegExp(`^[0-9a-f]{64}  ${name.replace(/\./g, '\\.')}$`, 'm'), `${hash}  ${name}`),
  );
  expect((await resign()).code).toBe(0);
}
