// @signet/registry/server — `signet serve` and `signet gc` on any backends: the settings (one documented table),
// the backends they choose (SQLite and a folder, or PostgreSQL and S3-compatible storage), the server composed on
// them, and garbage collection of unreferenced blobs. Node only; a subpath so that importing the package root does
// not load the PostgreSQL driver and the AWS SDK.

// Settings
export {
  DEFAULT_PRESIGN_EXPIRY_SECONDS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  formatServerSettings,
  parseServerConfig,
  SERVER_SETTINGS,
  ServerConfigError,
  type ServerConfig,
  type ServerConfigInput,
  type ServerSetting,
} from './config/server-config';
export { formatDatabaseUrl, type DatabaseConfig } from './config/database-url';
export { parseDuration } from './config/duration';
export type { BlobsConfig } from './config/blobs-url';

// Backends and the server on them
export {
  openRegistryBackends,
  type OpenRegistryBackendsOptions,
  type RegistryBackends,
} from './open-registry-backends';
export {
  runRegistryServerWorker,
  startRegistryServer,
  type RegistryServer,
  type RegistryServerOptions,
} from './registry-server';

// Change feed and metrics
export {
  createInProcessChangeFeed,
  type ChangeEvent,
  type ChangeFeed,
  type ChangeHandler,
} from './change-feed/change-feed';
export {
  openPostgresChangeFeed,
  type PostgresChangeFeed,
  type PostgresChangeFeedOptions,
} from './change-feed/pg-change-feed';
export { createRegistryMetrics, type RegistryMetrics, type RequestObservation } from './metrics';

// Garbage collection
export { collectGarbage, type CollectGarbageOptions, type GarbageReport } from './services/gc';

// Static export into a bucket (signet export static --to s3://…); the folder export is in the package root
export { createS3StaticSink, createS3StaticSinkFromUrl, type S3StaticSinkOptions } from './static-export-s3-sink';
