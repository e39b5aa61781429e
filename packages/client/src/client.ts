import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';

import { SignetError } from '@signet/core';
import { Agent, request, type Dispatcher } from 'undici';

/** One entry of a registry error body. */
export interface RegistryErrorEntry {
  code: string;
  message: string;
  file?: string;
  severity?: 'error' | 'warning';
}

/** The registry answered 4xx/5xx. `errors` is its `{"errors":[…]}` body (validator problems on a 422). */
export class RegistryError extends SignetError {
  readonly status: number;
  readonly errors: RegistryErrorEntry[];

  constructor(status: number, errors: RegistryErrorEntry[], what: string) {
    const first = errors[0];
    super(
      first?.code ?? `HTTP_${status}`,
      `${what}: ${status} ${first ? errors.map((e) => e.message).join(' ') : 'with no error body'}`,
    );
    this.status = status;
    this.errors = errors;
  }
}

export interface Namespace {
  name: string;
  visibility: 'public' | 'private';
  created_at: string;
}
export interface Token {
  id: string;
  name: string;
  role: 'admin' | 'publish' | 'read';
  namespaces: string[];
  created_at: string;
  revoked_at?: string;
}
export interface Key {
  namespace: string;
  key_id: string;
  fingerprint: string;
  ascii_armor: string;
  source?: string;
  source_url?: string;
  created_at: string;
}
export interface Provider {
  namespace: string;
  type: string;
  created_at: string;
}
export interface VersionFile {
  file_name: string;
  sha256: string;
  size: number;
  uploaded_at: string;
}
export interface Report {
  ok: boolean;
  key_id?: string;
  fingerprint?: string;
  platforms: { platform: string; file_name: string; size: number; sha256: string; h1?: string }[];
  problems: RegistryErrorEntry[];
}
export interface Version {
  namespace: string;
  type: string;
  version: string;
  protocols: string[];
  key_id: string;
  state: 'draft' | 'published';
  deprecation?: string;
  yanked: boolean;
  created_at: string;
  published_at?: string;
  files: VersionFile[];
  report?: Report;
}

export interface RegistryClientOptions {
  /** The registry's base URL, e.g. `https://localhost:8443`. */
  url: string;
  /** Bearer token (SIGNET_TOKEN). */
  token?: string | undefined;
  /** A PEM file of extra CAs to trust (the local CA of `signet serve`), added to Node's own. */
  caFile?: string | undefined;
}

export interface RegistryClient {
  readonly url: string;
  whoami(): Promise<{ role: Token['role']; namespaces: string[]; token_id?: string }>;
  listNamespaces(): Promise<Namespace[]>;
  getNamespace(name: string): Promise<Namespace | undefined>;
  createNamespace(input: { name: string; visibility?: 'public' | 'private' }): Promise<Namespace>;
  listTokens(): Promise<Token[]>;
  createToken(input: { name: string; role: Token['role']; namespaces?: string[] }): Promise<Token & { token: string }>;
  revokeToken(id: string): Promise<{ revoked: boolean }>;
  listKeys(namespace: string): Promise<Key[]>;
  addKey(
    namespace: string,
    input: { ascii_armor: string; key_id?: string; source?: string; source_url?: string },
  ): Promise<Key>;
  deleteKey(namespace: string, keyId: string): Promise<{ deleted: boolean }>;
  listProviders(namespace: string): Promise<Provider[]>;
  createProvider(namespace: string, type: string): Promise<Provider>;
  listVersions(namespace: string, type: string): Promise<Version[]>;
  /** `undefined` when the version does not exist. */
  getVersion(
    namespace: string,
    type: string,
    version: string,
    options?: { report?: boolean },
  ): Promise<Version | undefined>;
  createVersion(
    namespace: string,
    type: string,
    input: { version: string; protocols: string[]; key_id: string },
  ): Promise<Version>;
  deleteVersion(namespace: string, type: string, version: string): Promise<{ deleted: boolean }>;
  /** Streams a file from disk; `sha256` (hex) lets the registry check the bytes that arrive. */
  uploadFile(
    ref: { namespace: string; type: string; version: string },
    fileName: string,
    path: string,
    sha256?: string,
  ): Promise<VersionFile & { unchanged: boolean }>;
  publish(namespace: string, type: string, version: string): Promise<Version>;
  deprecate(namespace: string, type: string, version: string, message: string | null): Promise<Version>;
  yank(namespace: string, type: string, version: string, yanked?: boolean): Promise<Version>;
  /** GET of any registry path (read side), parsed as JSON. */
  getJson<T>(path: string): Promise<T>;
  /** Streams a registry path (a file) as a Node readable. */
  download(path: string): Promise<Dispatcher.ResponseData['body']>;
  close(): Promise<void>;
}

