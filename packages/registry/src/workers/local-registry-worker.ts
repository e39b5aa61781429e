// A worker of the embedded default under `signet serve --workers N`: the whole app on the shared port, its metadata
// calls run by the primary (which alone opens signet.db) and its blobs read and written in the same folder (without
// clearing tmp/, which only the primary does on start: another worker's upload may be under way there). Its caches
// follow the change feed the primary relays between workers, never a clock.
import type { AccessLogEntry } from '../access-log';
import { createRegistryApp } from '../app';
import { createChannelChangeFeed } from '../change-feed/channel-change-feed';
import { startServer } from '../node-server';
import { SHARED_STORE_BLOB_GRACE_MS } from '../services/blob-keeper';
import { openFsBlobStore } from '../storage/fs-blob-store';
import { connectMetadataStore } from '../storage/remote-metadata-store';
import { createWorkerMetrics, runClusterWorker, withWorkerHealth } from './cluster-worker';

export interface LocalRegistryWorkerOptions {
  /** Called once per request when it ends (the access log); none by default. */
  accessLog?: ((entry: AccessLogEntry) => void) | undefined;
  /** Unexpected (5xx) errors, and the change feed's. */
  onError?: ((error: unknown, request?: Request) => void) | undefined;
}

/**
 * Runs this process as a worker of `openLocalRegistry({ workers })`'s primary until the primary stops it; resolves
 * with the process's exit code. Everything else it runs with (data folder, port, TLS, URL-signing key, admin token,
 * limits) comes from the primary.
 */
export function runLocalRegistryWorker(options: LocalRegistryWorkerOptions = {}): Promise<number> {
  return runClusterWorker(async (setup, channel) => {
    const embedded = setup.embedded;
    if (!embedded) throw new Error('Expected the embedded default’s setup from the primary, found a scale-out one.');
    const blobs = await openFsBlobStore({ dataDir: embedded.dataDir, cleanTmp: false });
    const metadata = connectMetadataStore(channel);
    const changeFeed = createChannelChangeFeed({ channels: [channel], onError: (error) => options.onError?.(error) });
    const metrics = createWorkerMetrics(channel);
    const app = createRegistryApp({
      metadata,
      blobs,
      adminToken: embedded.adminToken,
      urlSigningSecret: Buffer.from(embedded.urlSigningKey, 'base64'),
      maxFileBytes: embedded.maxFileBytes,
      draftQuotaBytes: embedded.draftQuotaBytes,
      onError: options.onError,
      changeFeed,
      // Other workers write the same store: the caches follow the feed the primary relays, not a clock.
      readCacheTtlMs: Infinity,
      tokenCacheTtlMs: Infinity,
      // Their uploads do not take this process's per-digest lock: an unused blob waits out a grace (blob-keeper.ts).
      replacedBlobGraceMs: SHARED_STORE_BLOB_GRACE_MS,
      metrics,
    });
    const server = await startServer({
      fetch: app.fetch,
      fastServe: withWorkerHealth(app.fastServe),
      routeOf: app.routeOf,
      metrics,
      accessLog: options.accessLog,
      host: setup.host,
      port: setup.port,
      tls: setup.tls ?? undefined,
      shutdownGraceMs: setup.shutdownTimeoutMs,
    });
    return {
      async close() {
        try {
          await server.close();
        } finally {
          await changeFeed.close();
          await metadata.close();
        }
      },
    };
  });
}
