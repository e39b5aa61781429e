// The registry on this machine, from one data folder: what `signet serve` and the desktop app's local registry both
// start. Node only (files, a TCP port): imported as `@signet/registry/local`.
//
// DATA/
//   signet.db          the metadata store (one process at a time: StoreLockedError)
//   blobs/             the files, by SHA-256
//   url-signing.key    the HMAC key of signed file URLs, so links stay valid across restarts
//   tls/               the local CA (ca.pem, what SSL_CERT_FILE names) and the server certificate

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { SignetError } from '@signet/core';

import type { AccessLogEntry } from './access-log';
import { createRegistryApp } from './app';
import { createTokenId, createTokenSecret, hashTokenSecret } from './http/auth';
import { ensureLocalTls } from './local-tls';
import { createRegistryMetrics } from './metrics';
import { startServer } from './node-server';
import type { BlobStore } from './storage/blob-store';
import { openFsBlobStore } from './storage/fs-blob-store';
import type { MetadataStore } from './storage/metadata-store';
import { openSqliteMetadataStore } from './storage/sqlite-metadata-store';
import { startWorkerCluster } from './workers/cluster-primary';

/** Where each part of a local registry lives under its data folder. */
export interface LocalRegistryPaths {
  dataDir: string;
  /** `DATA/signet.db` */
  database: string;
  /** `DATA/url-signing.key` */
  urlSigningKey: string;
  /** `DATA/tls` */
  tlsDir: string;
  /** `DATA/tls/ca.pem`: the local CA certificate (made on the first start with local TLS). */
  caFile: string;
}

/** The one definition of the data folder's layout (the blob store keeps `DATA/blobs/` itself). */
export function localRegistryPaths(dataDir: string): LocalRegistryPaths {
  const tlsDir = join(dataDir, 'tls');
  return {
    dataDir,
    database: join(dataDir, 'signet.db'),
    urlSigningKey: join(dataDir, 'url-signing.key'),
    tlsDir,
    caFile: join(tlsDir, 'ca.pem'),
  };
}

/** A data folder's stores, opened by this process alone (the store lock) until `close`. */
export interface LocalRegistryData {
  paths: LocalRegistryPaths;
  metadata: MetadataStore;
  blobs: BlobStore;
  /** Closes the metadata store, which frees the data folder for another process. Idempotent. */
  close(): Promise<void>;
}

/** `openLocalRegistryData` with `create: false` on a folder that holds no `signet.db`. */
export class LocalRegistryDataMissingError extends SignetError {
  readonly dataDir: string;

  constructor(dataDir: string) {
    super(
      'DATA_MISSING',
      `Expected a registry data folder with signet.db in ${dataDir}, found none; give the data folder of a signet serve (or of the desktop's local registry).`,
    );
    this.dataDir = dataDir;
  }
}

/**
 * Opens a data folder's metadata and blob stores, e.g. to export a mirror from a stopped registry. With
 * `create: false` (the default) a folder without `signet.db` is refused (`LocalRegistryDataMissingError`), so a
 * mistyped path does not become an empty registry; `create: true` makes the folder (0700) and empty stores.
 * A folder another process has open throws `StoreLockedError`.
 */
