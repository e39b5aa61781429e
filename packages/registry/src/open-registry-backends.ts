// Which stores a `signet serve` runs on, from its settings (config/server-config.ts): the embedded default (SQLite
// and a folder under --data, one process) or any mix of PostgreSQL and S3-compatible storage, shared by replicas.
// PostgreSQL with the files in --data serves one replica only: the folder is not shared.
import { mkdir } from 'node:fs/promises';

import type { ChangeFeed } from './change-feed/change-feed';
import { createInProcessChangeFeed } from './change-feed/change-feed';
import { openPostgresChangeFeed } from './change-feed/pg-change-feed';
import { ServerConfigError, type ServerConfig } from './config/server-config';
import type { ReadinessCheck } from './http/health-routes';
import { openLocalRegistryData, localRegistryPaths } from './local-registry';
import { BlobContainerMissingError, type BlobStore } from './storage/blob-store';
import { openFsBlobStore } from './storage/fs-blob-store';
import type { MetadataStore } from './storage/metadata-store';
import { openPostgresMetadataStore } from './storage/pg-metadata-store';
import { openS3BlobStore } from './storage/s3-blob-store';
import { openSqliteMetadataStore } from './storage/sqlite-metadata-store';

/** The stores a registry runs on, and how replicas of it hear each other's changes. */
export interface RegistryBackends {
  metadata: MetadataStore;
  blobs: BlobStore;
  /** PostgreSQL LISTEN/NOTIFY with --database, in-process otherwise (one process owns the SQLite file). */
  changeFeed: ChangeFeed;
  /** True when other processes share the metadata: caches then follow the change feed alone (no TTL). */
  shared: boolean;
  /** What `/readyz` checks: each store answers. */
  readinessChecks: Record<string, ReadinessCheck>;
  /** Where each store is, for the banner and logs (no password, no key). */
  describe: { database: string; blobs: string };
  /** Closes the change feed, then the stores. Idempotent. */
  close(): Promise<void>;
}

export interface OpenRegistryBackendsOptions {
  /** The data folder (the embedded stores; made 0700 when missing). */
  dataDir: string;
  /**
   * The change feed's connection losses and reconnects, a bucket that does not answer at start, and failed clean-ups
   * of uploads (an abort S3 refused): logged, never thrown.
   */
  onError?: ((error: unknown) => void) | undefined;
}

/** A digest no blob has: `stat` of it answers only when the store is reachable (for stores without `ping`). */
const PROBE_DIGEST = '0'.repeat(64);

/**
 * Opens the stores `config` names. The embedded default is exactly what `openLocalRegistryData` opens. With
 * `--database` the metadata is in PostgreSQL (migrations applied on open) and the change feed listens on it; with
 * `--blobs` the files are in the bucket. What opened before a failure is closed again.
 *
 * The bucket is pinged once before anything else opens. A bucket that S3 says is missing or not ours
 * (`BlobContainerMissingError`) is refused with `ServerConfigError` (exit 2): no replica should start on a misnamed
 * bucket and then never become ready. A bucket that does not answer is only reported to `onError`: the replica starts
 * and `/readyz` answers 503 until the bucket does, so a replica started during an S3 blip does not crash-loop.
 */
export async function openRegistryBackends(
  config: ServerConfig,
  options: OpenRegistryBackendsOptions,
): Promise<RegistryBackends> {
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const shared = config.blobs.kind === 's3' ? await openBlobs(config, options, closers) : undefined;
    if (shared) await checkBlobsAtStart(shared, options);
    const { metadata, database, ping, blobs: embedded } = await openMetadata(config, options, closers);
    const blobs = shared ?? embedded ?? (await openBlobs(config, options, closers));
    const changeFeed =
      config.database.kind === 'postgres'
        ? await openPostgresChangeFeed({ connectionString: config.database.url, onError: options.onError })
        : createInProcessChangeFeed({ onError: options.onError });
    closers.push(() => changeFeed.close());
    let closing: Promise<void> | undefined;
    return {
      metadata,
      blobs,
      changeFeed,
      shared: config.database.kind === 'postgres',
      readinessChecks: { database: ping, blobs: () => (blobs.ping ? blobs.ping() : blobs.stat(PROBE_DIGEST)) },
      describe: {
        database,
        blobs:
          config.blobs.kind === 's3'
            ? `s3://${config.blobs.bucket}/${config.blobs.prefix}${config.blobs.endpoint ? ` at ${config.blobs.endpoint}` : ''}`
            : `${options.dataDir}/blobs`,
      },
      close: () => (closing ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openMetadata(
  config: ServerConfig,
  options: OpenRegistryBackendsOptions,
  closers: (() => Promise<void> | void)[],
): Promise<{ metadata: MetadataStore; database: string; ping: ReadinessCheck; blobs?: BlobStore }> {
  if (config.database.kind === 'postgres') {
    const store = await openPostgresMetadataStore({ url: config.database.url });
    closers.push(() => store.close());
    return { metadata: store, database: config.database.display, ping: () => store.ping() };
  }
  const paths = localRegistryPaths(options.dataDir);
  if (config.blobs.kind === 'fs') {
    // The embedded default: the data folder exactly as openLocalRegistry opens it (store lock, blobs/tmp cleared).
    const data = await openLocalRegistryData(options.dataDir, { create: true });
    closers.push(() => data.close());
    return {
      metadata: data.metadata,
      blobs: data.blobs,
      database: paths.database,
      ping: () => data.metadata.getNamespace('signet-readiness-probe'),
    };
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const metadata = await openSqliteMetadataStore({ path: paths.database });
  closers.push(() => metadata.close());
  return { metadata, database: paths.database, ping: () => metadata.getNamespace('signet-readiness-probe') };
}

async function openBlobs(
  config: ServerConfig,
  options: OpenRegistryBackendsOptions,
  closers: (() => Promise<void> | void)[],
): Promise<BlobStore> {
  if (config.blobs.kind === 's3') {
    const store = await openS3BlobStore({
      bucket: config.blobs.bucket,
      prefix: config.blobs.prefix,
      region: config.blobs.region,
      endpoint: config.blobs.endpoint,
      forcePathStyle: config.blobs.forcePathStyle,
      presignExpiresSeconds: config.presignExpirySeconds,
      onCleanupError: options.onError, // else the store's default, a process warning
    });
    closers.push(() => store.close());
    return store;
  }
  return openFsBlobStore({ dataDir: options.dataDir });
}

/** Refuses a bucket S3 says is missing or not ours; a bucket that does not answer is reported and started on. */
async function checkBlobsAtStart(blobs: BlobStore, options: OpenRegistryBackendsOptions): Promise<void> {
  try {
    await blobs.ping?.();
  } catch (error) {
    if (error instanceof BlobContainerMissingError) throw new ServerConfigError('--blobs', error.message);
    options.onError?.(
      new Error(
        `The bucket did not answer at start; serving anyway, /readyz answers 503 until it does: ${(error as Error).message}`,
        { cause: error },
      ),
    );
  }
}
