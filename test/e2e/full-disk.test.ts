// A full disk under the embedded store (issue 11: "a full disk on the embedded store … a clear 5xx with nothing
// stored changed"), on a real one: `signet serve --data DIR` where DIR is a tmpfs of a few MiB that this suite
// mounts (and always unmounts). Three faults, each answered 507 Insufficient Storage with code STORAGE_FULL and a
// message that tells the operator what to do, and each leaving everything stored as it was:
//   1. an upload larger than the free space (the blob store's write meets ENOSPC; its temporary file goes, so the
//      space comes back, and a smaller upload then fits), also through `signet publish`;
//   2. SQLite itself meeting the full disk on a metadata write (a filler file takes the last byte): nothing half
//      written, and the same server takes the write once the filler is gone, without a restart;
//   3. a publish on the full disk: the draft stays a draft with its files, and publishes once there is room.
// After all of it a restart on the same folder serves the same versions, files and drafts. And a first start on a
// tmpfs that is full from the start: `signet serve` exits 3 saying what is full and what to do (not a bare ENOSPC),
// and starts once there is room.
import { createCipheriv, createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statfsSync,
  writeSync,
  type PathLike,
} from 'node:fs';
import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { createRegistryClient, type RegistryClient } from '@signet/client';
import { decryptPrivateKey } from '@signet/core';
import { packageRelease, readReleaseFiles, signRelease } from '@signet/core/node';
import { writeExampleProject } from '@signet/core/testing';
import { buildExampleRelease, type ExampleRelease } from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BIN, spawnSignet, TSX_LOADER } from '../helpers/cli';
import { rawRequest, type RawRequestOptions } from '../helpers/https-request';
import { startSignetServe, type SignetServer } from '../helpers/registry';

const MiB = 2 ** 20;
const TMPFS_BYTES = 8 * MiB;
const ADMIN_TOKEN = 'signet_e2e-full-disk-admin';
const VERSIONS = '/api/v1/providers/acme/hello/versions';
/** What every 507 of this suite says (storage/errors.ts StoreFullError), and never a path or a stack. */
const FULL_MESSAGE =
  /^Expected the registry to store .+, found its disk full \(no space left on the volume of its data folder\); nothing was stored\. The registry's operator must free space on that volume or grow it/;

