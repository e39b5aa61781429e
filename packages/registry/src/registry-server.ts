// `signet serve` on any backends (open-registry-backends.ts): the app with the change feed, metrics and readiness
// checks, served by node-server.ts. The embedded default without scale-out settings still starts through
// openLocalRegistry (local-registry.ts), unchanged; this composes the same parts for shared stores. With
// `config.workers` > 1 this process only forks the workers (workers/cluster-primary.ts), and each worker runs
// `runRegistryServerWorker`: its own connections to PostgreSQL and the bucket, the feed on LISTEN/NOTIFY.
import type { AccessLogEntry } from './access-log';
import { createRegistryApp } from './app';
import type { ServerConfig } from './config/server-config';
import { formatSourceHost, listenOrExplain, localRegistryPaths, type LocalRegistryTls } from './local-registry';
import { ensureLocalTls } from './local-tls';
import { createRegistryMetrics, type RegistryMetrics } from './metrics';
import { startServer, type StartServerOptions } from './node-server';
import { openRegistryBackends, type RegistryBackends } from './open-registry-backends';
import { SHARED_STORE_BLOB_GRACE_MS } from './services/blob-keeper';
import { startWorkerCluster } from './workers/cluster-primary';
import { createWorkerMetrics, runClusterWorker, withWorkerHealth } from './workers/cluster-worker';

export interface RegistryServerOptions {
  config: ServerConfig;
  /** The data folder: the local CA (`DATA/tls`), and the stores the config keeps local. */
  dataDir: string;
  host: string;
  port: number;
  tls: LocalRegistryTls;
  maxFileBytes?: number | undefined;
  draftQuotaBytes?: number | undefined;
  accessLog?: ((entry: AccessLogEntry) => void) | undefined;
  /** Unexpected (5xx) errors and the change feed's connection losses. */
  onError?: ((error: unknown, request?: Request) => void) | undefined;
  /** With `config.workers` > 1: one line per worker event worth an operator's eye (a worker is restarted). */
  log?: ((line: string) => void) | undefined;
  /** The metrics to serve and feed; made here (with the process's own) when absent. */
  metrics?: RegistryMetrics | undefined;
  /** Answers tried before the app's own (a worker's `/healthz`). */
  fastServe?: StartServerOptions['fastServe'];
}

/** A running registry on the configured backends. */
export interface RegistryServer {
  url: string;
  /** The provider source host: `HOST:PORT` (no port for 443). */
  host: string;
  port: number;
  /** The local CA's certificate for `SSL_CERT_FILE`; null with a given certificate or plain HTTP. */
  caFile: string | null;
  /** Where each store is, for the banner and logs (no password, no key). */
  describe: { database: string; blobs: string };
  /** The stores this process opened; absent in the primary of workers (each worker opens its own). */
  backends?: RegistryBackends | undefined;
  /** Stops accepting, finishes requests in flight (up to the shutdown timeout), then closes the stores. */
  close(): Promise<void>;
}

/**
 * Opens the backends, starts the app on them and listens; a failure closes what was opened. With
 * `config.workers` > 1, forks that many workers instead (see the file's comment).
 */
export async function startRegistryServer(options: RegistryServerOptions): Promise<RegistryServer> {
  const { config } = options;
  if (config.workers > 1) return startRegistryCluster(options);
  const backends = await openRegistryBackends(config, {
    dataDir: options.dataDir,
    onError: (error) => options.onError?.(error),
  });
  try {
    const local =
      options.tls === 'local' ? await ensureLocalTls(localRegistryPaths(options.dataDir).tlsDir) : undefined;
    const tls = options.tls === 'none' ? undefined : (local ?? (options.tls as { cert: string; key: string }));
    const metrics = options.metrics ?? createRegistryMetrics({ processMetrics: true });
    const app = createRegistryApp({
      metadata: backends.metadata,
      blobs: backends.blobs,
      adminToken: config.adminToken,
      urlSigningSecret: config.urlSigningKey,
      maxFileBytes: options.maxFileBytes,
      draftQuotaBytes: options.draftQuotaBytes,
      onError: options.onError,
      changeFeed: backends.changeFeed,
      // Shared stores: the caches follow the change feed (and drop everything when it reconnects), not a clock.
      readCacheTtlMs: backends.shared ? Infinity : undefined,
      tokenCacheTtlMs: backends.shared ? Infinity : undefined,
      replacedBlobGraceMs: backends.shared ? SHARED_STORE_BLOB_GRACE_MS : undefined,
      metrics,
      readinessChecks: backends.readinessChecks,
    });
    const server = await listenOrExplain(options.host, options.port, () =>
      startServer({
        fetch: app.fetch,
        fastServe: options.fastServe,
        fastRead: app.fastRead,
        routeOf: app.routeOf,
        metrics,
        accessLog: options.accessLog,
        host: options.host,
        port: options.port,
        tls: tls && { cert: tls.cert, key: tls.key },
        shutdownGraceMs: config.shutdownTimeoutMs,
      }),
    );
    const shown = formatSourceHost(options.host, server.port);
    let closing: Promise<void> | undefined;
    return {
      url: `${tls ? 'https' : 'http'}://${shown}`,
      host: shown,
      port: server.port,
      caFile: local ? local.caPath : null,
      describe: backends.describe,
      backends,
      close: () =>
        (closing ??= (async () => {
          try {
            await server.close();
          } finally {
            await backends.close();
          }
        })()),
    };
  } catch (error) {
    await backends.close();
    throw error;
  }
}

/** The primary of scale-out workers: the local CA (made once, here), then the workers, which open the stores. */
async function startRegistryCluster(options: RegistryServerOptions): Promise<RegistryServer> {
  const local = options.tls === 'local' ? await ensureLocalTls(localRegistryPaths(options.dataDir).tlsDir) : undefined;
  const tls = options.tls === 'none' ? undefined : (local ?? (options.tls as { cert: string; key: string }));
  const workers = await listenOrExplain(options.host, options.port, () =>
    startWorkerCluster({
      workers: options.config.workers,
      host: options.host,
      port: options.port,
      setup: {
        host: options.host,
        tls: tls ? { cert: tls.cert, key: tls.key } : null,
        shutdownTimeoutMs: options.config.shutdownTimeoutMs,
      },
      log: options.log ?? (() => {}),
    }),
  );
  const shown = formatSourceHost(options.host, workers.port);
  return {
    url: `${tls ? 'https' : 'http'}://${shown}`,
    host: shown,
    port: workers.port,
    caFile: local ? local.caPath : null,
    // Every worker reports where its stores are; they all open the same ones.
    describe: workers.describe ?? { database: 'unknown', blobs: 'unknown' },
    close: () => workers.close(),
  };
}

/**
 * Runs this process as a scale-out worker of `startRegistryServer`'s primary until the primary stops it, with the
 * port and TLS the primary chose; resolves with the process's exit code. `options` are read from the same flags
 * and environment as the primary's (the worker re-runs the same command).
 */
export function runRegistryServerWorker(options: RegistryServerOptions): Promise<number> {
  return runClusterWorker(async (setup, channel) => {
    const server = await startRegistryServer({
      ...options,
      config: { ...options.config, workers: 1 },
      host: setup.host,
      port: setup.port,
      tls: setup.tls ?? 'none',
      metrics: createWorkerMetrics(channel),
      fastServe: withWorkerHealth(undefined),
    });
    return { describe: server.describe, close: () => server.close() };
  });
}
