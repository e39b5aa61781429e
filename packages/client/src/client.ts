import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { readFile, stat } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';

import {
  API_SCHEMAS as S,
  type CreatedToken,
  type Key,
  type Namespace,
  type NewKey,
  type NewToken,
  type NewVersion,
  type Provider,
  type Token,
  type UploadedFile,
  type Version,
  type Whoami,
} from '@signet/api';
import { SignetError } from '@signet/core';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';

import { parseAnswer, parseErrorBody, redirected } from './parse-answer';
import { RegistryError } from './registry-error';

export { RegistryError, type RegistryErrorEntry } from './registry-error';
import { DEFAULT_RETRY } from './retry-policy';
import { createTransport, type RequestInit } from './transport';

export type { Key, Namespace, Problem, Provider, Report, Token, Version, VersionFile, Whoami } from '@signet/api';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_TIMEOUT_MS = 60_000;

export interface RegistryClientOptions {
  /** The registry's base URL, e.g. `https://localhost:8443`. */
  url: string;
  /** Bearer token (SIGNET_TOKEN). */
  token?: string | undefined;
  /** A PEM file of extra CAs to trust (the local CA of `signet serve`), added to Node's own. */
  caFile?: string | undefined;
  /** How long connecting (TCP and TLS) may take. Default 10 s. */
  connectTimeoutMs?: number | undefined;
  /** How long the registry may stay silent while answering (before the headers, between body chunks). Default 60 s. */
  timeoutMs?: number | undefined;
  /** Retries of an idempotent request after a 5xx, a 429 or a broken connection. Default 2. */
  retries?: number | undefined;
  /** The first wait between retries; each next one doubles (a Retry-After header wins). Default 500 ms. */
  retryDelayMs?: number | undefined;
}

type VersionRef = { namespace: string; type: string; version: string };

export interface RegistryClient {
  readonly url: string;
  whoami(): Promise<Whoami>;
  listNamespaces(): Promise<Namespace[]>;
  getNamespace(name: string): Promise<Namespace | undefined>;
  createNamespace(input: { name: string; visibility?: 'public' | 'private' }): Promise<Namespace>;
  listTokens(): Promise<Token[]>;
  createToken(input: NewToken): Promise<CreatedToken>;
  revokeToken(id: string): Promise<{ revoked: boolean }>;
  listKeys(namespace: string): Promise<Key[]>;
  addKey(namespace: string, input: NewKey): Promise<Key>;
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
  createVersion(namespace: string, type: string, input: NewVersion): Promise<Version>;
  deleteVersion(namespace: string, type: string, version: string): Promise<{ deleted: boolean }>;
  /**
   * Streams a file from disk; `sha256` (hex) lets the registry check the bytes that arrive (and the client retry).
   * `onSent` gets the bytes read into the request so far (from 0 again when a retry starts over).
   */
  uploadFile(
    ref: VersionRef,
    fileName: string,
    path: string,
    sha256?: string,
    onSent?: (bytes: number) => void,
  ): Promise<UploadedFile>;
  publish(namespace: string, type: string, version: string): Promise<Version>;
  deprecate(namespace: string, type: string, version: string, message: string | null): Promise<Version>;
  yank(namespace: string, type: string, version: string, yanked?: boolean): Promise<Version>;
  /** GET of any registry path (read side), parsed by `schema`. */
  getJson<T extends z.ZodType>(path: string, schema: T): Promise<z.output<T>>;
  /** Streams a registry path (a file) as a Node readable. */
  download(path: string): Promise<Dispatcher.ResponseData['body']>;
  close(): Promise<void>;
}

/**
 * A client for the management API. Every failure is a SignetError: RegistryError (an error answer),
 * REGISTRY_UNREACHABLE, REGISTRY_TIMEOUT or RESPONSE_INVALID (an answer that is not the API's). Idempotent
 * requests are retried after a 5xx, a 429 or a broken connection; a POST never is.
 */
