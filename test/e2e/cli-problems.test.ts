// Every problem code of design.md §4, triggered through the CLI with --json: the code, its severity and the
// words of the message that tell the user what went wrong. Each test starts from a good, signed release.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, cp, mkdir, mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { inspectKey, parseManifest } from '@signet/core';
import { readReleaseFiles } from '@signet/core/node';
import { createFakeExecutable, writeExampleProject, type ExampleProject } from '@signet/core/testing';
import { openTestRegistry, type TestRegistry } from '@signet/registry/testing';
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

/**
 * A broken release: how to break a copy of the good one, the `signet validate` arguments, and what must be
 * reported. The same table drives the registry comparison below, so every fixture is checked both ways.
 */
interface ReleaseFixture {
  title: string;
  code: string;
  fragment: string | RegExp;
  severity?: string;
  breakIt: () => Promise<void>;
  /** More `signet validate` arguments (`--protocols 5`); the registry gets the same as the draft's settings. */
  args?: string[];
  /** Another public key to check against (instead of the release's own). */
  otherKey?: () => Promise<string>;
  /**
   * Why the registry is not compared on this fixture: it checks something only `signet validate` is asked to
   * check (a policy flag of the CLI), so there is no registry answer to compare. Not an expected failure.
   */
  notOnRegistry?: string;
}

const zip = (platform = 'linux_amd64') => join(dist, `${P}_${platform}.zip`);
const exe = (platform = 'linux_amd64') => createFakeExecutable(platform);