export async function openLocalRegistryData(
  dataDir: string,
  options: { create?: boolean } = {},
): Promise<LocalRegistryData> {
  const paths = localRegistryPaths(dataDir);
  if (options.create === true) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } else if (!(await stat(paths.database).catch(() => undefined))?.isFile()) {
    throw new LocalRegistryDataMissingError(dataDir);
  }
  const metadata = await openSqliteMetadataStore({ path: paths.database });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= metadata.close());
  try {
    // After the lock: opening the blob store clears DATA/blobs/tmp, which only the folder's owner may do.
    const blobs = await openFsBlobStore({ dataDir });
    return { paths, metadata, blobs, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** How a local registry speaks: its own CA (default), a given certificate, or plain HTTP (behind a TLS proxy). */
export type LocalRegistryTls = 'local' | 'none' | { cert: string; key: string };

export interface LocalRegistryOptions {
  /** The data folder (made 0700 if missing); see `localRegistryPaths`. */
  dataDir: string;
  /** The address to listen on. Default `127.0.0.1` (this machine only). */
  host?: string | undefined;
  /** The port; 0 for any free one. Default 8443. */
  port?: number | undefined;
  /**
   * `'local'` (default): a local CA and a certificate for localhost and 127.0.0.1 under `DATA/tls/`, made on the
   * first start and reused after. `{ cert, key }`: PEM chain and key to serve with. `'none'`: plain HTTP.
   */
  tls?: LocalRegistryTls | undefined;
  /**
   * An admin bearer token that works besides the stored ones (`SIGNET_ADMIN_TOKEN`). When given, no admin token
   * is made; when absent, one is made on the first start that listens (no active stored admin token yet).
   */
  adminToken?: string | undefined;
  /** Largest zip an upload may send. Default 1 GiB (`DEFAULT_MAX_FILE_BYTES`). */
  maxFileBytes?: number | undefined;
  /** Most bytes the drafts of one namespace may hold together. Default 10 GiB (`DEFAULT_DRAFT_QUOTA_BYTES`). */
  draftQuotaBytes?: number | undefined;
  /** Called once per request when it ends (the access log); none by default. Never carries a token. */
  accessLog?: ((entry: AccessLogEntry) => void) | undefined;
  /** Called with every unexpected (5xx) error; the response never carries its details. */
  onError?: ((error: unknown, request: Request) => void) | undefined;
  /** How long `close` waits for requests in flight before closing their sockets. Default 10 s. */
  shutdownGraceMs?: number | undefined;
  /**
   * Serves Prometheus `GET /metrics` (requests, latency, uploads, publishes, the process). Default off; always on
   * with `workers` (each worker's figures, summed by the primary).
   */
  metrics?: boolean | undefined;
  /**
   * Processes serving the port (`signet serve --workers N`). Default 1: this process serves. With more, this process
   * keeps the stores and forks that many workers (node:cluster, re-running this process's entry, which must call
   * `runLocalRegistryWorker` when `isClusterWorker()`); their metadata calls run here. `accessLog` and `onError`
   * are then the workers' own (given to `runLocalRegistryWorker`).
   */
  workers?: number | undefined;
  /** One line per worker event worth an operator's eye (a worker died and is restarted). */
  log?: ((line: string) => void) | undefined;
}

/** Why a local registry could not listen: a mistake of the caller's, with the port or address to change. */
export class LocalRegistryListenError extends SignetError {
  readonly host: string;
  readonly port: number;

  constructor(
    code: 'PORT_IN_USE' | 'PORT_PRIVILEGED' | 'ADDRESS_NOT_AVAILABLE',
    host: string,
    port: number,
    cause: unknown,
  ) {
    const where = `${host}:${port}`;
    const message = {
      PORT_IN_USE: `Cannot listen on ${where}: the port is in use (another registry?). Choose another port, or 0 for any free one.`,
      PORT_PRIVILEGED: `Cannot listen on ${where}: ports below 1024 need privileges. Choose a port from 1024 (e.g. 8443), or 0 for any free one.`,
      ADDRESS_NOT_AVAILABLE: `Cannot listen on ${where}: ${JSON.stringify(host)} is not an address of this machine. Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`,
    }[code];
    super(code, message, { cause });
    this.host = host;
    this.port = port;
  }
}

/** A provider with a published, not yanked version. */
export interface PublishedProvider {
  namespace: string;
  type: string;
  private: boolean;
}

/** A running local registry. */
export interface LocalRegistry {
  /** What clients dial: `https://localhost:PORT` (127.0.0.1 and the wildcard addresses are reached as localhost). */
  url: string;
  /** The provider source host: `localhost:PORT` (no port for 443). */
  host: string;
  /** The port it listens on (the chosen one when the option was 0). */
  port: number;
  dataDir: string;
  /** The local CA's certificate, for `SSL_CERT_FILE`; null with a given certificate or plain HTTP. */
  caFile: string | null;
  /** The admin token this start made: shown once, never again (only its hash is stored). Null otherwise. */
  adminToken: string | null;
  /** The stores the server uses (this process holds their lock while running). */
  metadata: MetadataStore;
  blobs: BlobStore;
  /** Providers with a published version, and every private namespace (those need a credentials block). */
  listPublishedProviders(): Promise<{ providers: PublishedProvider[]; privateNamespaces: string[] }>;
  /** Stops listening (requests in flight may finish), then frees the data folder. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the registry on one data folder: opens (or makes) its stores, its URL-signing key and its TLS, listens, and
 * only then makes the first admin token, so a start that fails (busy port: `LocalRegistryListenError`; folder in
 * use: `StoreLockedError`) leaves no token behind that nobody saw, and the folder free again.
 */
export async function openLocalRegistry(options: LocalRegistryOptions): Promise<LocalRegistry> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8443;
  const data = await openLocalRegistryData(options.dataDir, { create: true });
  const { paths, metadata, blobs } = data;
  try {
    const tlsOption = options.tls ?? 'local';
    const local = tlsOption === 'local' ? await ensureLocalTls(paths.tlsDir) : undefined;
    const tls = tlsOption === 'none' ? undefined : (local ?? (tlsOption as { cert: string; key: string }));
    const signingSecret = await urlSigningSecret(paths.urlSigningKey);
    const shutdownGraceMs = options.shutdownGraceMs ?? 10_000;
    const workers = options.workers ?? 1;
    const server =
      workers > 1
        ? await listenOrExplain(host, port, () =>
            startWorkerCluster({
              workers,
              host,
              port,
              metadata,
              setup: {
                host,
                tls: tls ? { cert: tls.cert, key: tls.key } : null,
                shutdownTimeoutMs: shutdownGraceMs,
                embedded: {
                  dataDir: options.dataDir,
                  urlSigningKey: Buffer.from(signingSecret).toString('base64'),
                  adminToken: options.adminToken,
                  maxFileBytes: options.maxFileBytes,
                  draftQuotaBytes: options.draftQuotaBytes,
                },
              },
              log: options.log ?? (() => {}),
            }),
          )
        : await startOneProcess({ ...options, host, port }, metadata, blobs, signingSecret, tls);
    let adminToken: string | null;
    try {
      adminToken = options.adminToken === undefined ? await ensureAdminToken(metadata) : null;
    } catch (error) {
      await server.close();
      throw error;
    }
    const shown = formatSourceHost(host, server.port);
    let closing: Promise<void> | undefined;
    return {
      url: `${tls ? 'https' : 'http'}://${shown}`,
      host: shown,
      port: server.port,
      dataDir: options.dataDir,
      caFile: local ? local.caPath : null,
      adminToken,
      metadata,
      blobs,
      listPublishedProviders: () => listPublishedProviders(metadata),
      close: () =>
        (closing ??= (async () => {
          try {
            await server.close();
          } finally {
            await data.close();
          }
        })()),
    };
  } catch (error) {
    await data.close();
    throw error;
  }
}

/** This process serves: the app on one Node server. */
function startOneProcess(
  options: LocalRegistryOptions & { host: string; port: number },
  metadata: MetadataStore,
  blobs: BlobStore,
  signingSecret: Uint8Array,
  tls: { cert: string; key: string } | undefined,
) {
  const metrics = options.metrics === true ? createRegistryMetrics({ processMetrics: true }) : undefined;
  const app = createRegistryApp({
    metadata,
    blobs,
    adminToken: options.adminToken,
    maxFileBytes: options.maxFileBytes,
    draftQuotaBytes: options.draftQuotaBytes,
    urlSigningSecret: signingSecret,
    onError: options.onError,
    metrics,
  });
  const { host, port } = options;
  return listenOrExplain(host, port, () =>
    startServer({
      fetch: app.fetch,
      fastServe: app.fastServe,
      accessLog: options.accessLog,
      ...(metrics ? { metrics, routeOf: app.routeOf } : {}),
      host,
      port,
      tls: tls && { cert: tls.cert, key: tls.key },
      ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    }),
  );
}

/** Starts a server, turning a busy, privileged or foreign address into a `LocalRegistryListenError`. */
export async function listenOrExplain<T>(host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new LocalRegistryListenError('PORT_IN_USE', host, port, error);
    if (code === 'EACCES') throw new LocalRegistryListenError('PORT_PRIVILEGED', host, port, error);
    if (code === 'EADDRNOTAVAIL') throw new LocalRegistryListenError('ADDRESS_NOT_AVAILABLE', host, port, error);
    throw error;
  }
}

/** Makes the admin token on first start (no active admin token stored yet); afterwards the stored one works. */
export async function ensureAdminToken(metadata: MetadataStore): Promise<string | null> {
  const tokens = await metadata.listTokens();
  if (tokens.some((t) => t.role === 'admin' && t.revokedAt === undefined)) return null;
  const secret = createTokenSecret();
  await metadata.createToken({
    id: createTokenId(),
    name: 'admin (made by signet serve on first start)',
    role: 'admin',
    namespaces: [],
    secretHash: hashTokenSecret(secret),
  });
  return secret;
}

/** The HMAC key of signed file URLs: kept in DATA so links stay valid across restarts. */
async function urlSigningSecret(path: string): Promise<Uint8Array> {
  try {
    const existing = await readFile(path);
    if (existing.length >= 32) return existing;
  } catch {
    // first start
  }
  const secret = randomBytes(32);
  await writeFile(path, secret, { mode: 0o600 });
  return secret;
}

async function listPublishedProviders(
  metadata: MetadataStore,
): Promise<{ providers: PublishedProvider[]; privateNamespaces: string[] }> {
  const namespaces = await metadata.listNamespaces();
  const providers: PublishedProvider[] = [];
  for (const ns of namespaces) {
    for (const provider of await metadata.listProviders(ns.name)) {
      const versions = await metadata.listVersions(ns.name, provider.type);
      if (!versions.some((v) => v.state === 'published' && !v.yanked)) continue;
      providers.push({ namespace: ns.name, type: provider.type, private: ns.visibility === 'private' });
    }
  }
  return {
    providers,
    privateNamespaces: namespaces.filter((ns) => ns.visibility === 'private').map((ns) => ns.name),
  };
}

/** The provider source host clients use for a server on `host`:`port` (`localhost:8443`; no port for 443). */
export function formatSourceHost(host: string, port: number): string {
  // The local certificate names localhost; 127.0.0.1 and the wildcard addresses are reached as localhost.
  const name = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(host)
    ? 'localhost'
    : host.includes(':')
      ? `[${host}]`
      : host;
  return port === 443 ? name : `${name}:${port}`;
}

// `signet serve --workers N`: what a worker process runs (the primary is `openLocalRegistry({ workers })`).
export { isClusterWorker } from './workers/cluster-worker';
export { runLocalRegistryWorker, type LocalRegistryWorkerOptions } from './workers/local-registry-worker';
