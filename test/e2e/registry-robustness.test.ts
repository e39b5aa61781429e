// design.md §7 against a real `signet serve` over HTTPS: every bad input is a clear 4xx that changes nothing
// stored, concurrent publishes have one winner, and a SIGKILL during an upload or a publish leaves the old state
// or the new one, never a half file or a half-published version.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { createRegistryClient, RegistryError, type RegistryClient } from '@signet/client';
import { DEFAULT_PLATFORMS, generateKey } from '@signet/core';
import { createFakeExecutable, deflatedZeros, writeRawZip } from '@signet/core/testing';
import { buildExampleRelease, type ExampleRelease } from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { rawRequest, type RawRequestOptions, type RawResponse } from '../helpers/https-request';
import { startSignetServe, type SignetServer } from '../helpers/registry';

const ADMIN_TOKEN = 'signet_e2e-admin';
const MiB = 2 ** 20;

/** A running `signet serve` on its data folder, with an admin client; `restart` keeps folder, port and token. */
interface Registry {
  dataDir: string;
  server: SignetServer;
  client: RegistryClient;
  ca: string;
}

let work: string;
const running = new Set<Registry>();

async function startRegistry(dataDir: string, options: { port?: number; extraArgs?: string[] } = {}) {
  const server = await startSignetServe({ dataDir, adminToken: ADMIN_TOKEN, ...options });
  const client = await createRegistryClient({ url: server.url, token: ADMIN_TOKEN, caFile: server.caFile });
  const registry: Registry = { dataDir, server, client, ca: await readFile(server.caFile, 'utf8') };
  running.add(registry);
  return registry;
}

async function stopRegistry(registry: Registry, how: 'stop' | 'kill' = 'stop'): Promise<void> {
  running.delete(registry);
  await registry.server[how]();
  await registry.client.close();
}

async function restartAfterKill(registry: Registry): Promise<Registry> {
  await stopRegistry(registry, 'kill');
  return startRegistry(registry.dataDir, { port: registry.server.port });
}

function send(registry: Registry, options: RawRequestOptions): Promise<RawResponse> {
  return rawRequest(registry.server.url, registry.ca, {
    ...options,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...options.headers },
  });
}

/** The status and error codes of a client call that must fail. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; codes: string[] }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RegistryError) return { status: error.status, codes: error.errors.map((e) => e.code) };
    throw error;
  }
  throw new Error('The registry accepted what it should have refused.');
}

/** A namespace with the release's key and a `hello` provider; with `draft`, version files uploaded too. */
async function provision(
  client: RegistryClient,
  namespace: string,
  release: ExampleRelease,
  options: { draft?: boolean; publish?: boolean } = {},
): Promise<void> {
  await client.createNamespace({ name: namespace });
  await client.addKey(namespace, { ascii_armor: release.publicKeyArmored });
  await client.createProvider(namespace, 'hello');
  if (!options.draft && !options.publish) return;
  await client.createVersion(namespace, 'hello', {
    version: release.version,
    protocols: ['6.0'],
    key_id: release.keyId,
  });
  await uploadAll(client, namespace, release);
  if (options.publish) await client.publish(namespace, 'hello', release.version);
}

async function uploadAll(client: RegistryClient, namespace: string, release: ExampleRelease): Promise<void> {
  const ref = { namespace, type: 'hello', version: release.version };
  for (const file of release.files) await client.uploadFile(ref, file.fileName, file.path);
}

/** Every file under DATA/blobs except the temporary folder, as `ab/cdef…` → size. */
async function listBlobFiles(dataDir: string): Promise<Record<string, number>> {
  const root = join(dataDir, 'blobs');
  const found: Record<string, number> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const name = relative(root, path);
    if (name === 'tmp' || name.startsWith('tmp/') || entry.isDirectory()) continue;
    found[name] = (await stat(path)).size;
  }
  return found;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every blob hashes to its own name: no partial or corrupt file ever sits at a blob's address. */
async function expectBlobsIntact(dataDir: string): Promise<void> {
  const names = Object.keys(await listBlobFiles(dataDir));
  expect(names.length).toBeGreaterThan(0);
  for (const name of names) {
    expect(name).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{62}$/);
    expect(await sha256File(join(dataDir, 'blobs', name)), name).toBe(name.replace('/', ''));
  }
}

