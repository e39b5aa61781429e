// @signet/registry — the registry server: the HTTP app (protocol and management routes), the Node server that
// serves it, local TLS, and the storage backends. This file is the package's whole public surface.

// The app and its server
export {
  createRegistryApp,
  DEFAULT_DRAFT_QUOTA_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  type RegistryApp,
  type RegistryAppOptions,
} from './app';
export { startServer, type RunningServer, type StartServerOptions } from './node-server';
export { formatAccessLogLine, type AccessLogEntry } from './access-log';
export { ensureLocalTls, LOCAL_TLS_HOSTS, type LocalTls } from './local-tls';
export {
  formatFilePath,
  prepareRelease,
  type DownloadResponse,
  type MirrorArchive,
  type PreparedRelease,
} from './prepare-release';
export { createUrlSigner, type UrlSigner } from './url-signing';
export { hashTokenSecret, createTokenSecret, createTokenId } from './http/auth';

// Storage
export type {
  KeyRecord,
  NamespaceRecord,
  NamespaceVisibility,
  NewKey,
  NewNamespace,
  NewProvider,
  NewToken,
  NewVersion,
  NewVersionFile,
  DeleteDraftResult,
  ProviderRecord,
  PublishCondition,
  PutFileResult,
  ValidatedFile,
  TokenRecord,
  TokenRole,
  VersionFileRecord,
  VersionRecord,
  VersionState,
  VersionWithFiles,
  PreparedDocument,
} from './storage/records';
export {
  BlobDigestMismatchError,
  BlobRangeError,
  BlobTooLargeError,
  StoreConflictError,
  StoreFullError,
  StoreLockedError,
  StoreNotFoundError,
  StoreQuotaError,
  StoreSchemaError,
  StoreUnavailableError,
} from './storage/errors';
export type { MetadataStore } from './storage/metadata-store';
export { openSqliteMetadataStore, type SqliteMetadataStoreOptions } from './storage/sqlite-metadata-store';
export { migrateSqliteDatabase, type SqliteMigrationResult } from './storage/sqlite-database';
export {
  createMemoryMetadataBackend,
  openMemoryMetadataStore,
  type MemoryMetadataBackend,
  type MemoryMetadataStoreOptions,
} from './storage/memory-metadata-store';
export { PREPARED_DOCUMENT_VERSION, preparedDocumentSchema } from './storage/records';
// The PostgreSQL store is the subpath @signet/registry/postgres: `pg` stays out of the embedded default's graph.
export {
  BlobContainerMissingError,
  isSha256,
  type BlobStore,
  type ByteRange,
  type PutBlobOptions,
  type StagedBlob,
  type StoredBlob,
} from './storage/blob-store';
export { openFsBlobStore, type FsBlobStoreOptions } from './storage/fs-blob-store';

// Draft services: the rules of uploads, reports, deletes and publishing, shared by every host of the registry
export { createDraftServiceDeps, type DraftServiceDeps, type DraftServiceOptions } from './services/draft-service-deps';
export { deleteDraftFile, putDraftFile, type PutDraftFileInput, type PutDraftFileResult } from './services/draft-files';
export {
  createDraft,
  deleteDraft,
  getDraftReport,
  publishDraft,
  PUBLISH_LEASE_MS,
  type NewDraftInput,
  type PublishedDraft,
} from './services/drafts';
export { uploadCapOf, type UploadCap } from './services/upload-limits';
export { createBlobKeeper, type BlobKeeper } from './services/blob-keeper';
export { createValidationGate, type ValidationGate, type ValidationGateOptions } from './services/validation-gate';
export { createReportCache, formatReportKey, type ReportCache, type ReportCacheOptions } from './services/report-cache';

// Mirror export
export {
  exportMirror,
  storeMirrorSource,
  type ExportMirrorOptions,
  type ExportMirrorResult,
  type MirrorArchiveSource,
  type MirrorSource,
} from './mirror-export';

// Static export (signet export static)
export {
  exportStaticRegistry,
  rebaseUrl,
  staticContentType,
  STATIC_CACHE_CONTROL,
  STATIC_EXPORT_ROOTS,
  type ExportStaticOptions,
  type ExportStaticResult,
} from './static-export';
export { checkDigest, type StaticObject, type StaticSink } from './static-export-sink';
export { createFsStaticSink, FS_SINK_STATE_FILE } from './static-export-fs-sink';
export { formatNginxStaticConfig, NGINX_EXAMPLE_OPTIONS, type NginxStaticConfigOptions } from './static-export-nginx';
// A metadata store served to other processes (signet serve --workers), and a change feed over the same channels
export {
  connectMetadataStore,
  createChannelPair,
  serveMetadataStore,
  type MessageChannelLike,
} from './storage/remote-metadata-store';
export { createChannelChangeFeed, type ChannelChangeFeedOptions } from './change-feed/channel-change-feed';