const RELEASE_FIXTURES: ReleaseFixture[] = [
  {
    title: 'FILE_MISSING: the signature is absent',
    code: 'FILE_MISSING',
    fragment: /signature.*SHA256SUMS\.sig.*missing/,
    breakIt: () => unlink(join(dist, `${SUMS}.sig`)),
  },
  {
    title: 'FILE_MISSING: the manifest is absent',
    code: 'FILE_MISSING',
    fragment: /manifest.*missing/,
    breakIt: () => unlink(join(dist, `${P}_manifest.json`)),
  },
  {
    title: 'FILE_MISSING: a zip listed in SHA256SUMS was deleted',
    code: 'FILE_MISSING',
    fragment: /linux_amd64\.zip" is listed in .*SHA256SUMS but missing from the release/,
    breakIt: () => rm(zip('linux_amd64')),
  },
  {
    title: 'FILENAME_VERSION_MISMATCH: a zip of another version sits in the release',
    code: 'FILENAME_VERSION_MISMATCH',
    fragment: /version "1\.0\.1".*release is version "1\.0\.0"/,
    breakIt: () => copyFile(zip(), join(dist, 'terraform-provider-hello_1.0.1_linux_arm64.zip')),
  },
  {
    title: 'FILENAME_NAME_MISMATCH: a zip of another provider sits in the release',
    code: 'FILENAME_NAME_MISMATCH',
    fragment: /provider "other".*release is for "hello"/,
    breakIt: () => copyFile(zip(), join(dist, 'terraform-provider-other_1.0.0_linux_arm64.zip')),
  },
  {
    title: 'PLATFORM_UNKNOWN: a zip for an os_arch terraform does not know',
    code: 'PLATFORM_UNKNOWN',
    fragment: /"plan9_amd64".*do not know/,
    breakIt: () => rename(zip(), zip('plan9_amd64')),
  },
  {
    title: 'PLATFORM_REQUIRED_MISSING: a policy requires a platform the release lacks',
    code: 'PLATFORM_REQUIRED_MISSING',
    fragment: /linux_arm64 is required.*current platform/,
    notOnRegistry:
      'a required-platforms policy is a flag of signet validate and the Action (--require-platform); a registry has no such policy',
    breakIt: async () => {},
    args: ['--require-platform', 'linux_arm64'],
  },
  {
    title: 'SHASUMS_MALFORMED: the binary-mode "*name" form terraform refuses',
    code: 'SHASUMS_MALFORMED',
    fragment: /line 1/,
    breakIt: () => rewriteSums((text) => text.replace(/ {2}terraform/g, ' *terraform')),
  },
  {
    title: 'SHASUMS_MALFORMED: a SHA256SUMS over its size cap is refused without being read',
    code: 'SHASUMS_MALFORMED',
    fragment: /is 2097152 bytes; the limit is 1048576 bytes/,
    breakIt: () => writeFile(join(dist, SUMS), Buffer.alloc(2 * 1024 * 1024, 'a')),
  },
  {
    title: 'SHASUMS_ENTRY_MISSING: a zip is not listed',
    code: 'SHASUMS_ENTRY_MISSING',
    fragment: /darwin_arm64\.zip.*checksum list has no SHA-256 hash/,
    breakIt: async () => {
      await rewriteSums((text) => text.replace(/^.*_darwin_arm64\.zip\n/m, ''));
      await resign();
    },
  },
  {
    title: 'SHASUMS_MISMATCH: one byte of a zip changed',
    code: 'SHASUMS_MISMATCH',
    fragment: /archive has incorrect checksum/,
    breakIt: async () => {
      const bytes = await readFile(zip('windows_amd64'));
      bytes[bytes.length - 30]! ^= 0x01;
      await writeFile(zip('windows_amd64'), bytes);
    },
  },
  {
    title: 'SHASUMS_EXTRA_ENTRY: SHA256SUMS lists its own signature',
    code: 'SHASUMS_EXTRA_ENTRY',
    fragment: /cannot list itself or its signature/,
    breakIt: () => addToSums(`${SUMS}.sig`),
  },
  {
    title: 'SIGNATURE_INVALID: one byte of SHA256SUMS changed after signing',
    code: 'SIGNATURE_INVALID',
    fragment: /verification failure|does not verify|invalid signature/i,
    breakIt: () => rewriteSums((text) => text.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))),
  },
  {
    title: 'SIGNATURE_WRONG_KEY: checked against another key',
    code: 'SIGNATURE_WRONG_KEY',
    fragment: /[0-9A-F]{16}.*[0-9A-F]{16}/,
    breakIt: async () => {},
    otherKey: () => generate({ type: 'ecc', curve: 'curve25519Legacy' }),
  },
  {
    title: 'SIGNATURE_ARMORED: an ASCII-armored signature',
    code: 'SIGNATURE_ARMORED',
    fragment: /tag byte does not have MSB set/,
    breakIt: async () => {
      const path = join(dist, `${SUMS}.sig`);
      const signature = await openpgp.readSignature({ binarySignature: await readFile(path) });
      await writeFile(path, signature.armor());
    },
  },
  {
    title: 'MANIFEST_INVALID: the manifest is not the expected JSON',
    code: 'MANIFEST_INVALID',
    fragment: /version/,
    breakIt: () => writeFile(join(dist, `${P}_manifest.json`), '{"version":2}'),
  },
  {
    title: 'PROTOCOL_MISMATCH: the version says 5.0, the manifest 6.0',
    code: 'PROTOCOL_MISMATCH',
    fragment: /\["6\.0"\].*\["5\.0"\]/,
    breakIt: async () => {},
    args: ['--protocols', '5'],
  },
  {
    title: 'ZIP_INVALID: not a zip at all',
    code: 'ZIP_INVALID',
    fragment: /not a valid zip|zip/i,
    breakIt: async () => {
      await writeFile(zip(), 'this is not a zip');
      await addToSumsReplacing(zip());
    },
  },
  {
    title: 'ZIP_INVALID: a damaged zip (and so SHASUMS_MISMATCH too)',
    code: 'ZIP_INVALID',
    fragment: /damaged|not a valid zip/,
    breakIt: async () => {
      const bytes = await readFile(zip());
      await writeFile(zip(), bytes.subarray(0, bytes.length - 10));
    },
  },
  {
    title: 'ZIP_DIRECTORY_ENTRY: a directory entry (breaks lock files)',
    code: 'ZIP_DIRECTORY_ENTRY',
    fragment: /docs\//,
    breakIt: async () => {
      await writeFixtureZip(zip(), [
        { name: 'docs/', directory: true },
        { name: 'terraform-provider-hello_v1.0.0', data: exe() },
      ]);
      await addToSumsReplacing(zip());
    },
  },
  {
    title: 'ZIP_UNSAFE_PATH: an entry named ../evil',
    code: 'ZIP_UNSAFE_PATH',
    fragment: /\.\.\/evil/,
    breakIt: async () => {
      await writeFixtureZip(zip(), [
        { name: 'terraform-provider-hello_v1.0.0', data: exe() },
        { name: 'xx/evil', data: Buffer.from('boo') },
      ]);
      await renameZipEntry(zip(), 'xx/evil', '../evil');
      await addToSumsReplacing(zip());
    },
  },
  {
    title: 'ZIP_TOO_LARGE: more entries than the limit',
    code: 'ZIP_TOO_LARGE',
    fragment: /entries/,
    breakIt: async () => {
      const entries = Array.from({ length: 1100 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') }));
      await writeFixtureZip(zip(), [{ name: 'terraform-provider-hello_v1.0.0', data: exe() }, ...entries]);
      await addToSumsReplacing(zip());
    },
  },
  {
    title: 'ZIP_NO_EXECUTABLE: no terraform-provider-hello executable inside',
    code: 'ZIP_NO_EXECUTABLE',
    fragment: /terraform-provider-hello/,
    breakIt: async () => {
      await writeFixtureZip(zip(), [{ name: 'README.md', data: Buffer.from('hi') }]);
      await addToSumsReplacing(zip());
    },
  },
  {
    title: 'BINARY_PLATFORM_MISMATCH: a linux_amd64 binary packaged as darwin_arm64',
    code: 'BINARY_PLATFORM_MISMATCH',
    fragment: /linux.*amd64.*darwin_arm64|darwin_arm64.*linux/,
    breakIt: async () => {
      await writeFixtureZip(zip('darwin_arm64'), [
        { name: 'terraform-provider-hello_v1.0.0', data: exe('linux_amd64') },
      ]);
      await addToSumsReplacing(zip('darwin_arm64'));
    },
  },
];

/** Breaks the fresh copy in `dist` and runs `signet validate --json` on it the way the fixture says. */
async function validateFixture(fixture: ReleaseFixture): Promise<{ run: CliRun; keyPath: string }> {
  await fixture.breakIt();
  const keyPath = fixture.otherKey ? await fixture.otherKey() : project.publicKeyPath;
  const run = await runSignet(['validate', dist, '--key', keyPath, '--json', ...(fixture.args ?? [])], { cwd: work });
  return { run, keyPath };
}

describe('broken releases', () => {
  it.each(RELEASE_FIXTURES.map((f) => [f.title, f] as const))('%s', async (_title, fixture) => {
    const { run } = await validateFixture(fixture);
    expectProblem(run, fixture.code, fixture.fragment, fixture.severity);
  });

  it('ZIP_INVALID and SHASUMS_MISMATCH both, in a fixed order, for a damaged zip', async () => {
    const fixture = RELEASE_FIXTURES.find((f) => f.title.startsWith('ZIP_INVALID: a damaged zip'))!;
    const { run } = await validateFixture(fixture);
    expect(run.json.problems.map((p: { code: string; file?: string }) => `${p.file} ${p.code}`)).toEqual([
      `${P}_linux_amd64.zip SHASUMS_MISMATCH`,
      `${P}_linux_amd64.zip ZIP_INVALID`,
    ]);
  });
});

// The registry's answer for the same files: each fixture's files uploaded as a draft straight through the API
// (no local check in between), then POST publish. Its refusal must list the codes `signet validate` lists.
describe('the registry refuses with the same problems as signet validate', () => {
  let registry: TestRegistry;
  let namespaceNo = 0;
  beforeAll(async () => {
    registry = await openTestRegistry(join(work, 'registry'));
  });
  afterAll(async () => registry.close());

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await registry.app.request(path, {
      method,
      headers: {
        Authorization: `Bearer ${registry.adminToken}`,
        ...(body === undefined || Buffer.isBuffer(body) ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? body : JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json() };
  }

  /** What the registry answered for the files in `dist`: each refused upload's codes by file, and publish's. */
  interface RegistryAnswer {
    refusedUploads: Map<string, string[]>;
    publish: { status: number; codes: string[] };
  }

  /** Uploads every file of `dist` to a new draft straight through the API, then POSTs publish. */
  async function publishThroughApi(fixture: ReleaseFixture, keyPath: string): Promise<RegistryAnswer> {
    const ns = `problems${++namespaceNo}`;
    const armor = await readFile(keyPath, 'utf8');
    expect((await api('POST', '/api/v1/namespaces', { name: ns })).status).toBe(201);
    expect((await api('POST', `/api/v1/namespaces/${ns}/keys`, { ascii_armor: armor })).status).toBe(201);
    expect((await api('POST', `/api/v1/namespaces/${ns}/providers`, { type: 'hello' })).status).toBe(201);
    const protocols = fixture.args?.includes('--protocols')
      ? [fixture.args[fixture.args.indexOf('--protocols') + 1]!]
      : await manifestProtocols();
    const created = await api('POST', `/api/v1/providers/${ns}/hello/versions`, {
      version: '1.0.0',
      protocols,
      key_id: (await inspectKey(armor)).keyId,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const refusedUploads = new Map<string, string[]>();
    for (const file of await readReleaseFiles([dist])) {
      const path = `/api/v1/providers/${ns}/hello/versions/1.0.0/files/${encodeURIComponent(file.fileName)}`;
      const upload = await api('PUT', path, await readFile(file.path));
      if (upload.status >= 400) refusedUploads.set(file.fileName, codesOf(upload.json));
    }
    const published = await api('POST', `/api/v1/providers/${ns}/hello/versions/1.0.0/publish`);
    return {
      refusedUploads,
      publish: { status: published.status, codes: published.status === 200 ? [] : codesOf(published.json) },
    };
  }

  const codesOf = (json: { errors: { code: string }[] }) => [...new Set(json.errors.map((e) => e.code))].sort();

  async function manifestProtocols(): Promise<string[]> {
    try {
      return parseManifest(await readFile(join(dist, `${P}_manifest.json`), 'utf8')).protocols;
    } catch {
      return ['6.0'];
    }
  }

  // The rule: an upload the registry refuses is refused with exactly the codes `signet validate` reports for that
  // file (its problems whose `file` it is); when it refuses none, the publish refusal's codes are validate's.
  const compare = async (fixture: ReleaseFixture) => {
    const { run, keyPath } = await validateFixture(fixture);
    const errors = (run.json.problems as { code: string; severity: string; file?: string }[]).filter(
      (p) => p.severity === 'error',
    );
    expect(errors.length).toBeGreaterThan(0);
    const validated = (file?: string) =>
      [...new Set(errors.filter((p) => file === undefined || p.file === file).map((p) => p.code))].sort();
    const answer = await publishThroughApi(fixture, keyPath);
    if (answer.refusedUploads.size > 0) {
      for (const [file, codes] of answer.refusedUploads) expect(codes, file).toEqual(validated(file));
    } else {
      expect(answer.publish.status).toBe(422);
      expect(answer.publish.codes).toEqual(validated());
    }
  };
  for (const fixture of RELEASE_FIXTURES) {
    if (fixture.notOnRegistry === undefined) it(fixture.title, () => compare(fixture));
  }
  it('compares every fixture but those only validate can check', () => {
    const excluded = RELEASE_FIXTURES.filter((f) => f.notOnRegistry !== undefined).map((f) => f.code);
    expect(excluded).toEqual(['PLATFORM_REQUIRED_MISSING']);
  });
});

describe('signet publish validates first', () => {
  it('stops a damaged release with the report of signet validate, exit 1, before any request', async () => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests++;
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const fixture = RELEASE_FIXTURES.find((f) => f.title.startsWith('ZIP_INVALID: a damaged zip'))!;
      const { run: validated } = await validateFixture(fixture);
      const registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const args = ['publish', dist, '--registry', registry, '--namespace', 'acme', '--key', project.publicKeyPath];
      const published = await runSignet([...args, '--json'], { cwd: work, env: { SIGNET_TOKEN: 'signet_x' } });
      expect(published.code).toBe(1);
      expect(published.json).toEqual(validated.json);
      expect(published.json.problems.map((p: { code: string }) => p.code)).toEqual(['SHASUMS_MISMATCH', 'ZIP_INVALID']);
      const text = await runSignet(args, { cwd: work, env: { SIGNET_TOKEN: 'signet_x' } });
      const plain = await runSignet(['validate', dist, '--key', project.publicKeyPath], { cwd: work });
      expect(text.code).toBe(1);
      expect(text.stdout).toBe(`${plain.stdout}Nothing was sent to the registry.\n`);
      expect(requests).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('platforms', () => {
  it('PLATFORM_DUPLICATE: the same platform given twice', async () => {
    await mkdir(join(dist, 'extra'));
    await copyFile(zip(), join(dist, 'extra', `${P}_linux_amd64.zip`));
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
});

describe('keys', () => {
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

describe('protocols', () => {
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