/** What the registry stores and shows, as the management API, the read side and the blob folder see it. */
async function snapshotState(registry: Registry): Promise<unknown> {
  const { client } = registry;
  const state: Record<string, unknown> = { blobs: await listBlobFiles(registry.dataDir) };
  for (const ns of await client.listNamespaces()) {
    state[`ns ${ns.name}`] = ns;
    state[`keys ${ns.name}`] = await client.listKeys(ns.name);
    for (const provider of await client.listProviders(ns.name)) {
      const id = `${ns.name}/${provider.type}`;
      state[`provider ${id}`] = provider;
      const versions = await client.listVersions(ns.name, provider.type);
      state[`versions ${id}`] = versions;
      const read = await send(registry, { method: 'GET', path: `/v1/providers/${id}/versions` });
      state[`read ${id}`] = { status: read.status, body: read.json };
      for (const v of versions.filter((x) => x.state === 'published')) {
        const download = await send(registry, {
          method: 'GET',
          path: `/v1/providers/${id}/${v.version}/download/linux/amd64`,
        });
        state[`download ${id} ${v.version}`] = { status: download.status, body: download.json };
      }
    }
  }
  return state;
}

/** Runs a bad request, expects its refusal, and checks nothing stored changed. */
async function expectRefusedWithoutChange<T>(
  registry: Registry,
  badRequest: () => Promise<T>,
  check: (result: T) => void,
): Promise<void> {
  const before = await snapshotState(registry);
  check(await badRequest());
  expect(await snapshotState(registry)).toEqual(before);
}

function expectNoServerErrors(server: SignetServer): void {
  // The server logs exactly its 5xx answers (onError); anything on stderr is a fault or a crash.
  expect(server.stderr()).toBe('');
}

function hasVersion(read: RawResponse, version: string): boolean {
  const versions = (read.json as { versions?: { version: string }[] } | undefined)?.versions ?? [];
  return versions.some((v) => v.version === version);
}

let release100: ExampleRelease;
let release110: ExampleRelease;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'signet-robustness-'));
  [release100, release110] = await Promise.all([
    buildExampleRelease(join(work, 'release-1.0.0'), { version: '1.0.0' }),
    buildExampleRelease(join(work, 'release-1.1.0'), { version: '1.1.0' }),
  ]);
});
afterAll(async () => {
  for (const registry of [...running]) await stopRegistry(registry);
  await rm(work, { recursive: true, force: true });
});

