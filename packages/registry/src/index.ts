// @signet/registry — the registry server's library: storage backends now; the HTTP app (protocol and management
// routes) is added beside them. This file is the package's whole public surface.

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
  ProviderRecord,
  TokenRecord,
  TokenRole,
  VersionFileRecord,
  VersionRecord,
  VersionState,
} from './storage/records';
export {
  BlobDigestMismatchError,
  BlobRangeError,
  BlobTooLargeError,
  StoreConflictError,
  StoreLockedError,
  StoreNotFoundError,
  StoreSchemaError,
} from './storage/errors';
export type { MetadataStore } from './storage/metadata-store';
export { openSqliteMetadataStore, type SqliteMetadataStoreOptions } from './storage/sqlite-metadata-store';
export { isSha256, type BlobStore, type ByteRange, type PutBlobOptions, type StoredBlob } from './storage/blob-store';
export { openFsBlobStore, type FsBlobStoreOptions } from './storage/fs-blob-store';