export async function createRegistryClient(options: RegistryClientOptions): Promise<RegistryClient> {
  const base = parseBaseUrl(options.url);
  const transport = createTransport({
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retries: options.retries ?? DEFAULT_RETRY.retries,
    retryDelayMs: options.retryDelayMs ?? DEFAULT_RETRY.retryDelayMs,
    ca: await readCa(options.caFile),
  });
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const e = encodeURIComponent;
  const at = (path: string) => new URL(path.replace(/^\//, ''), base);

  async function call<T extends z.ZodType>(
    method: Dispatcher.HttpMethod,
    path: string,
    schema: T,
    init: RequestInit & { json?: unknown } = {},
  ): Promise<z.output<T>> {
    const url = at(path);
    const headers: Record<string, string> = { accept: 'application/json', ...auth, ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      const text = JSON.stringify(init.json);
      body = () => text;
    }
    const answer = await transport.send(method, url, { ...init, headers, body });
    return parseAnswer(answer, schema, `${method} ${url.pathname}`);
  }

  const v = (ns: string, type: string, version?: string) =>
    `/api/v1/providers/${e(ns)}/${e(type)}/versions${version === undefined ? '' : `/${e(version)}`}`;

  return {
    url: base.href.replace(/\/$/, ''),
    whoami: () => call('GET', '/api/v1/whoami', S.Whoami),
    listNamespaces: () => call('GET', '/api/v1/namespaces', S.Namespace.array()),
    getNamespace: (name) => orUndefined(call('GET', `/api/v1/namespaces/${e(name)}`, S.Namespace)),
    createNamespace: (input) => call('POST', '/api/v1/namespaces', S.Namespace, { json: input }),
    listTokens: () => call('GET', '/api/v1/tokens', S.Token.array()),
    createToken: (input) => call('POST', '/api/v1/tokens', S.CreatedToken, { json: input }),
    revokeToken: (id) => call('DELETE', `/api/v1/tokens/${e(id)}`, S.Revoked),
    listKeys: (ns) => call('GET', `/api/v1/namespaces/${e(ns)}/keys`, S.Key.array()),
    addKey: (ns, input) => call('POST', `/api/v1/namespaces/${e(ns)}/keys`, S.Key, { json: input }),
    deleteKey: (ns, keyId) => call('DELETE', `/api/v1/namespaces/${e(ns)}/keys/${e(keyId)}`, S.Deleted),
    listProviders: (ns) => call('GET', `/api/v1/namespaces/${e(ns)}/providers`, S.Provider.array()),
    createProvider: (ns, type) => call('POST', `/api/v1/namespaces/${e(ns)}/providers`, S.Provider, { json: { type } }),
    listVersions: (ns, type) => call('GET', v(ns, type), S.Version.array()),
    getVersion: (ns, type, version, opts) =>
      orUndefined(
        call('GET', `${v(ns, type, version)}?report=${opts?.report === false ? 'false' : 'true'}`, S.Version),
      ),
    createVersion: (ns, type, input) => call('POST', v(ns, type), S.Version, { json: input }),
    deleteVersion: (ns, type, version) => call('DELETE', v(ns, type, version), S.Deleted),
    async uploadFile(ref, fileName, path, sha256, onSent) {
      const { size } = await stat(path);
      const headers: Record<string, string> = {
        'content-type': 'application/octet-stream',
        'content-length': String(size),
      };
      if (sha256 !== undefined) headers['x-checksum-sha256'] = sha256;
      return call('PUT', `${v(ref.namespace, ref.type, ref.version)}/files/${e(fileName)}`, S.UploadedFile, {
        body: () => (onSent === undefined ? createReadStream(path) : countBytes(createReadStream(path), onSent)),
        headers,
        checked: sha256 !== undefined,
        upload: { fileName, size },
      });
    },
    publish: (ns, type, version) => call('POST', `${v(ns, type, version)}/publish`, S.Version),
    deprecate: (ns, type, version, message) =>
      call('POST', `${v(ns, type, version)}/deprecate`, S.Version, { json: { message } }),
    yank: (ns, type, version, yanked = true) =>
      call('POST', `${v(ns, type, version)}/yank`, S.Version, { json: { yanked } }),
    getJson: (path, schema) => call('GET', path, schema),
    async download(path) {
      const url = at(path);
      const what = `GET ${url.pathname}`;
      let response = await transport.open(url, auth);
      const location = redirectTarget(response, url);
      if (location !== undefined) {
        // A registry on object storage answers file URLs with a presigned object URL: follow that one redirect,
        // without the token (the URL carries its own signature, and the bucket is another host).
        await response.body.dump();
        response = await transport.open(location, {});
      }
      if (response.statusCode >= 300) {
        const answer = { status: response.statusCode, headers: response.headers, text: await response.body.text() };
        if (answer.status < 400) throw redirected(answer, what);
        throw new RegistryError(answer.status, parseErrorBody(answer), what);
      }
      return response.body;
    },
    close: () => transport.close(),
  };
}

/** The same bytes, reporting how many went through so far (a generator: the source's errors reach the reader). */
/** The target of a file download's redirect (302, 303 or 307 to an http(s) URL), if it is one. */
function redirectTarget(response: Dispatcher.ResponseData, from: URL): URL | undefined {
  if (![302, 303, 307].includes(response.statusCode)) return undefined;
  const location = response.headers.location;
  if (typeof location !== 'string') return undefined;
  const target = new URL(location, from);
  return target.protocol === 'https:' || target.protocol === 'http:' ? target : undefined;
}

function countBytes(source: Readable, onSent: (bytes: number) => void): Readable {
  let sent = 0;
  return Readable.from(
    (async function* () {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        sent += chunk.length;
        onSent(sent);
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

function parseBaseUrl(url: string): URL {
  try {
    const base = new URL(url.endsWith('/') ? url : `${url}/`);
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error('not http(s)');
    return base;
  } catch {
    throw new SignetError(
      'INPUT_INVALID',
      `Registry URL ${JSON.stringify(url)} is not an http(s) URL; give e.g. https://localhost:8443.`,
    );
  }
}

async function readCa(caFile: string | undefined): Promise<string[] | undefined> {
  if (caFile === undefined) return undefined;
  try {
    return [...rootCertificates, await readFile(caFile, 'utf8')];
  } catch {
    throw new SignetError('INPUT_INVALID', `Cannot read the CA file ${JSON.stringify(caFile)}.`);
  }
}

async function orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return undefined;
    throw error;
  }
}