describe('signet serve over HTTPS: bad input', () => {
  it('answers every bad input with a clear 4xx and changes nothing stored', async () => {
    const registry = await startRegistry(join(work, 'data-bad-input'));
    const { client } = registry;
    await provision(client, 'acme', release100, { publish: true });
    await client.addKey('acme', { ascii_armor: release110.publicKeyArmored });
    const other = await generateKey({ name: 'Other', email: 'other@example.com', algorithm: 'ed25519' });
    await client.createNamespace({ name: 'other' });
    await client.addKey('other', { ascii_armor: other.publicKeyArmored });
    const ref = { namespace: 'acme', type: 'hello', version: '1.1.0' };
    await client.createVersion('acme', 'hello', { version: '1.1.0', protocols: ['6.0'], key_id: release110.keyId });

    // (a) One zip changed after signing: the local header's time, so it is still a valid zip, but not the signed bytes.
    const linux = release110.files.find((f) => f.fileName.endsWith('_linux_amd64.zip'))!;
    const tampered = join(work, 'tampered.zip');
    const bytes = await readFile(linux.path);
    bytes[10]! ^= 0xff;
    await writeFile(tampered, bytes);
    for (const file of release110.files) {
      await client.uploadFile(ref, file.fileName, file === linux ? tampered : file.path);
    }
    await expectRefusedWithoutChange(
      registry,
      () => refusal(client.publish('acme', 'hello', '1.1.0')),
      (r) => {
        expect(r.status).toBe(422);
        expect(r.codes).toContain('SHASUMS_MISMATCH');
      },
    );
    expect((await client.getVersion('acme', 'hello', '1.1.0'))?.state).toBe('draft');

    // (b) A draft naming another namespace's key.
    await expectRefusedWithoutChange(
      registry,
      () =>
        refusal(
          client.createVersion('acme', 'hello', { version: '1.2.0', protocols: ['6.0'], key_id: other.info.keyId }),
        ),
      (r) => expect(r).toEqual({ status: 422, codes: ['KEY_NOT_IN_NAMESPACE'] }),
    );

    // (c) A file name that is a path, as the URL carries it; and a zip whose entry climbs out with `..`.
    await expectRefusedWithoutChange(
      registry,
      () =>
        send(registry, {
          method: 'PUT',
          path: '/api/v1/providers/acme/hello/versions/1.1.0/files/..%2F..%2Fx',
          headers: { 'content-type': 'application/octet-stream' },
          body: 'not a release file',
        }),
      (r) => {
        expect(r.status).toBe(400);
        expect(r.json.errors[0].code).toBe('FILENAME_INVALID');
      },
    );
    // A dangerous zip is stored in the draft like any bytes (drafts are never served): the draft's report and the
    // publish refusal name its problem, as `signet validate` would for the same files, and nothing is published.
    const expectStoredNotPublished = async (zipPath: string, code: string) => {
      expect((await client.uploadFile(ref, linux.fileName, zipPath)).file_name).toBe(linux.fileName);
      const report = (await client.getVersion('acme', 'hello', '1.1.0'))?.report;
      expect(report?.problems.filter((p) => p.file === linux.fileName).map((p) => p.code)).toContain(code);
      await expectRefusedWithoutChange(
        registry,
        () => refusal(client.publish('acme', 'hello', '1.1.0')),
        (r) => {
          expect(r.status).toBe(422);
          expect(r.codes).toContain(code);
        },
      );
    };
    const slip = join(work, 'slip.zip');
    await writeRawZip(slip, [
      { name: 'terraform-provider-hello_v1.1.0', data: createFakeExecutable('linux_amd64'), mode: 0o100755 },
      { name: '../evil', data: Buffer.from('echo pwned\n'), mode: 0o100755 },
    ]);
    await expectStoredNotPublished(slip, 'ZIP_UNSAFE_PATH');
    // Not a zip at all, under a zip name: the published 1.0.0 SHA256SUMS, which anyone can download. The draft's
    // file shares the published file's bytes; replacing it (below) must not take them with it.
    const sums = release100.files.find((f) => f.fileName.endsWith('_SHA256SUMS'))!;
    await expectStoredNotPublished(sums.path, 'ZIP_INVALID');

    // (e) A zip bomb: 5 MiB that inflate to 5 GiB behind a header claiming 1 KiB. The validator stops inflating at
    // its ratio cap, so the report costs milliseconds; uploading it again changes nothing.
    const bomb = join(work, 'bomb.zip');
    await writeRawZip(bomb, [
      { name: 'terraform-provider-hello_v1.1.0', compressed: deflatedZeros(5 * 2 ** 30), declaredSize: 1024 },
    ]);
    await expectStoredNotPublished(bomb, 'ZIP_TOO_LARGE');
    expect((await client.uploadFile(ref, linux.fileName, bomb)).unchanged).toBe(true);
    // The same 5 MiB as a manifest (capped at 64 KiB): refused from Content-Length while the client is still sending,
    // and the client reports the registry's answer, the validator's problem for that file, not a broken pipe.
    const manifest = release110.files.find((f) => f.fileName.endsWith('_manifest.json'))!;
    await expectRefusedWithoutChange(
      registry,
      () => refusal(client.uploadFile(ref, manifest.fileName, bomb)),
      (r) => expect(r).toEqual({ status: 413, codes: ['MANIFEST_INVALID'] }),
    );
    const bombDigest = await sha256File(bomb);
    expect(Object.keys(await listBlobFiles(registry.dataDir))).toContain(
      `${bombDigest.slice(0, 2)}/${bombDigest.slice(2)}`,
    );
    await expectBlobsIntact(registry.dataDir);

    // (f) Malformed JSON, on a create and on a draft.
    for (const path of ['/api/v1/namespaces', '/api/v1/providers/acme/hello/versions']) {
      await expectRefusedWithoutChange(
        registry,
        () =>
          send(registry, { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '{"name":' }),
        (r) => {
          expect(r.status).toBe(400);
          expect(r.json.errors[0].code).toBe('JSON_MALFORMED');
        },
      );
    }

    // With the right bytes back, the draft publishes; the bomb's bytes went with the file they backed, and the
    // published SHA256SUMS that backed a draft file for a while is still there.
    await uploadAll(client, 'acme', release110);
    expect((await client.publish('acme', 'hello', '1.1.0')).state).toBe('published');
    expect(Object.keys(await listBlobFiles(registry.dataDir))).not.toContain(
      `${bombDigest.slice(0, 2)}/${bombDigest.slice(2)}`,
    );
    const publishedSums = await send(registry, { method: 'GET', path: `/v1/files/acme/hello/1.0.0/${sums.fileName}` });
    expect(publishedSums.text).toBe(await readFile(sums.path, 'utf8'));
    const read = await send(registry, { method: 'GET', path: '/v1/providers/acme/hello/versions' });
    expect(hasVersion(read, '1.0.0') && hasVersion(read, '1.1.0')).toBe(true);
    expectNoServerErrors(registry.server);
  });

  it('refuses an upload over --max-file-size with 413, declared or chunked, and keeps nothing of it', async () => {
    const registry = await startRegistry(join(work, 'data-max-size'), { extraArgs: ['--max-file-size', '1MiB'] });
    await provision(registry.client, 'acme', release100, { draft: true });
    const path = '/api/v1/providers/acme/hello/versions/1.0.0/files/terraform-provider-hello_1.0.0_linux_amd64.zip';
    const twoMiB = randomBytes(2 * MiB);
    const chunks = function* () {
      for (let offset = 0; offset < twoMiB.length; offset += 64 * 1024)
        yield twoMiB.subarray(offset, offset + 64 * 1024);
    };
    const headers = { 'content-type': 'application/octet-stream' };
    for (const request of [
      { method: 'PUT', path, headers: { ...headers, 'content-length': String(twoMiB.length) }, body: twoMiB },
      { method: 'PUT', path, headers, body: chunks() },
    ]) {
      await expectRefusedWithoutChange(
        registry,
        () => send(registry, request),
        (r) => {
          expect(r.status).toBe(413);
          expect(r.json.errors[0].code).toBe('BLOB_TOO_LARGE');
        },
      );
    }
    expect(await readdir(join(registry.dataDir, 'blobs', 'tmp'))).toEqual([]);
    expectNoServerErrors(registry.server);
  });
});

