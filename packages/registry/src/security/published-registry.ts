// The registry the security regressions attack: a public `acme/hello` and a private `corp/secret`, both 1.0.0 and
// published, with a read token for `corp` and one for another namespace. Built through the management API, the way
// an operator would, so the attacks meet the stored records they would meet in production.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RegistryAppOptions } from '../app';
import type { MetadataStore } from '../storage/metadata-store';
import { buildExampleRelease, openTestRegistry, type ExampleRelease, type TestRegistry } from '../testing';

export interface PublishedRegistry extends TestRegistry {
  publicRelease: ExampleRelease;
  privateRelease: ExampleRelease;
  /** A `read` token for `corp`. */
  readToken: string;
  /** A `read` token for `other` only: valid, but without rights in `corp`. */
  otherToken: string;
  /** One in-process request; `token: null` sends none, the default is the admin token. */
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
}

export interface CallOptions {
  token?: string | null;
  json?: unknown;
  body?: string | Uint8Array;
  /** Extra headers; an `undefined` value sends none. */
  headers?: Record<string, string | undefined>;
}

/** Opens a fresh registry in a temporary folder with both providers published; `close` removes the folder. */
export async function openPublishedRegistry(options: Partial<RegistryAppOptions> = {}): Promise<PublishedRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-security-'));
  const registry = await openTestRegistry(join(dir, 'data'), options);
  const call = async (method: string, path: string, opts: CallOptions = {}) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(opts.headers ?? {})) if (value !== undefined) headers[name] = value;
    const token = opts.token === undefined ? registry.adminToken : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body = opts.body;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    return await registry.app.request(path, { method, headers, body });
  };
  const api = async (method: string, path: string, json?: unknown, bytes?: Uint8Array) => {
    const res = await call(method, path, bytes ? { body: bytes } : { json: json ?? {} });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const publish = async (ns: string, visibility: 'public' | 'private', release: ExampleRelease) => {
    await api('POST', '/api/v1/namespaces', { name: ns, visibility });
    await api('POST', `/api/v1/namespaces/${ns}/keys`, { ascii_armor: release.publicKeyArmored });
    await api('POST', `/api/v1/namespaces/${ns}/providers`, { type: release.name });
    const versions = `/api/v1/providers/${ns}/${release.name}/versions`;
    await api('POST', versions, { version: release.version, protocols: ['6'], key_id: release.keyId });
    for (const file of release.files) {
      await api('PUT', `${versions}/${release.version}/files/${file.fileName}`, undefined, await readFile(file.path));
    }
    await api('POST', `${versions}/${release.version}/publish`);
  };
  const token = async (name: string, namespace: string) => {
    const res = await api('POST', '/api/v1/tokens', { name, role: 'read', namespaces: [namespace] });
    return ((await res.json()) as { token: string }).token;
  };

  const [publicRelease, privateRelease] = await Promise.all([
    buildExampleRelease(join(dir, 'public')),
    buildExampleRelease(join(dir, 'private'), { name: 'secret' }),
  ]);
  await publish('acme', 'public', publicRelease);
  await publish('corp', 'private', privateRelease);
  await api('POST', '/api/v1/namespaces', { name: 'other', visibility: 'private' });
  const readToken = await token('corp reader', 'corp');
  const otherToken = await token('other reader', 'other');
  return {
    ...registry,
    publicRelease,
    privateRelease,
    readToken,
    otherToken,
    call,
    async close() {
      await registry.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The real store, watched: which methods were called with which string arguments. What reached the store, not a
 * cache; not a stand-in, every call goes through.
 */
export function watchStore(metadata: MetadataStore): {
  store: MetadataStore;
  /** How often `method` was called (with `arg` among its arguments, when given). */
  calls: (method: string, arg?: string) => number;
  /** Every string argument of every call so far. */
  args: () => string[];
} {
  const seen: { method: string; args: string[] }[] = [];
  const store = new Proxy(metadata, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        seen.push({ method: String(property), args: args.filter((a): a is string => typeof a === 'string') });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store,
    calls: (method, arg) =>
      seen.filter((call) => call.method === method && (arg === undefined || call.args.includes(arg))).length,
    args: () => seen.flatMap((call) => call.args),
  };
}
