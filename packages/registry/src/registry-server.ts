// `signet serve` on any backends (open-registry-backends.ts): the app with the change feed, metrics and readiness
// checks, served by node-server.ts. The embedded default without scale-out settings still starts through
// openLocalRegistry (local-registry.ts), unchanged; this composes the same parts for shared stores.
import type { AccessLogEntry } from './access-log';
import { createRegistryApp } from './app';
import type { ServerConfig } from './config/server-config';
import { listenOrExplain, localRegistryPaths, type LocalRegistryTls } from './local-registry';
import { ensureLocalTls } from './local-tls';
import { createRegistryMetrics } from './metrics';
import { startServer } from './node-server';
import { openRegistryBackends, type RegistryBackends } from './open-registry-backends';

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
}

/** A running registry on the configured backends. */
export interface RegistryServer {
  url: string;
  /** The provider source host: `HOST:PORT` (no port for 443). */
  host: string;
  port: number;
  /** The local CA's certificate for `SSL_CERT_FILE`; null with a given certificate or plain HTTP. */
  caFile: string | null;
  backends: RegistryBackends;
  /** Stops accepting, finishes requests in flight (up to the shutdown timeout), then closes the stores. */
  close(): Promise<void>;
}

/** Opens the backends, starts the app on them and listens; a failure closes what was opened. */
export async function startRegistryServer(options: RegistryServerOptions): Promise<RegistryServer> {
  const { config } = options;
  const backends = await openRegistryBackends(config, {
    dataDir: options.dataDir,
    onError: (error) => options.onError?.(error),
  });
  try {
    const local =
      options.tls === 'local' ? await ensureLocalTls(localRegistryPaths(options.dataDir).tlsDir) : undefined;
    const tls = options.tls === 'none' ? undefined : (local ?? (options.tls as { cert: string; key: string }));
    const metrics = createRegistryMetrics({ processMetrics: true });
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
      metrics,
      readinessChecks: backends.readinessChecks,
    });
    const server = await listenOrExplain(options.host, options.port, () =>
      startServer({
        fetch: app.fetch,
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
    const shown = formatHost(options.host, server.port);
    let closing: Promise<void> | undefined;
    return {
      url: `${tls ? 'https' : 'http'}://${shown}`,
      host: shown,
      port: server.port,
      caFile: local ? local.caPath : null,
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

function formatHost(host: string, port: number): string {
  // The local certificate names localhost; 127.0.0.1 and the wildcard addresses are reached as localhost.
  const name = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(host)
    ? 'localhost'
    : host.includes(':')
      ? `[${host}]`
      : host;
  return port === 443 ? name : `${name}:${port}`;
}
