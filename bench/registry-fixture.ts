// What bench/registry.ts and bench/fast-path-cpu.ts both need: the release they publish, how they publish it, and
// a few process and measuring helpers.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { decryptPrivateKey, inspectKey } from '@signet/core';
import { packageRelease, readReleaseFiles, signRelease, type ReleaseFile } from '@signet/core/node';
import { createFakeExecutable, writeExampleProject } from '@signet/core/testing';

export const NS = 'acme';
export const TYPE = 'hello';
export const MIB = 2 ** 20;

export interface Release {
  files: ReleaseFile[];
  keyId: string;
  publicKeyArmored: string;
}

/** MB/s (10^6 bytes) of one curl transfer; throws unless it ends 2xx. */
export function curlSpeed(args: string[], direction: 'download' | 'upload'): number {
  const out = execFileSync(
    'curl',
    ['-sS', '-H', 'Expect:', '-w', `%{http_code} %{size_${direction}} %{time_total}`, ...args],
    { encoding: 'utf8' },
  );
  const [code, bytes, seconds] = out.trim().split(/\s+/).slice(-3).map(Number) as [number, number, number];
  if (code < 200 || code > 299) throw new Error(`curl ${args.at(-1)}: expected 2xx, found ${code}: ${out}`);
  return bytes / seconds / 1e6;
}

/** The example provider for 3 platforms; linux_amd64's binary is `zipMiB` of random bytes behind a real header. */
export async function buildRelease(dir: string, zipMiB: number): Promise<Release> {
  const project = await writeExampleProject(dir, { platforms: ['linux_amd64', 'darwin_arm64', 'windows_amd64'] });
  await writeRandomExecutable(join(dir, 'bin', 'linux_amd64', `${TYPE}_v1.0.0`), 'linux_amd64', zipMiB * MIB);
  await packageRelease({
    name: TYPE,
    version: '1.0.0',
    protocols: ['6.0'],
    inputs: [{ path: join(dir, 'bin') }],
    outDir: project.distDir,
  });
  const key = await decryptPrivateKey(await readFile(project.privateKeyPath), project.passphrase);
  await signRelease(await readReleaseFiles([project.distDir]), key);
  return {
    files: await readReleaseFiles([project.distDir]),
    keyId: (await inspectKey(project.publicKeyArmored)).keyId,
    publicKeyArmored: project.publicKeyArmored,
  };
}

export async function writeRandomExecutable(path: string, platform: string, size: number): Promise<void> {
  const out = createWriteStream(path, { mode: 0o755 });
  const header = createFakeExecutable(platform, 4096);
  out.write(header);
  const chunk = Buffer.alloc(16 * MIB);
  for (let written = header.length; written < size; written += chunk.length) {
    const slice = chunk.subarray(0, Math.min(chunk.length, size - written));
    randomFillSync(slice);
    if (!out.write(slice)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Publishes 1.0.0 as terraform would find it; returns the paths the read benchmarks fetch. */
export async function publish(url: string, token: string, release: Release) {
  const api = (method: string, path: string, body?: unknown) => call(url, token, method, path, body);
  await api('POST', '/api/v1/namespaces', { name: NS, visibility: 'public' });
  await api('POST', `/api/v1/namespaces/${NS}/keys`, { ascii_armor: release.publicKeyArmored });
  await api('POST', `/api/v1/namespaces/${NS}/providers`, { type: TYPE });
  await api('POST', `/api/v1/providers/${NS}/${TYPE}/versions`, {
    version: '1.0.0',
    protocols: ['6'],
    key_id: release.keyId,
  });
  for (const file of release.files) {
    await api(
      'PUT',
      `/api/v1/providers/${NS}/${TYPE}/versions/1.0.0/files/${file.fileName}`,
      await readFile(file.path),
    );
  }
  await api('POST', `/api/v1/providers/${NS}/${TYPE}/versions/1.0.0/publish`);
  const download = `/v1/providers/${NS}/${TYPE}/1.0.0/download/linux/amd64`;
  const { download_url } = (await (await fetch(url + download)).json()) as { download_url: string };
  return {
    versions: `/v1/providers/${NS}/${TYPE}/versions`,
    download,
    mirror: `/mirror/localhost/${NS}/${TYPE}/1.0.0.json`,
    zip: new URL(download_url, url).pathname,
  };
}

export async function call(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  const binary = body instanceof Uint8Array;
  const response = await fetch(url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': binary ? 'application/octet-stream' : 'application/json',
    },
    ...(body === undefined ? {} : { body: binary ? body : JSON.stringify(body) }),
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: expected 2xx, found ${response.status} ${await response.text()}`);
  return response;
}

export async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