/** A client for the management API. Every failure is a SignetError: RegistryError (an answer) or REGISTRY_UNREACHABLE. */
export async function createRegistryClient(options: RegistryClientOptions): Promise<RegistryClient> {
  let base: URL;
  try {
    base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new SignetError(
      'INPUT_INVALID',
      `Registry URL ${JSON.stringify(options.url)} is not an http(s) URL; give e.g. https://localhost:8443.`,
    );
  }
  let ca: string[] | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = [...rootCertificates, await readFile(options.caFile, 'utf8')];
    } catch {
      throw new SignetError('INPUT_INVALID', `Cannot read the CA file ${JSON.stringify(options.caFile)}.`);
    }
  }
  const agent = new Agent({ connect: ca ? { ca } : {}, bodyTimeout: 0, headersTimeout: 600_000 });
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const e = encodeURIComponent;

  async function call<T>(
    method: Dispatcher.HttpMethod,
    path: string,
    init: { json?: unknown; body?: Dispatcher.DispatchOptions['body']; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), base);
    const headers: Record<string, string> = { accept: 'application/json', ...auth, ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method, headers, body, dispatcher: agent });
    } catch (error) {
      throw unreachable(base, error);
    }
    const text = await response.body.text();
    if (response.statusCode >= 400)
      throw new RegistryError(response.statusCode, parseErrors(text), `${method} ${url.pathname}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  const v = (ns: string, type: string, version?: string) =>
    `/api/v1/providers/${e(ns)}/${e(type)}/versions${version === undefined ? '' : `/${e(version)}`}`;

  return {
    url: base.href.replace(/\/$/, ''),
    whoami: () => call('GET', '/api/v1/whoami'),
    listNamespaces: () => call('GET', '/api/v1/namespaces'),
    getNamespace: (name) => orUndefined(call<Namespace>('GET', `/api/v1/namespaces/${e(name)}`)),
    createNamespace: (input) => call('POST', '/api/v1/namespaces', { json: input }),
    listTokens: () => call('GET', '/api/v1/tokens'),
    createToken: (input) => call('POST', '/api/v1/tokens', { json: input }),
    revokeToken: (id) => call('DELETE', `/api/v1/tokens/${e(id)}`),
    listKeys: (ns) => call('GET', `/api/v1/namespaces/${e(ns)}/keys`),
    addKey: (ns, input) => call('POST', `/api/v1/namespaces/${e(ns)}/keys`, { json: input }),
    deleteKey: (ns, keyId) => call('DELETE', `/api/v1/namespaces/${e(ns)}/keys/${e(keyId)}`),
    listProviders: (ns) => call('GET', `/api/v1/namespaces/${e(ns)}/providers`),
    createProvider: (ns, type) => call('POST', `/api/v1/namespaces/${e(ns)}/providers`, { json: { type } }),
    listVersions: (ns, type) => call('GET', v(ns, type)),
    getVersion: (ns, type, version, opts) =>
      orUndefined(call<Version>('GET', `${v(ns, type, version)}?report=${opts?.report === false ? 'false' : 'true'}`)),
    createVersion: (ns, type, input) => call('POST', v(ns, type), { json: input }),
    deleteVersion: (ns, type, version) => call('DELETE', v(ns, type, version)),
    async uploadFile(ref, fileName, path, sha256) {
      const { size } = await stat(path);
      const headers: Record<string, string> = {
        'content-type': 'application/octet-stream',
        'content-length': String(size),
      };
      if (sha256 !== undefined) headers['x-checksum-sha256'] = sha256;
      return call('PUT', `${v(ref.namespace, ref.type, ref.version)}/files/${e(fileName)}`, {
        body: createReadStream(path),
        headers,
      });
    },
    publish: (ns, type, version) => call('POST', `${v(ns, type, version)}/publish`),
    deprecate: (ns, type, version, message) => call('POST', `${v(ns, type, version)}/deprecate`, { json: { message } }),
    yank: (ns, type, version, yanked = true) => call('POST', `${v(ns, type, version)}/yank`, { json: { yanked } }),
    getJson: (path) => call('GET', path),
    async download(path) {
      const url = new URL(path.replace(/^\//, ''), base);
      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, { method: 'GET', headers: auth, dispatcher: agent });
      } catch (error) {
        throw unreachable(base, error);
      }
      if (response.statusCode >= 400) {
        throw new RegistryError(response.statusCode, parseErrors(await response.body.text()), `GET ${url.pathname}`);
      }
      return response.body;
    },
    close: () => agent.close(),
  };
}

async function orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return undefined;
    throw error;
  }
}

function parseErrors(text: string): RegistryErrorEntry[] {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(body.errors)) return body.errors as RegistryErrorEntry[];
  } catch {
    // not JSON: fall through
  }
  return text.trim() ? [{ code: 'HTTP_ERROR', message: text.trim().slice(0, 300) }] : [];
}

function unreachable(base: URL, error: unknown): SignetError {
  const cause = error as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = cause.cause?.code ?? cause.code ?? '';
  const detail = cause.cause?.message ?? cause.message ?? String(error);
  const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)
    ? ' The certificate is not trusted: pass --ca-file DATA/tls/ca.pem (or set SSL_CERT_FILE) for a `signet serve` registry.'
    : ' Check the URL and that the registry is running.';
  return new SignetError('REGISTRY_UNREACHABLE', `Cannot reach the registry at ${base.origin}: ${detail}.${hint}`, {
    cause: error,
  });
}