describe('signet serve over HTTPS: concurrency', () => {
  it('answers twenty concurrent publishes of one draft with exactly one 200 and nineteen 409', async () => {
    const registry = await startRegistry(join(work, 'data-race'));
    await provision(registry.client, 'acme', release100, { draft: true });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        send(registry, { method: 'POST', path: '/api/v1/providers/acme/hello/versions/1.0.0/publish' }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, ...Array.from({ length: 19 }, () => 409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.json.errors[0].code).toBe('VERSION_PUBLISHED');
    expect((await registry.client.getVersion('acme', 'hello', '1.0.0'))?.state).toBe('published');
    expectNoServerErrors(registry.server);
  });
});

describe('signet serve over HTTPS: SIGKILL', () => {
  it('leaves no trace of an upload killed mid-way, and the draft can be finished after a restart', async () => {
    let registry = await startRegistry(join(work, 'data-kill-upload'));
    await provision(registry.client, 'acme', release100, { draft: true });
    const linux = release100.files.find((f) => f.fileName.endsWith('_linux_amd64.zip'))!;
    const ref = { namespace: 'acme', type: 'hello', version: '1.0.0' };
    const before = (await registry.client.getVersion('acme', 'hello', '1.0.0'))!.files;

    // 200 MiB streamed into the draft's linux zip; killed once a good part of it sits in DATA/blobs/tmp.
    const block = randomBytes(MiB);
    const upload = send(registry, {
      method: 'PUT',
      path: `/api/v1/providers/acme/hello/versions/1.0.0/files/${linux.fileName}`,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(200 * MiB) },
      body: (function* () {
        for (let i = 0; i < 200; i++) yield block;
      })(),
    }).then(
      (answer) => `answered ${answer.status}`,
      (error: Error) => error.message,
    );
    const tmp = join(registry.dataDir, 'blobs', 'tmp');
    let partial = 0;
    for (let tries = 0; tries < 3000 && partial < 32 * MiB; tries++) {
      await sleep(5);
      for (const name of await readdir(tmp)) partial = Math.max(partial, (await stat(join(tmp, name))).size);
    }
    expect(partial).toBeGreaterThanOrEqual(32 * MiB);
    expect(partial).toBeLessThan(200 * MiB);
    registry = await restartAfterKill(registry);
    expect(await upload).not.toMatch(/^answered/);

    const after = (await registry.client.getVersion('acme', 'hello', '1.0.0'))!;
    expect(after.state).toBe('draft');
    expect(after.files).toEqual(before);
    expect(await readdir(join(registry.dataDir, 'blobs', 'tmp'))).toEqual([]);
    await expectBlobsIntact(registry.dataDir);

    await registry.client.uploadFile(ref, linux.fileName, linux.path);
    expect((await registry.client.publish('acme', 'hello', '1.0.0')).state).toBe('published');
    const read = await send(registry, { method: 'GET', path: '/v1/providers/acme/hello/versions' });
    expect(hasVersion(read, '1.0.0')).toBe(true);
    const download = await send(registry, {
      method: 'GET',
      path: '/v1/providers/acme/hello/1.0.0/download/linux/amd64',
    });
    expect(download.json.shasum).toBe(await sha256File(linux.path));
    expectNoServerErrors(registry.server);
  });

  it('leaves a publish killed at any moment either a draft or fully published, never half', async () => {
    const big = await buildExampleRelease(join(work, 'release-big'), {
      version: '1.0.0',
      platforms: DEFAULT_PLATFORMS,
      binarySize: 8 * MiB,
    });
    let registry = await startRegistry(join(work, 'data-kill-publish'));
    const publishPath = (ns: string) => `/api/v1/providers/${ns}/hello/versions/1.0.0/publish`;

    // How long one publish takes here, to spread the kills over it.
    await provision(registry.client, 'warmup', big, { draft: true });
    const started = Date.now();
    expect((await send(registry, { method: 'POST', path: publishPath('warmup') })).status).toBe(200);
    const publishMs = Date.now() - started;

    const outcomes: string[] = [];
    for (const [index, fraction] of [0, 0.2, 0.4, 0.6, 0.8, 0.95, 1.1, 1.5].entries()) {
      const ns = `kill${index}`;
      await provision(registry.client, ns, big, { draft: true });
      let answer: number | undefined;
      const publishing = send(registry, { method: 'POST', path: publishPath(ns) }).then(
        (r) => (answer = r.status),
        () => undefined,
      );
      await sleep(Math.round(publishMs * fraction));
      registry = await restartAfterKill(registry);
      await publishing;

      const version = (await registry.client.getVersion(ns, 'hello', '1.0.0'))!;
      const read = await send(registry, { method: 'GET', path: `/v1/providers/${ns}/hello/versions` });
      outcomes.push(`${fraction}: ${version.state}${answer ? ` (answered ${answer})` : ''}`);
      if (answer === 200) expect(version.state).toBe('published');
      if (version.state === 'draft') {
        expect(hasVersion(read, '1.0.0')).toBe(false);
        const download = await send(registry, {
          method: 'GET',
          path: `/v1/providers/${ns}/hello/1.0.0/download/linux/amd64`,
        });
        expect(download.status).toBe(404);
        expect((await send(registry, { method: 'POST', path: publishPath(ns) })).status).toBe(200);
      }
      await expectFullyPublished(registry, ns, big);
    }
    await expectBlobsIntact(registry.dataDir);
    console.log(`publish takes ${publishMs} ms; killed at fractions of it: ${outcomes.join(', ')}`);
    expect(outcomes.some((o) => o.includes('draft'))).toBe(true);
    expectNoServerErrors(registry.server);
  });
});

/** The version is published with its report, listed with every platform, and every download JSON is served. */
async function expectFullyPublished(registry: Registry, ns: string, release: ExampleRelease): Promise<void> {
  const version = (await registry.client.getVersion(ns, 'hello', '1.0.0'))!;
  expect(version.state).toBe('published');
  expect(version.report?.ok).toBe(true);
  expect(version.report?.platforms).toHaveLength(DEFAULT_PLATFORMS.length);
  const read = await send(registry, { method: 'GET', path: `/v1/providers/${ns}/hello/versions` });
  const listed = (read.json as { versions: { version: string; platforms: unknown[] }[] }).versions;
  expect(listed.find((v) => v.version === '1.0.0')?.platforms).toHaveLength(DEFAULT_PLATFORMS.length);
  for (const platform of DEFAULT_PLATFORMS) {
    const [os, arch] = platform.split('_');
    const download = await send(registry, {
      method: 'GET',
      path: `/v1/providers/${ns}/hello/1.0.0/download/${os}/${arch}`,
    });
    expect(download.status, platform).toBe(200);
    const zip = release.files.find((f) => f.fileName.endsWith(`_${platform}.zip`))!;
    expect(download.json.shasum, platform).toBe(await sha256File(zip.path));
  }
}