/** Why a tmpfs cannot be mounted here, or undefined when it can (tried once, on a throwaway folder). */
function tmpfsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `tmpfs is Linux's, this is ${process.platform}`;
  const probe = mkdtempSync(join(tmpdir(), 'signet-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    unmount(probe);
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    const said = (stderr || (error as Error).message).split('\n')[0];
    const who = process.getuid?.() === 0 ? 'as root' : `as uid ${process.getuid?.()}, not root`;
    return `cannot mount a tmpfs ${who} (mount -t tmpfs needs root or CAP_SYS_ADMIN): ${said}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const UNAVAILABLE = tmpfsUnavailableReason();

/** Unmounts `dir`; if something still holds a file there, detaches it at once and frees it when that file closes. */
function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['--lazy', dir], { stdio: 'pipe' });
  }
}

/** Bytes free for files on `path`'s volume. */
function freeBytes(path: PathLike): number {
  const { bavail, bsize } = statfsSync(path);
  return bavail * bsize;
}

/** Fills the volume of `path` to the last byte with the file `path` (large writes, then smaller, down to one byte). */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const size of [MiB, 4096, 1]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** `size` bytes that deflate cannot shrink, the same on every run: AES-CTR of zeros under a fixed key. */
function incompressible(size: number, seed: number): Buffer {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, seed), Buffer.alloc(16, 0));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

/** A signed release whose one zip is about `zipBytes` (a binary of incompressible bytes behind a real ELF header). */
async function buildLargeRelease(dir: string, version: string, zipBytes: number) {
  const project = await writeExampleProject(dir, { version, platforms: ['linux_amd64'], binarySize: zipBytes });
  const binary = join(dir, 'bin', 'linux_amd64', `hello_v${version}`);
  const bytes = await readFile(binary);
  incompressible(bytes.length - 256, 7).copy(bytes, 256);
  await writeFile(binary, bytes, { mode: 0o755 });
  await packageRelease({
    name: 'hello',
    version,
    protocols: ['6.0'],
    inputs: [{ path: join(dir, 'bin') }],
    outDir: project.distDir,
  });
  const key = await decryptPrivateKey(await readFile(project.privateKeyPath), project.passphrase);
  await signRelease(await readReleaseFiles([project.distDir]), key);
  return project;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe.skipIf(UNAVAILABLE !== undefined)(
  `a full disk on the embedded store${UNAVAILABLE ? ` (skipped: ${UNAVAILABLE})` : ''}`,
  () => {
    let work: string;
    let data: string;
    let mounted = false;
    let server: SignetServer | undefined;
    let client: RegistryClient | undefined;
    let ca: string;
    let published: ExampleRelease;
    let drafted: ExampleRelease;

    async function start(): Promise<void> {
      server = await startSignetServe({ dataDir: data, adminToken: ADMIN_TOKEN });
      client = await createRegistryClient({ url: server.url, token: ADMIN_TOKEN, caFile: server.caFile });
      ca = await readFile(server.caFile, 'utf8');
    }

    async function stop(): Promise<void> {
      await client?.close();
      await server?.stop();
      client = undefined;
      server = undefined;
    }

    function send(options: RawRequestOptions) {
      return rawRequest(server!.url, ca, {
        ...options,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...options.headers },
      });
    }

    function sendJson(method: string, path: string, body: unknown) {
      return send({ method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    }

    /** The one error of a refused request, checked to be the full-disk answer. */
    function expectStorageFull(answer: { status: number; json: any; text: string }, what: string): void {
      expect(answer.status).toBe(507);
      expect(answer.json?.errors).toHaveLength(1);
      expect(answer.json.errors[0]).toEqual({ code: 'STORAGE_FULL', message: expect.stringMatching(FULL_MESSAGE) });
      expect(answer.json.errors[0].message).toContain(what);
      expect(answer.text).not.toContain(data); // no path of the data folder
      expect(answer.text).not.toMatch(/ENOSPC|SQLite3Error|disk I\/O error|\n\s+at /); // nor what lies under it
    }

    /** Every file of a published version as served (download JSON → file URLs), as file name → SHA-256. */
    async function servedDigests(version: string): Promise<Record<string, string>> {
      const download = await send({ method: 'GET', path: `/v1/providers/acme/hello/${version}/download/linux/amd64` });
      expect(download.status).toBe(200);
      const doc = download.json as {
        filename: string;
        download_url: string;
        shasums_url: string;
        shasums_signature_url: string;
      };
      const digests: Record<string, string> = {};
      for (const link of [doc.download_url, doc.shasums_url, doc.shasums_signature_url]) {
        const url = new URL(link, server!.url); // signed file URLs: the query is part of the path asked for
        const file = await send({ method: 'GET', path: `${url.pathname}${url.search}` });
        expect(file.status).toBe(200);
        digests[url.pathname.split('/').pop()!] = sha256(file.body);
      }
      return digests;
    }

    /** The release's own files, for the platform servedDigests reads. */
    async function localDigests(release: ExampleRelease): Promise<Record<string, string>> {
      const digests: Record<string, string> = {};
      for (const file of release.files) {
        const served = /(_linux_amd64\.zip|_SHA256SUMS|_SHA256SUMS\.sig)$/.test(file.fileName);
        if (!served) continue;
        digests[file.fileName] = sha256(await readFile(file.path));
      }
      return digests;
    }

    async function draftFiles(version: string) {
      const record = await client!.getVersion('acme', 'hello', version, { report: false });
      return record?.files.map((f) => ({ name: f.file_name, sha256: f.sha256, size: f.size }));
    }

    const tmpLeftovers = () => readdirSync(join(data, 'blobs', 'tmp'));
    const namespaces = async () => (await send({ method: 'GET', path: '/api/v1/namespaces' })).json;
    const protocolVersions = async () =>
      (await send({ method: 'GET', path: '/v1/providers/acme/hello/versions' })).text;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'signet-full-disk-'));
      data = join(work, 'data');
      await mkdir(data);
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES},mode=0700`, 'tmpfs', data], { stdio: 'pipe' });
      mounted = true;
      published = await buildExampleRelease(join(work, 'published'), { version: '1.0.0' });
      drafted = await buildExampleRelease(join(work, 'drafted'), { version: '1.1.0' });
      await start();
      await client!.createNamespace({ name: 'acme' });
      await client!.createProvider('acme', 'hello');
      for (const release of [published, drafted]) {
        await client!.addKey('acme', { ascii_armor: release.publicKeyArmored });
        await client!.createVersion('acme', 'hello', {
          version: release.version,
          protocols: ['6.0'],
          key_id: release.keyId,
        });
        const ref = { namespace: 'acme', type: 'hello', version: release.version };
        for (const file of release.files) await client!.uploadFile(ref, file.fileName, file.path);
      }
      await client!.publish('acme', 'hello', '1.0.0');
    }, 180_000);

    afterAll(async () => {
      try {
        await stop().catch(async () => server?.kill());
      } finally {
        // Always, also when a test failed: a tmpfs left mounted would hold its memory until the next reboot.
        if (mounted) unmount(data);
        if (work) await rm(work, { recursive: true, force: true });
      }
    });

    it('answers an upload larger than the free space 507 STORAGE_FULL, frees its space, and takes one that fits', async () => {
      const before = {
        served: await servedDigests('1.0.0'),
        draft: await draftFiles('1.1.0'),
        free: freeBytes(data),
        versions: await protocolVersions(),
      };
      expect(before.served).toEqual(await localDigests(published));
      expect(before.free).toBeLessThan(TMPFS_BYTES);

      // An extra platform's zip for the draft, half again the whole volume: the write meets ENOSPC mid-way.
      const big = incompressible(TMPFS_BYTES + TMPFS_BYTES / 2, 1);
      const path = `${VERSIONS}/1.1.0/files/terraform-provider-hello_1.1.0_linux_arm64.zip`;
      const chunks = Array.from({ length: big.length / (256 * 1024) }, (_, i) =>
        big.subarray(i * 256 * 1024, (i + 1) * 256 * 1024),
      );
      const refused = await send({
        method: 'PUT',
        path,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(big.length),
          'x-checksum-sha256': sha256(big),
        },
        body: chunks,
      });
      expectStorageFull(refused, 'the uploaded file');

      // Nothing stored changed, and the temporary file is gone, its space with it.
      expect(tmpLeftovers()).toEqual([]);
      expect(freeBytes(data)).toBe(before.free);
      expect(await draftFiles('1.1.0')).toEqual(before.draft);
      expect(await servedDigests('1.0.0')).toEqual(before.served);
      expect(await protocolVersions()).toBe(before.versions);

      // An upload that fits is taken at once.
      const small = incompressible(MiB, 2);
      const taken = await send({
        method: 'PUT',
        path,
        headers: { 'content-type': 'application/octet-stream', 'x-checksum-sha256': sha256(small) },
        body: small,
      });
      expect(taken.status).toBe(201);
      expect(await draftFiles('1.1.0')).toEqual(
        [
          ...before.draft!,
          { name: 'terraform-provider-hello_1.1.0_linux_arm64.zip', sha256: sha256(small), size: MiB },
        ].sort((a, b) => (a.name < b.name ? -1 : 1)),
      );
      // The extra zip is no file of the signed release: it goes again before the draft is published.
      expect((await send({ method: 'DELETE', path })).status).toBe(200);
      expect(await draftFiles('1.1.0')).toEqual(before.draft);
    });

    it('has signet publish print the 507 and what to do, exit 3, and store no part of the zip', async () => {
      const project = await buildLargeRelease(join(work, 'large'), '1.2.0', TMPFS_BYTES + MiB);
      const run = await spawnSignet(
        [
          'publish',
          project.distDir,
          '--registry',
          server!.url,
          '--namespace',
          'acme',
          '--key',
          project.publicKeyPath,
          '--ca-file',
          server!.caFile,
        ],
        { cwd: work, env: { SIGNET_TOKEN: ADMIN_TOKEN } },
      );
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        /signet: PUT \/api\/v1\/providers\/acme\/hello\/versions\/1\.2\.0\/files\/terraform-provider-hello_1\.2\.0_linux_amd64\.zip: 507 Insufficient Storage: Expected the registry to store the uploaded file, found its disk full/,
      );
      expect(run.stderr).toContain('free space on that volume or grow it');
      expect(run.stderr).not.toMatch(/\n\s+at /);
      const zip = (await draftFiles('1.2.0'))?.find((f) => f.name.endsWith('.zip'));
      expect(zip).toBeUndefined();
      expect(tmpLeftovers()).toEqual([]);
      expect(await servedDigests('1.0.0')).toEqual(await localDigests(published));
    });

    it('answers metadata writes 507 STORAGE_FULL when SQLite meets the full disk, and takes them once there is room', async () => {
      const before = {
        namespaces: await namespaces(),
        draft: await draftFiles('1.1.0'),
        served: await servedDigests('1.0.0'),
      };
      const filler = join(data, 'filler');
      fillDisk(filler);
      try {
        expect(freeBytes(data)).toBe(0);
        expectStorageFull(
          await sendJson('POST', '/api/v1/namespaces', { name: 'beta' }),
          'this change to its database',
        );
        expectStorageFull(
          await sendJson('POST', '/api/v1/tokens', { name: 'ci', role: 'publish', namespaces: ['acme'] }),
          'this change to its database',
        );
        // Nothing half written: every read answers as before, on the same connection to the database.
        expect(await namespaces()).toEqual(before.namespaces);
        expect(await draftFiles('1.1.0')).toEqual(before.draft);
        expect(await servedDigests('1.0.0')).toEqual(before.served);
      } finally {
        await unlink(filler);
      }
      // The same server, no restart: the write is taken now.
      expect((await sendJson('POST', '/api/v1/namespaces', { name: 'beta' })).status).toBe(201);
      expect((await namespaces()).map((n: { name: string }) => n.name).sort()).toEqual(['acme', 'beta']);
    });

    it('leaves a draft published on the full disk a draft with its files, and publishes it once there is room', async () => {
      const before = { draft: await draftFiles('1.1.0'), versions: await protocolVersions() };
      const publish = { method: 'POST', path: `${VERSIONS}/1.1.0/publish` };
      const filler = join(data, 'filler');
      fillDisk(filler);
      try {
        expectStorageFull(await send(publish), 'this change to its database');
        const record = await client!.getVersion('acme', 'hello', '1.1.0', { report: false });
        expect(record?.state).toBe('draft');
        expect(await draftFiles('1.1.0')).toEqual(before.draft);
        expect(await protocolVersions()).toBe(before.versions);
      } finally {
        await unlink(filler);
      }
      // No lease or half-flip was left behind: the same publish now goes through, serving the very bytes uploaded.
      expect((await send(publish)).status).toBe(200);
      expect(await servedDigests('1.1.0')).toEqual(await localDigests(drafted));
    });

    it('serves the same versions, files and drafts after a restart on the same folder', async () => {
      const before = {
        versions: await protocolVersions(),
        draft: await draftFiles('1.2.0'),
        namespaces: await namespaces(),
      };
      await stop();
      await start();
      expect(await protocolVersions()).toBe(before.versions);
      expect(await servedDigests('1.0.0')).toEqual(await localDigests(published));
      expect(await servedDigests('1.1.0')).toEqual(await localDigests(drafted));
      expect(await draftFiles('1.2.0')).toEqual(before.draft);
      expect(await namespaces()).toEqual(before.namespaces);
      expect(tmpLeftovers()).toEqual([]);
    });
  },
);

