// The registry the draft-side security regressions attack: namespace `acme` with the example release's key and
// provider `hello`, drafts made and filled through the management API. The stores are the real embedded ones; a
// test may wrap them (`wrapBlobs`, `wrapMetadata`) to hold a call at a chosen point, never to answer in their place.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'vitest';

import { createRegistryApp, type RegistryApp, type RegistryAppOptions } from '../app';
import type { BlobStore } from '../storage/blob-store';
import { openFsBlobStore } from '../storage/fs-blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import { openSqliteMetadataStore } from '../storage/sqlite-metadata-store';
import { buildExampleRelease, TEST_ADMIN_TOKEN, type ExampleRelease } from '../testing';

/** What a test sends as a body: bytes, text, or a stream it controls. */
export type RequestBody = string | Uint8Array | ReadableStream<Uint8Array>;

export interface DraftRegistryOptions {
  app?: Partial<RegistryAppOptions>;
  wrapBlobs?: (blobs: BlobStore) => BlobStore;
  wrapMetadata?: (metadata: MetadataStore) => MetadataStore;
  /** Versions of `acme/hello` to build releases for (each its own signed files); default `['1.0.0']`. */
  versions?: string[];
}

export interface DraftRegistry {
  app: RegistryApp;
  /** The real stores, unwrapped. */
  metadata: MetadataStore;
  blobs: BlobStore;
  releases: Map<string, ExampleRelease>;
  /** One request with the admin token (`token: null` for none). */
  call(
    method: string,
    path: string,
    options?: { json?: unknown; body?: RequestBody; headers?: Record<string, string>; token?: string | null },
  ): Promise<Response>;
  /** PUT of one file's bytes to `acme/hello` `version`. */
  upload(version: string, fileName: string, body: RequestBody, headers?: Record<string, string>): Promise<Response>;
  /** Creates the draft `version` of `acme/hello`; with `files`, uploads its release's files too. */
  createDraft(version: string, options?: { files?: boolean }): Promise<void>;
  /** The bytes of a file of the built release. */
  fileBytes(
    version: string,
    kind: 'zip' | 'shasums' | 'signature' | 'manifest',
  ): Promise<{ name: string; bytes: Buffer }>;
  /** Every digest in the blob store, sorted. */
  storedDigests(): Promise<string[]>;
  close(): Promise<void>;
}

export const FILES = '/api/v1/providers/acme/hello/versions';

/** Opens a fresh registry with `acme/hello` and releases built for `versions`; `close` removes everything. */
export async function openDraftRegistry(options: DraftRegistryOptions = {}): Promise<DraftRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-drafts-'));
  const metadata = await openSqliteMetadataStore({ path: join(dir, 'data', 'signet.db') });
  const blobs = await openFsBlobStore({ dataDir: join(dir, 'data') });
  const app = createRegistryApp({
    metadata: options.wrapMetadata?.(metadata) ?? metadata,
    blobs: options.wrapBlobs?.(blobs) ?? blobs,
    adminToken: TEST_ADMIN_TOKEN,
    ...options.app,
  });
  const releases = new Map<string, ExampleRelease>();
  for (const version of options.versions ?? ['1.0.0']) {
    // Ed25519 (v4, which terraform reads): key generation in milliseconds. Each release has its own key.
    releases.set(version, await buildExampleRelease(join(dir, version), { version, algorithm: 'ed25519' }));
  }

  const call: DraftRegistry['call'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? TEST_ADMIN_TOKEN : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body = opts.body;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    return await app.request(path, {
      method,
      headers,
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    });
  };
  const ok = async (res: Promise<Response>) => {
    const response = await res;
    if (response.status >= 300) throw new Error(`${response.status}: ${await response.text()}`);
    return response;
  };
  const release = (version: string) => {
    const found = releases.get(version);
    if (!found) throw new Error(`No release built for ${version}; list it in openDraftRegistry({versions}).`);
    return found;
  };
  const registry: DraftRegistry = {
    app,
    metadata,
    blobs,
    releases,
    call,
    upload: (version, fileName, body, headers = {}) =>
      call('PUT', `${FILES}/${version}/files/${fileName}`, {
        body,
        headers: { 'content-type': 'application/octet-stream', ...headers },
      }),
    async createDraft(version, opts = {}) {
      await ok(
        call('POST', FILES, {
          json: { version, protocols: ['6.0'], key_id: (releases.get(version) ?? [...releases.values()][0]!).keyId },
        }),
      );
      if (!opts.files) return;
      for (const file of release(version).files) {
        await ok(registry.upload(version, file.fileName, await readFile(file.path)));
      }
    },
    async fileBytes(version, kind) {
      const suffix = {
        zip: '_linux_amd64.zip',
        shasums: '_SHA256SUMS',
        signature: '_SHA256SUMS.sig',
        manifest: '_manifest.json',
      }[kind];
      const file = release(version).files.find((f) => f.fileName.endsWith(suffix));
      if (!file) throw new Error(`No ${kind} in the release of ${version}.`);
      return { name: file.fileName, bytes: await readFile(file.path) };
    },
    async storedDigests() {
      const out: string[] = [];
      for await (const blob of blobs.list()) out.push(blob.sha256);
      return out.sort();
    },
    async close() {
      await metadata.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await ok(call('POST', '/api/v1/namespaces', { json: { name: 'acme' } }));
  for (const { publicKeyArmored } of releases.values()) {
    await ok(call('POST', '/api/v1/namespaces/acme/keys', { json: { ascii_armor: publicKeyArmored } }));
  }
  await ok(call('POST', '/api/v1/namespaces/acme/providers', { json: { type: 'hello' } }));
  return registry;
}

/** SHA-256 (hex) of bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The error codes of a JSON error response, with its status. */
export async function refusal(response: Response): Promise<{ status: number; codes: string[] }> {
  const body = (await response.json()) as { errors?: { code: string }[] };
  return { status: response.status, codes: (body.errors ?? []).map((e) => e.code) };
}

/**
 * A point where a wrapped store call waits until the test lets it go: `reached` resolves when the first call
 * arrives there (while armed), `release` lets every held call continue.
 */
export function createHold() {
  let armed = false;
  let reach = () => {};
  let release = () => {};
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    arm: () => {
      armed = true;
    },
    reached,
    release,
    /** Awaited by the wrapped call: waits only while armed. */
    async point(): Promise<void> {
      if (!armed) return;
      reach();
      await released;
    },
  };
}

/** Expects a response to be a refusal with this status and first code. */
export async function expectRefusal(response: Response, status: number, code: string): Promise<void> {
  expect(await refusal(response)).toMatchObject({ status, codes: expect.arrayContaining([code]) as unknown });
}