describe.skipIf(UNAVAILABLE !== undefined)(
  `a first start on a full disk${UNAVAILABLE ? ` (skipped: ${UNAVAILABLE})` : ''}`,
  () => {
    let work: string;
    let data: string;
    let mounted = false;

    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'signet-full-start-'));
      data = join(work, 'data');
      mkdirSync(data);
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${4 * MiB},mode=0700`, 'tmpfs', data], { stdio: 'pipe' });
      mounted = true;
    });

    afterAll(async () => {
      try {
        if (mounted) unmount(data);
      } finally {
        if (work) await rm(work, { recursive: true, force: true });
      }
    });

    it('has signet serve exit 3 saying what is full and what to do, and start once there is room', async () => {
      const filler = join(data, 'filler');
      fillDisk(filler);
      expect(freeBytes(data)).toBe(0);
      // Its own child with a time limit: a serve that started after all must not outlive the test.
      const run = await promisify(execFile)(
        process.execPath,
        ['--import', TSX_LOADER, BIN, 'serve', '--data', data, '--port', '0'],
        { cwd: work, env: { ...process.env, CI: 'true', SIGNET_ADMIN_TOKEN: ADMIN_TOKEN }, timeout: 60_000 },
      ).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code?: number; signal?: string; stderr?: string }) => ({
          code: error.code ?? error.signal,
          stderr: error.stderr ?? '',
        }),
      );
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(
        /^signet: Expected to write ".*\/data\/signet\.db\.owner" \(it makes this process the owner of the embedded database\), found no space left on the volume of ".*\/data" \(ENOSPC\); nothing was changed\. Free space on that volume or grow it/,
      );
      expect(run.stderr).not.toMatch(/INTERNAL|\n\s+at /);
      expect(readdirSync(data)).toEqual(['filler']); // no owner file, no half-made database

      // What it said to do: free space, start again.
      await unlink(filler);
      const server = await startSignetServe({ dataDir: data, adminToken: ADMIN_TOKEN });
      try {
        expect(
          (await rawRequest(server.url, await readFile(server.caFile, 'utf8'), { method: 'GET', path: '/healthz' }))
            .status,
        ).toBe(200);
      } finally {
        await server.stop();
      }
    }, 120_000);
  },
);
